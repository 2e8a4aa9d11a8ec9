// Package reconcile recounts one organization's aggregates from its contact
// states and compares them with the incremental aggregates the stream keeps
// (shared/aggregate), reports the drift per cell in a structured log line
// and a metric (AggregateDrift, alarmed on above 0), and repairs it.
//
// Repair is safe while the stream keeps writing, for two reasons:
//
//   - It adds the difference (DynamoDB ADD) instead of setting a value, so
//     it commutes with the stream's own increments: none is overwritten.
//   - It only adds a difference seen twice: a recount and the aggregates
//     can differ for a moment because a contact's write is in the table but
//     not yet applied from the stream (or the other way round, for a write
//     after the scan passed that contact). Such a difference changes or
//     vanishes once the stream catches up (Settle: longer than the stream's
//     batching window and a batch's processing); a counter that is wrong
//     stays wrong by the same amount. A second pass after Settle keeps only
//     the cells whose difference is the same in both.
//
// The residual risk, a transient difference equal in both passes, would
// add a wrong amount to a busy organization's cell; the next day's
// reconciliation sees it as drift and takes it back out. The metric counts
// confirmed cells only; transient ones are logged.
package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/customercloud/home/shared/backoff"
	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/emf"
	"github.com/customercloud/home/shared/resources"
)

// Cells are aggregate counters by cell name (the aggregates' own names).
type Cells map[string]int64

// Confirm keeps the cells whose difference is the same in both passes.
func Confirm(first, second Cells) Cells {
	c := Cells{}
	for k, v := range second {
		if v != 0 && first[k] == v {
			c[k] = v
		}
	}
	return c
}

// Source is an organization's aggregates against their recount.
type Source interface {
	// Drift is what must be added to the stored cells to make them equal
	// a recount from the contact states (O(contacts)), and the read
	// requests it made.
	Drift(ctx context.Context, org string) (Cells, int, error)
	// Add adds delta to the stored cells atomically.
	Add(ctx context.Context, org string, delta Cells) error
}

// Config is what a reconciler is built from; New validates it.
type Config struct {
	Source Source
	Log    *slog.Logger
	// Metrics receives the drift metric (nil: none).
	Metrics *emf.Writer
	// Settle is the wait between the two passes when the first finds a
	// difference.
	Settle time.Duration
	// ReportOnly turns repair off (an operator's dry run).
	ReportOnly bool
}

// Validate says what is missing.
func (c Config) Validate() error {
	return config.Check("reconcile", config.Required("Source", c.Source != nil), config.Required("Log", c.Log != nil),
		config.NotNegative("Settle", c.Settle))
}

// Reconciler recounts organizations and repairs confirmed drift.
type Reconciler struct {
	cfg   Config
	sleep func(context.Context, time.Duration) error
}

// New returns a reconciler over cfg.Source.
func New(cfg Config) (*Reconciler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Reconciler{cfg: cfg}, nil
}

// Report is one reconciliation's outcome.
type Report struct {
	Org string
	// First and Second are the passes' differences (Second is empty when
	// the first found none).
	First, Second Cells
	// Confirmed are the differences seen in both passes; Repaired says
	// they were added back.
	Confirmed Cells
	Repaired  bool
	// Requests are the read requests of the recounts.
	Requests int
}

func (r *Reconciler) wait(ctx context.Context, d time.Duration) error {
	if r.sleep != nil {
		return r.sleep(ctx, d)
	}
	if d <= 0 {
		return nil
	}
	return backoff.Sleep(ctx, d)
}

func (r *Reconciler) pass(ctx context.Context, org string, rep *Report) (Cells, error) {
	d, q, err := r.cfg.Source.Drift(ctx, org)
	rep.Requests += q
	if err != nil {
		return nil, fmt.Errorf("reconcile %s: %w", org, err)
	}
	return d, nil
}

// Run reconciles one organization: a pass, and if it differs, a second
// pass after Settle; the differences seen in both are repaired (unless
// ReportOnly), logged cell by cell and counted in the metric.
func (r *Reconciler) Run(ctx context.Context, org string) (Report, error) {
	rep := Report{Org: org, Confirmed: Cells{}, Second: Cells{}}
	first, err := r.pass(ctx, org, &rep)
	if err != nil {
		return rep, err
	}
	rep.First = first
	if len(first) > 0 {
		if err := r.wait(ctx, r.cfg.Settle); err != nil {
			return rep, err
		}
		second, err := r.pass(ctx, org, &rep)
		if err != nil {
			return rep, err
		}
		rep.Second = second
		rep.Confirmed = Confirm(first, second)
	}
	for _, k := range slices.Sorted(maps.Keys(rep.Second)) {
		_, confirmed := rep.Confirmed[k]
		r.cfg.Log.WarnContext(ctx, "aggregate drift", "org", org, "cell", k, "delta", rep.Second[k],
			"firstPass", first[k], "confirmed", confirmed, "repair", confirmed && !r.cfg.ReportOnly)
	}
	if len(rep.Confirmed) > 0 && !r.cfg.ReportOnly {
		if err := r.cfg.Source.Add(ctx, org, rep.Confirmed); err != nil {
			return rep, fmt.Errorf("reconcile %s: repair: %w", org, err)
		}
		rep.Repaired = true
	}
	r.cfg.Log.InfoContext(ctx, "reconciled", "org", org, "driftCells", len(rep.Confirmed), "transientCells", len(rep.Second)-len(rep.Confirmed),
		"repaired", rep.Repaired, "requests", rep.Requests)
	if err := r.cfg.Metrics.Put(map[string]int64{resources.MetricsDriftMetric: int64(len(rep.Confirmed))}, map[string]string{"org": org}); err != nil {
		r.cfg.Log.WarnContext(ctx, "drift metric not written", "org", org, "error", err.Error())
	}
	return rep, nil
}
