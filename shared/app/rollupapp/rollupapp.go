// Package rollupapp builds the rollup function's handler; it links the
// rollup and the store, and nothing of the other functions.
package rollupapp

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/app"
	"github.com/customercloud/home/shared/app/busapp"
	"github.com/customercloud/home/shared/app/storeapp"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/rollup"
)

// ScheduledHandler is the rollup function's Lambda signature.
type ScheduledHandler func(context.Context, events.EventBridgeEvent) (rollup.Summary, error)

// New builds the rollup function's handler from its environment.
func New(ctx context.Context, getenv app.Getenv, log *slog.Logger) (ScheduledHandler, error) {
	st, err := storeapp.TableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	n, err := busapp.Notifier(ctx, getenv, st, log)
	if err != nil {
		return nil, err
	}
	r, err := rollup.New(rollup.Config{Store: st, Log: log, AfterOrg: SweepHook(n, log)})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", app.ErrConfig, err)
	}
	return func(ctx context.Context, ev events.EventBridgeEvent) (rollup.Summary, error) {
		log.InfoContext(ctx, "scheduled rollup", "eventId", ev.ID)
		return r.All(ctx)
	}, nil
}

// SweepHook is the rollup's per-organization threshold sweep: the current
// cycle with its channel packages' mass sends (known only to the rollup),
// and the previous cycle's pending notifications only (a closed cycle is
// not judged again against a plan changed since; late debits into it are
// checked by the debit hook).
func SweepHook(n *alerts.Notifier, log *slog.Logger) rollup.AfterOrg {
	return func(ctx context.Context, org string, cur localdate.Range, snap metrics.Snapshot) {
		pk := map[string]int64{}
		if snap.CycleStart == cur.From.String() {
			for ch, u := range snap.MassSends {
				pk[ch] = int64(u.Cycle)
			}
		}
		prev := localdate.CycleStart(cur.From.AddDays(-1), cur.From.Day())
		for _, c := range []alerts.Check{{Org: org, CycleStart: cur.From, Packages: pk}, {Org: org, CycleStart: prev, PendingOnly: true}} {
			if _, err := n.Run(ctx, c); err != nil {
				log.WarnContext(ctx, "threshold sweep failed", "org", org, "cycle", c.CycleStart.String(), "error", err.Error())
			}
		}
	}
}
