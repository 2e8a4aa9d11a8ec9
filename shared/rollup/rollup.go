// Package rollup precomputes each organization's Home metrics on a
// schedule, so a Home call is a couple of reads whatever the organization's
// size. Organizations are independent: one failing does not stop the others.
package rollup

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/store"
)

// Runner rolls organizations up.
type Runner struct {
	st  *store.Store
	log *slog.Logger
	now func() time.Time
	// parallel bounds organizations rolled up at once.
	parallel int
	// afterOrg, if set, runs after each organization's snapshot is stored.
	afterOrg AfterOrg
}

// AfterOrg is told each organization's current cycle and new snapshot
// (the threshold sweep). It must not fail the rollup.
type AfterOrg func(ctx context.Context, org string, cycle localdate.Range, snap metrics.Snapshot)

// DefaultParallel is how many organizations a runner rolls up at once
// unless told otherwise.
const DefaultParallel = 4

// Config is what a Runner is built from; New validates it.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	// Now is the clock; nil is time.Now (tests set it).
	Now func() time.Time
	// Parallel bounds organizations rolled up at once; 0 is
	// DefaultParallel.
	Parallel int
	// AfterOrg, if set, runs after each organization's snapshot is stored.
	AfterOrg AfterOrg
}

// Validate says what is missing.
func (c Config) Validate() error {
	return config.Check("rollup", config.Required("Store", c.Store != nil), config.Required("Log", c.Log != nil),
		config.NotNegative("Parallel", c.Parallel))
}

// New returns a runner.
func New(cfg Config) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Runner{st: cfg.Store, log: cfg.Log, now: config.Clock(cfg.Now), parallel: cmp.Or(cfg.Parallel, DefaultParallel), afterOrg: cfg.AfterOrg}, nil
}

// Stats is what one organization's rollup read.
type Stats struct {
	Contacts int
	Queries  int
}

// Org computes and stores one organization's snapshot.
func (r *Runner) Org(ctx context.Context, org string) (metrics.Snapshot, Stats, error) {
	var stats Stats
	prof, err := r.st.GetProfile(ctx, org)
	if err != nil {
		return metrics.Snapshot{}, stats, err
	}
	now := r.now()
	loc := prof.Plan.Location()
	today := localdate.Of(now, loc)
	agg := metrics.NewAggregator(now, today, prof.Plan.Cycle(today).From)
	q, err := r.st.ScanContacts(ctx, org, func(_ string, s *ingest.ContactState) { agg.Add(s) })
	stats.Queries = q
	if err != nil {
		return metrics.Snapshot{}, stats, err
	}
	snap := agg.Snapshot()
	stats.Contacts = snap.Contacts
	// First steps never undo themselves: keep what an earlier rollup saw even
	// if the contact that proved it has since expired.
	prev, err := r.st.GetRollup(ctx, org)
	if err != nil {
		return snap, stats, err
	}
	if prev.Exists {
		snap.AnyMessageSent = snap.AnyMessageSent || prev.Snapshot.AnyMessageSent
		snap.ContactsRegistered = snap.ContactsRegistered || prev.Snapshot.ContactsRegistered
	}
	if err := r.st.PutRollup(ctx, org, snap); err != nil {
		return snap, stats, err
	}
	if r.afterOrg != nil {
		r.afterOrg(ctx, org, prof.Plan.Cycle(today), snap)
	}
	return snap, stats, nil
}

// Summary is one scheduled run's outcome.
type Summary struct {
	Organizations int `json:"organizations"`
	Failed        int `json:"failed"`
}

// ErrSomeFailed is returned when at least one organization failed, so the
// function's error metric (and its alarm) sees it; all others were stored.
var ErrSomeFailed = errors.New("some organizations failed to roll up")

// All rolls up every organization, page by page, in parallel.
func (r *Runner) All(ctx context.Context) (Summary, error) {
	var sum Summary
	var mu sync.Mutex
	err := r.st.ListOrgs(ctx, func(orgs []string) error {
		sem := make(chan struct{}, r.parallel)
		var wg sync.WaitGroup
		for _, org := range orgs {
			wg.Add(1)
			sem <- struct{}{}
			go func(org string) {
				defer wg.Done()
				defer func() { <-sem }()
				start := time.Now()
				_, st, err := r.Org(ctx, org)
				mu.Lock()
				defer mu.Unlock()
				sum.Organizations++
				if err != nil {
					sum.Failed++
					r.log.ErrorContext(ctx, "rollup failed", "org", org, "error", err.Error())
					return
				}
				r.log.InfoContext(ctx, "rollup stored", "org", org, "contacts", st.Contacts,
					"queries", st.Queries, "ms", time.Since(start).Milliseconds())
			}(org)
		}
		wg.Wait()
		return nil
	})
	if err != nil {
		return sum, err
	}
	if sum.Failed > 0 {
		return sum, fmt.Errorf("%w: %d of %d", ErrSomeFailed, sum.Failed, sum.Organizations)
	}
	return sum, nil
}
