// Package local holds what the local stack's commands share: reading the
// stack's variables written by stack.sh.
package local

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/customercloud/home/shared/awscfg"
)

// Getenv returns a lookup that prefers the process environment and falls
// back to .local/stack.env under root, so commands work with or without the
// file sourced.
func Getenv(root string) (func(string) string, error) {
	vars := map[string]string{}
	f, err := os.Open(filepath.Join(root, ".local", "stack.env"))
	if err != nil {
		return nil, fmt.Errorf("read .local/stack.env (is the stack started? bash infra/local/stack.sh start): %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "))
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		vars[k] = strings.Trim(v, `"'`)
	}
	return func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return vars[k]
	}, sc.Err()
}

// Root finds the module root from the working directory.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Env is the module root and the stack's variables, what every local
// command starts from.
func Env() (root string, getenv func(string) string, err error) {
	if root, err = Root(); err != nil {
		return "", nil, err
	}
	getenv, err = Getenv(root)
	return root, getenv, err
}

// AWS is the stack's variables and the SDK's configuration for its
// endpoints (awscfg.LoadWith over them): what a command that calls the
// local emulators starts from.
func AWS(ctx context.Context) (aws.Config, func(string) string, error) {
	_, getenv, err := Env()
	if err != nil {
		return aws.Config{}, nil, err
	}
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return aws.Config{}, nil, err
	}
	return cfg, getenv, nil
}
