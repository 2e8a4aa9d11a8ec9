// Package homeapp builds the home-api function's handler; it links the Home
// API and the store, and nothing of the other functions.
package homeapp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/export/awsexports"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/storeapp"
)

// New builds the Home API's HTTP handler from its environment.
func New(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (http.Handler, error) {
	awsCfg, st, err := storeapp.Open(ctx, getenv)
	if err != nil {
		return nil, err
	}
	cfg := home.Config{Store: st, Log: log}
	// Usage exports (issue 11): on wherever the bucket is configured.
	if getenv(resources.EnvExportsBucket) != "" {
		svc, err := awsexports.FromEnv(awsCfg, getenv)
		if err != nil {
			return nil, err
		}
		cfg.Exports = svc
	}
	h, err := home.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	if jwks := getenv(resources.EnvLocalTokenJWKS); jwks != "" {
		keys, err := auth.ParseJWKS([]byte(jwks))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", wiring.ErrConfig, resources.EnvLocalTokenJWKS, err)
		}
		log.Warn("local token verification on (" + resources.EnvLocalTokenJWKS + "): for sam local only")
		v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: auth.LocalIssuer, Audience: auth.LocalAudience, Keys: keys})
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", wiring.ErrConfig, resources.EnvLocalTokenJWKS, err)
		}
		return localTokens(v, h, log), nil
	}
	return h, nil
}
