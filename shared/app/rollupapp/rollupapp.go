// Package rollupapp builds the rollup function's handler; it links the
// rollup and the store, and nothing of the other functions.
package rollupapp

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/app"
	"github.com/customercloud/home/shared/rollup"
)

// ScheduledHandler is the rollup function's Lambda signature.
type ScheduledHandler func(context.Context, events.EventBridgeEvent) (rollup.Summary, error)

// New builds the rollup function's handler from its environment.
func New(ctx context.Context, getenv app.Getenv, log *slog.Logger) (ScheduledHandler, error) {
	st, err := app.TableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	r := rollup.New(st, log)
	return func(ctx context.Context, ev events.EventBridgeEvent) (rollup.Summary, error) {
		log.InfoContext(ctx, "scheduled rollup", "eventId", ev.ID)
		return r.All(ctx)
	}, nil
}
