// Package aggregate keeps each organization's Home aggregates from the
// table's stream (issue 13): the contact-state write is the outbox. For
// every contact-state record of a batch it adds
// metrics.Delta(old image, new image) to the organization's aggregate
// items, one conditional update per (organization, item) per batch, so
// the cost follows activity, never the size of the contact base, and the
// debit's own writes do not change at all. An ordinary batch writes the
// item of its own date (metrics counts a contact's active day against the
// one before it, so a new day changes no other), and the base only when a
// contact registers or goes.
//
// Exactly once under at-least-once delivery: the stream delivers the
// records of one partition key in order, and a contact's state lives in
// one contact partition (keys.ContactShard). Each aggregate item keeps,
// per contact partition, the sequence number of the last record it
// applied (its mark); an update adds only if every mark it carries is
// below the first record it sums, and moves the marks to the last. A
// redelivered batch, whole or split differently, meets marks at or past
// its records: the processor reads the marks and re-sums only the records
// above them. ADD commutes, so batches of different partitions need no
// other coordination.
package aggregate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/records"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
)

// Store is what the processor needs of the store; *store.Store has it.
type Store interface {
	ApplyAggregate(ctx context.Context, u store.AggregateUpdate) error
	AggregateMarks(ctx context.Context, org string, item store.AggregateItem) (map[int]string, error)
}

var _ Store = (*store.Store)(nil)

// Config is what a processor is built from; New validates it.
type Config struct {
	Store Store
	Log   *slog.Logger
	// Now is the processing clock; nil is time.Now (tests and the benchmark
	// set it). It decides which dates are too old to keep
	// (metrics.OldestKept).
	Now func() time.Time
	// Parallel bounds the updates in flight at once; 0 is 8.
	Parallel int
}

// Validate says what is missing.
func (c Config) Validate() error {
	return config.Check("aggregate", config.Required("Store", c.Store != nil), config.Required("Log", c.Log != nil),
		config.NotNegative("Parallel", c.Parallel))
}

// Processor applies stream batches to the aggregates.
type Processor struct {
	st       Store
	log      *slog.Logger
	now      func() time.Time
	parallel int
	// maxConflicts bounds re-reads of one item's marks in one batch: each
	// can only drop records, so two suffice unless something else writes
	// the item's marks (then the batch fails and is retried).
	maxConflicts int
	// sticky is, per organization, the sticky base counters
	// (metrics.Sticky) this processor has written. They only need to be
	// above zero and never come down, so the next contact turning one on
	// changes no figure: leaving it out spares the base item's write in
	// most batches with a new contact. A cold processor writes each once.
	stickyMu sync.Mutex
	sticky   map[string]map[string]bool
}

// New returns a processor writing through cfg.Store.
func New(cfg Config) (*Processor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Processor{st: cfg.Store, log: cfg.Log, now: config.Clock(cfg.Now), parallel: cfg.Parallel, maxConflicts: 4,
		sticky: map[string]map[string]bool{}}
	if p.parallel == 0 {
		p.parallel = 8
	}
	return p, nil
}

// Stats is what one batch did.
type Stats struct {
	// Records in the batch; Contacts of them were contact states.
	Records, Contacts int
	// Undecodable records were skipped (logged, counted): their change is
	// left to the reconciliation.
	Undecodable int
	// Updates made (successful ADDs), Conflicts met (marks already past
	// some records: a redelivery), MarkReads after them, Skipped updates
	// whose records had all been applied.
	Updates, Conflicts, MarkReads, Skipped int
	// BaseUpdates of the Updates were to a base item.
	BaseUpdates int
}

// Add sums another batch's stats.
func (s *Stats) Add(o Stats) {
	s.Records += o.Records
	s.Contacts += o.Contacts
	s.Undecodable += o.Undecodable
	s.Updates += o.Updates
	s.Conflicts += o.Conflicts
	s.MarkReads += o.MarkReads
	s.Skipped += o.Skipped
	s.BaseUpdates += o.BaseUpdates
}

// part is one record's share of one item.
type part struct {
	shard    int
	seq      string // store.SeqKey
	at       time.Time
	counters metrics.Counters
}

type itemKey struct {
	org  string
	item store.AggregateItem
}

// Handle applies one stream batch. An error means nothing is lost: the
// batch comes again (whole, or split otherwise) and the marks skip what
// was applied.
func (p *Processor) Handle(ctx context.Context, ev events.DynamoDBEvent) (Stats, error) {
	var stats Stats
	stats.Records = len(ev.Records)
	oldest := metrics.OldestKept(p.now())
	parts := map[itemKey][]part{}
	var order []itemKey
	for i := range ev.Records {
		r := &ev.Records[i]
		sc, ok := store.ContactOfStreamKeys(r.Change.Keys)
		if !ok {
			continue
		}
		stats.Contacts++
		d, seq, err := decodeRecord(r)
		if err != nil {
			stats.Undecodable++
			p.undecodable(ctx, sc, r, err)
			continue
		}
		at := r.Change.ApproximateCreationDateTime.UTC()
		if base := p.newSticky(sc.Org, d.Base); len(base) > 0 {
			k := itemKey{sc.Org, store.AggregateItem{Base: true}}
			if _, seen := parts[k]; !seen {
				order = append(order, k)
			}
			parts[k] = append(parts[k], part{sc.Shard, seq, at, base})
		}
		for date, c := range d.Days {
			if date < oldest || len(c) == 0 {
				continue
			}
			k := itemKey{sc.Org, store.AggregateItem{Date: date}}
			if _, seen := parts[k]; !seen {
				order = append(order, k)
			}
			parts[k] = append(parts[k], part{sc.Shard, seq, at, c})
		}
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.org != b.org {
			return a.org < b.org
		}
		if a.item.Base != b.item.Base {
			return a.item.Base
		}
		return a.item.Date < b.item.Date
	})
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, max(1, p.parallel))
	var wg sync.WaitGroup
	for _, k := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(k itemKey) {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := p.apply(ctx, k, parts[k])
			mu.Lock()
			defer mu.Unlock()
			stats.Add(s)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}(k)
	}
	wg.Wait()
	if firstErr != nil {
		return stats, firstErr
	}
	return stats, nil
}

// decodeRecord is the record's delta and sequence number (store.SeqKey).
func decodeRecord(r *events.DynamoDBEventRecord) (metrics.Contribution, string, error) {
	seq, ok := store.SeqKey(r.Change.SequenceNumber)
	if !ok {
		return metrics.Contribution{}, "", errors.New("sequence number is not a decimal number")
	}
	var prev, next *ingest.ContactState
	var err error
	if prev, err = store.DecodeStreamImage(r.Change.OldImage); err != nil {
		return metrics.Contribution{}, "", fmt.Errorf("old image: %w", err)
	}
	if next, err = store.DecodeStreamImage(r.Change.NewImage); err != nil {
		return metrics.Contribution{}, "", fmt.Errorf("new image: %w", err)
	}
	if r.EventName == string(events.DynamoDBOperationTypeRemove) {
		next = nil
	}
	return metrics.Delta(prev, next), seq, nil
}

// undecodable logs a record that cannot be applied, with its reason and
// position, never its content, and counts it as an embedded metric
// (CloudWatch's embedded metric format: a log line, no API call). It is
// not retried: a record that does not decode now never will, and retrying
// it would stop every organization of its stream shard for the stream's
// 24 hours. What it changed is missing from the aggregates until the
// reconciliation recounts the organization.
func (p *Processor) undecodable(ctx context.Context, sc store.StreamContact, r *events.DynamoDBEventRecord, err error) {
	reason := "undecodable"
	switch {
	case errors.Is(err, store.ErrBadImage):
		reason = "contact state image does not decode"
	case r.Change.SequenceNumber == "":
		reason = "no sequence number"
	default:
		reason = "sequence number is not a decimal number"
	}
	p.log.ErrorContext(ctx, "aggregate: stream record skipped", "org", sc.Org, "shard", sc.Shard,
		"sequenceNumber", r.Change.SequenceNumber, "eventName", r.EventName, "reason", reason,
		"_aws", map[string]any{
			"Timestamp": p.now().UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  MetricNamespace,
				"Dimensions": [][]string{{}},
				"Metrics":    []map[string]string{{"Name": MetricUndecodable, "Unit": "Count"}},
			}},
		}, MetricUndecodable, 1)
}

// The embedded metric the processor emits for skipped records (alarm on
// its sum > 0).
const (
	MetricNamespace   = resources.MetricsNamespace
	MetricUndecodable = resources.MetricsUndecodable
)

// apply makes one item's update, re-reading its marks after a conflict
// and keeping only the records above them.
func (p *Processor) apply(ctx context.Context, k itemKey, ps []part) (Stats, error) {
	var stats Stats
	for attempt := 0; ; attempt++ {
		u, ok := build(k, ps)
		if !ok {
			stats.Skipped++
			return stats, nil
		}
		err := p.st.ApplyAggregate(ctx, u)
		if err == nil {
			stats.Updates++
			if k.item.Base {
				stats.BaseUpdates++
				p.wroteSticky(k.org, u.Counters)
			}
			return stats, nil
		}
		if !errors.Is(err, records.ErrConflict) || attempt >= p.maxConflicts {
			return stats, err
		}
		stats.Conflicts++
		marks, err := p.st.AggregateMarks(ctx, k.org, k.item)
		stats.MarkReads++
		if err != nil {
			return stats, err
		}
		kept := ps[:0:0]
		for _, x := range ps {
			if m, seen := marks[x.shard]; !seen || x.seq > m {
				kept = append(kept, x)
			}
		}
		ps = kept
	}
}

// newSticky is base without the sticky counters already written for org.
func (p *Processor) newSticky(org string, base metrics.Counters) metrics.Counters {
	p.stickyMu.Lock()
	defer p.stickyMu.Unlock()
	known := p.sticky[org]
	if len(known) == 0 {
		return base
	}
	out := metrics.Counters{}
	for name, n := range base {
		if !known[name] || n < 0 {
			out[name] = n
		}
	}
	return out
}

// wroteSticky remembers the sticky counters a successful base update raised.
func (p *Processor) wroteSticky(org string, written metrics.Counters) {
	p.stickyMu.Lock()
	defer p.stickyMu.Unlock()
	for _, name := range metrics.Sticky {
		if written[name] > 0 {
			if p.sticky[org] == nil {
				p.sticky[org] = map[string]bool{}
			}
			p.sticky[org][name] = true
		}
	}
}

// build sums an item's parts into one update; ok is false when they add
// up to nothing (then nothing is written, and the marks need not move: a
// later record's sequence number is above them anyway).
func build(k itemKey, ps []part) (store.AggregateUpdate, bool) {
	u := store.AggregateUpdate{Org: k.org, Item: k.item, Counters: metrics.Counters{}, Marks: map[int]store.SeqRange{}}
	var sum metrics.Contribution
	for _, x := range ps {
		sum.Add(metrics.Contribution{Base: x.counters})
		r, seen := u.Marks[x.shard]
		if !seen || x.seq < r.First {
			r.First = x.seq
		}
		if x.seq > r.Last {
			r.Last = x.seq
		}
		u.Marks[x.shard] = r
		if x.at.After(u.At) {
			u.At = x.at
		}
	}
	if len(sum.Base) == 0 {
		return u, false
	}
	u.Counters = sum.Base
	return u, true
}
