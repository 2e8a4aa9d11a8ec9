// Package rollupapp builds the rollup function's handler: the metrics
// schedule's lister (shared/fanout). It links the index read and the SQS
// client, and nothing of the other functions; it reads no contact.
package rollupapp

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/fanout"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/fanoutapp"
	"github.com/customercloud/home/shared/wiring/storeapp"
)

// ScheduledHandler is the rollup function's Lambda signature.
type ScheduledHandler func(context.Context, events.EventBridgeEvent) (fanout.PageResult, error)

// New builds the lister from its environment.
func New(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (ScheduledHandler, error) {
	st, err := storeapp.TableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	l, period, err := fanoutapp.NewLister(ctx, getenv, st)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, ev events.EventBridgeEvent) (fanout.PageResult, error) {
		at := ev.Time
		if at.IsZero() {
			at = time.Now()
		}
		run := fanout.RunOf(at, period)
		start := time.Now()
		r, err := l.Page(ctx, run, "")
		if err != nil {
			return r, err
		}
		log.InfoContext(ctx, "metrics run listed", "eventId", ev.ID, "run", run, "orgs", r.Orgs,
			"reconciles", r.Reconciles, "more", r.More, "ms", time.Since(start).Milliseconds())
		return r, nil
	}, nil
}
