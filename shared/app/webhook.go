package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/customercloud/home/shared/webhook"
)

// Webhook builds the webhook function's HTTP handler.
func Webhook(ctx context.Context, getenv Getenv, log *slog.Logger) (http.Handler, error) {
	h, err := webhook.NewFromEnv(ctx, getenv, log)
	if err != nil {
		return nil, err // never a typed nil inside a non-nil http.Handler
	}
	return h, nil
}
