// Package orgwork is one organization's scheduled metrics work, taken from
// the fan-out queue (shared/fanout): the threshold sweep (package mass
// sends, which only the aggregates know, and pending notifications past
// their lease) and, in the organization's turn, the reconciliation. Each step reads a fixed number
// of items whatever the organization's size, except the reconciliation,
// which is a recount by nature and runs once a day per organization.
package orgwork

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/customercloud/home/shared/config"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/fanout"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/reconcile"
	"github.com/customercloud/home/shared/records"
)

// Profiles reads an organization's profile (its zone and plan).
type Profiles interface {
	GetProfile(ctx context.Context, org string) (records.Profile, error)
}

// Aggregates is what the work needs of an organization's incremental
// aggregates (shared/aggregate keeps them from the table's stream). Their
// dated items expire by TTL (store.AggregateTTL) once no Home reads them,
// so nothing is left to prune on a schedule, and the first steps are
// sticky counters the stream only increments: what the old rollup did
// besides the sweep needs no scheduled work any more.
type Aggregates interface {
	// AggregateDays reads the dated aggregates from..to.
	AggregateDays(ctx context.Context, org string, from, to localdate.Date) (map[localdate.Date]metrics.Counters, error)
}

// Sweeper runs a threshold check (alerts.Notifier).
type Sweeper interface {
	Run(ctx context.Context, c alerts.Check) (alerts.Result, error)
}

// Reconciler recounts an organization and repairs confirmed drift
// (*reconcile.Reconciler).
type Reconciler interface {
	Run(ctx context.Context, org string) (reconcile.Report, error)
}

// Config is what a worker is built from; New validates it.
type Config struct {
	Profiles   Profiles
	Aggregates Aggregates
	Sweeper    Sweeper
	Reconciler Reconciler // nil: reconciliation off
	Lister     fanout.Lister
	Log        *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// MaxAge drops tasks whose run is older (a later run has covered the
	// organization since); 0 keeps every task.
	MaxAge time.Duration
}

// Validate says what is missing.
func (c Config) Validate() error {
	return config.Check("orgwork", config.Required("Profiles", c.Profiles != nil), config.Required("Aggregates", c.Aggregates != nil),
		config.Required("Sweeper", c.Sweeper != nil), config.Required("Log", c.Log != nil), config.NotNegative("MaxAge", c.MaxAge))
}

// Worker does organizations' tasks and continues listings.
type Worker struct {
	cfg Config
}

// Result is what one organization's task did.
type Result struct {
	Swept      bool
	Reconciled bool
	// DriftCells are the cells the reconciliation found and repaired.
	DriftCells int
}

// New returns a worker.
func New(cfg Config) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Worker{cfg: cfg}, nil
}

// Org does one organization's work. A sweep failure does not stop the
// pruning, nor the other way round; the error joins both, so the message
// is retried (every step is idempotent).
func (w *Worker) Org(ctx context.Context, t fanout.Task) (Result, error) {
	var res Result
	if t.Org == "" {
		return res, errors.New("orgwork: task without organization")
	}
	prof, err := w.cfg.Profiles.GetProfile(ctx, t.Org)
	if err != nil {
		return res, fmt.Errorf("orgwork: profile of %s: %w", t.Org, err)
	}
	today := localdate.Of(w.cfg.Now(), prof.Plan.Location())
	cur := prof.Plan.Cycle(today)
	var errs []error
	if err := w.sweep(ctx, t.Org, prof, today, cur.From); err != nil {
		errs = append(errs, err)
	} else {
		res.Swept = true
	}
	if t.Reconcile && w.cfg.Reconciler != nil {
		rep, err := w.cfg.Reconciler.Run(ctx, t.Org)
		res.DriftCells = len(rep.Confirmed)
		if err != nil {
			errs = append(errs, fmt.Errorf("orgwork: reconcile %s: %w", t.Org, err))
		} else {
			res.Reconciled = true
		}
	}
	return res, errors.Join(errs...)
}

// sweep checks the current cycle with its channel packages' mass sends,
// and the previous cycle's pending notifications only (a closed cycle is
// not judged again against a plan changed since; late debits into it are
// checked by the debit hook).
func (w *Worker) sweep(ctx context.Context, org string, prof records.Profile, today, cur localdate.Date) error {
	pk := map[string]int64{}
	// Mass sends matter only against channel packages: an organization
	// without any costs no aggregate read.
	if w.cfg.Aggregates != nil && len(prof.Plan.Packages) > 0 {
		days, err := w.cfg.Aggregates.AggregateDays(ctx, org, cur, today)
		if err != nil {
			return fmt.Errorf("orgwork: mass sends of %s: %w", org, err)
		}
		for _, c := range days {
			for name, v := range c {
				if ch, ok := strings.CutPrefix(name, metrics.AttrMass); ok && v != 0 {
					pk[ch] += v
				}
			}
		}
	}
	prev := localdate.CycleStart(cur.AddDays(-1), cur.Day())
	var errs []error
	for _, c := range []alerts.Check{{Org: org, CycleStart: cur, Packages: pk}, {Org: org, CycleStart: prev, PendingOnly: true}} {
		if _, err := w.cfg.Sweeper.Run(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("orgwork: threshold sweep of %s, cycle %s: %w", org, c.CycleStart, err))
		}
	}
	return errors.Join(errs...)
}

// Handle takes a batch of the work queue, reporting the messages that
// failed so that only they come back.
func (w *Worker) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range batch.Records {
		if err := w.one(ctx, m.Body); err != nil {
			w.cfg.Log.ErrorContext(ctx, "metrics task failed", "messageId", m.MessageId, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

func (w *Worker) one(ctx context.Context, body string) error {
	t, err := fanout.Decode(body)
	if err != nil {
		// A body no retry can fix: log and drop it rather than cycle it
		// to the dead-letter queue.
		w.cfg.Log.ErrorContext(ctx, "metrics task unreadable, dropped", "error", err.Error())
		return nil
	}
	if fanout.Stale(t, w.cfg.Now(), w.cfg.MaxAge) {
		w.cfg.Log.InfoContext(ctx, "metrics task superseded, dropped", "org", t.Org, "list", t.List, "run", t.Run)
		return nil
	}
	start := time.Now()
	if t.List {
		r, err := w.cfg.Lister.Page(ctx, t.Run, t.Cursor)
		if err != nil {
			return err
		}
		w.cfg.Log.InfoContext(ctx, "listing continued", "orgs", r.Orgs, "reconciles", r.Reconciles, "more", r.More, "ms", time.Since(start).Milliseconds())
		return nil
	}
	r, err := w.Org(ctx, t)
	w.cfg.Log.InfoContext(ctx, "organization work done", "org", t.Org, "swept", r.Swept,
		"reconciled", r.Reconciled, "driftCells", r.DriftCells, "ms", time.Since(start).Milliseconds())
	return err
}
