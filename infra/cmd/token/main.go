// Command token prints a bearer token the local API accepts, signed by the
// local key under .local/ (make token PROFILE=Admin ORG=demo).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/shared/auth"
)

func main() {
	profile := flag.String("profile", "Admin", "access profile: Admin, Operator, AdvancedAgent, Viewer or Agent")
	org := flag.String("org", "demo", "organization id")
	ttl := flag.Duration("ttl", 12*time.Hour, "token lifetime")
	jwks := flag.Bool("jwks", false, "print the local key's public key set (JWKS) instead of a token")
	flag.Parse()
	root, err := local.Root()
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
	key, err := auth.LoadOrCreateLocalKey(filepath.Join(root, ".local"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
	if *jwks {
		doc, err := key.JWKS()
		if err != nil {
			fmt.Fprintln(os.Stderr, "token:", err)
			os.Exit(1)
		}
		fmt.Println(string(doc))
		return
	}
	tok, err := key.Mint(auth.TokenRequest{Org: *org, Profile: *profile, TTL: *ttl}, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}
