// Package homeapp builds the home-api function's handler; it links the Home
// API and the store, and nothing of the other functions.
package homeapp

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/customercloud/home/shared/app"
	"github.com/customercloud/home/shared/home"
)

// New builds the Home API's HTTP handler from its environment.
func New(ctx context.Context, getenv app.Getenv, log *slog.Logger) (http.Handler, error) {
	st, err := app.TableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return home.New(st, log), nil
}
