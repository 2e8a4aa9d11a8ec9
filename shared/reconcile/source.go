package reconcile

import (
	"context"
	"strings"
	"time"

	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/records"
	"github.com/customercloud/home/shared/store"
)

// Store is what StoreSource needs; *store.Store has it.
type Store interface {
	GetProfile(ctx context.Context, org string) (records.Profile, error)
	ScanContacts(ctx context.Context, org string, fn func(contact string, s *ingest.ContactState)) (int, error)
	Aggregates(ctx context.Context, org string, today localdate.Date) (metrics.Aggregates, error)
	AddAggregate(ctx context.Context, org string, item store.AggregateItem, counters metrics.Counters) error
}

var _ Store = (*store.Store)(nil)

// BaseCell prefixes the base item's cells; a dated cell is
// "<yyyy-mm-dd>/<counter>".
const BaseCell = "BASE/"

// StoreSource is Source over the table. The recount and the difference are
// the aggregates' own definitions (metrics.Recount: the contributions of
// the stored contact states, the same function whose differences the
// stream adds; Recount.Drift: over the dates a Home of today reads and the
// base, the sticky first steps only ever raised); this package flattens
// that difference into cells, confirms it and repairs it.
type StoreSource struct {
	St  Store
	Now func() time.Time
}

// Drift implements Source: the aggregates a Home of today reads (one
// BatchGetItem), then the recount (a Query per contact shard page).
func (s StoreSource) Drift(ctx context.Context, org string) (Cells, int, error) {
	prof, err := s.St.GetProfile(ctx, org)
	if err != nil {
		return nil, 1, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	today := localdate.Of(now(), prof.Plan.Location())
	got, err := s.St.Aggregates(ctx, org, today)
	if err != nil {
		return nil, 2, err
	}
	var rc metrics.Recount
	q, err := s.St.ScanContacts(ctx, org, func(_ string, cs *ingest.ContactState) { rc.Add(cs) })
	if err != nil {
		return nil, 2 + q, err
	}
	return cellsOf(rc.Drift(got, today)), 2 + q, nil
}

// cellsOf flattens a contribution into cells.
func cellsOf(c metrics.Contribution) Cells {
	out := Cells{}
	for d, cs := range c.Days {
		prefix := d.String() + "/"
		for name, v := range cs {
			if v != 0 {
				out[prefix+name] = v
			}
		}
	}
	for name, v := range c.Base {
		if v != 0 {
			out[BaseCell+name] = v
		}
	}
	return out
}

// Add implements Source: one unconditional ADD per item touched
// (store.AddAggregate).
func (s StoreSource) Add(ctx context.Context, org string, delta Cells) error {
	items := map[store.AggregateItem]metrics.Counters{}
	for cell, v := range delta {
		prefix, name, ok := strings.Cut(cell, "/")
		if !ok {
			continue
		}
		var item store.AggregateItem
		if prefix+"/" == BaseCell {
			item.Base = true
		} else {
			d, err := localdate.Parse(prefix)
			if err != nil {
				continue
			}
			item.Date = d
		}
		if items[item] == nil {
			items[item] = metrics.Counters{}
		}
		items[item][name] += v
	}
	for item, add := range items {
		if err := s.St.AddAggregate(ctx, org, item, add); err != nil {
			return err
		}
	}
	return nil
}
