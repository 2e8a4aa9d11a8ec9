// Command reconcile is the on-demand reconciliation of one organization
// (shared/reconcile): it recounts the organization's aggregates from its
// contact states, prints the drift per cell, and repairs what it saw twice
// (unless -report-only). It runs against the local stack (.local/stack.env)
// or, with -aws, the table named by TABLE_NAME in the AWS account of the
// environment's credentials.
//
//	go run ./infra/cmd/reconcile -org demo [-report-only] [-settle 15s] [-aws]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/shared/emf"
	"github.com/customercloud/home/shared/reconcile"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/storeapp"
)

func main() { os.Exit(local.Exit("reconcile", run())) }

func run() error {
	org := flag.String("org", "", "organization id (required)")
	reportOnly := flag.Bool("report-only", false, "report drift without repairing it")
	settle := flag.Duration("settle", 15*time.Second, "wait between the two passes when the first differs")
	inAWS := flag.Bool("aws", false, "use the process environment (AWS) instead of the local stack")
	flag.Parse()
	if *org == "" {
		return fmt.Errorf("-org is required")
	}
	ctx := context.Background()
	getenv := os.Getenv
	if !*inAWS {
		_, g, err := local.Env()
		if err != nil {
			return err
		}
		getenv = g
	}
	st, err := storeapp.TableStore(ctx, getenv)
	if err != nil {
		return err
	}
	r, err := reconcile.New(reconcile.Config{
		Source: reconcile.StoreSource{St: st},
		Log:    wiring.Logger(getenv, "reconcile"), Metrics: &emf.Writer{W: os.Stderr},
		Settle: *settle, ReportOnly: *reportOnly,
	})
	if err != nil {
		return err
	}
	rep, err := r.Run(ctx, *org)
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(out))
	return nil
}
