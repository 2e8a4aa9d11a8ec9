// Package metricsworkerapp builds the metrics-worker function's handler:
// one organization's scheduled work per message of the fan-out queue
// (shared/orgwork), or the continuation of a listing (shared/fanout). It
// links the store, the alerts' sweep, the reconciliation, the bus and the
// SQS client, and nothing of the other functions.
package metricsworkerapp

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/emf"
	"github.com/customercloud/home/shared/orgwork"
	"github.com/customercloud/home/shared/reconcile"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/busapp"
	"github.com/customercloud/home/shared/wiring/fanoutapp"
	"github.com/customercloud/home/shared/wiring/storeapp"
)

// SQSHandler is the metrics-worker function's Lambda signature.
type SQSHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// Settle is the reconciliation's wait between its two passes: above the
// stream mapping's batching window plus a batch's processing, so a
// contact written before the first pass is applied before the second.
var Settle = resources.Aggregate.Stream.BatchingWindow + 10*time.Second

// New builds the worker from its environment.
func New(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (SQSHandler, error) {
	w, err := NewWorker(ctx, getenv, log)
	if err != nil {
		return nil, err
	}
	return w.Handle, nil
}

// NewWorker is the worker itself (the local runner drives it directly).
func NewWorker(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (*orgwork.Worker, error) {
	st, err := storeapp.TableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	n, err := busapp.Notifier(ctx, getenv, st, log)
	if err != nil {
		return nil, err
	}
	l, period, err := fanoutapp.NewLister(ctx, getenv, st)
	if err != nil {
		return nil, err
	}
	rec, err := reconcile.New(reconcile.Config{Source: reconcile.StoreSource{St: st}, Log: log,
		Metrics: &emf.Writer{W: os.Stdout}, Settle: Settle})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	w, err := orgwork.New(orgwork.Config{
		Profiles:   st,
		Aggregates: st,
		Sweeper:    n,
		Reconciler: rec,
		Lister:     l,
		Log:        log,
		// Two periods: a task a later run has listed again is dropped.
		MaxAge: 2 * period,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	return w, nil
}
