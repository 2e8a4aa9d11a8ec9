package aggregate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/infra/local/streamfeed"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
)

// org is one organization's stream delivered to a pipeline, its stream
// records recorded (not yet aggregated).
type org struct {
	p       *pipeline.Pipeline
	id      string
	plan    plan.Plan
	now     time.Time
	records []events.DynamoDBEventRecord
}

func ev(org, id string, typ contract.Type, at time.Time, d contract.Data) contract.Event {
	return contract.Event{SpecVersion: "1.0", ID: id, Source: "test", Type: typ, Time: at, OrgID: org, Data: d}
}

// load delivers a generated stream plus the cases, delivered last:
// late events (days to weeks old), phone changes, contacts deleted and
// registered again, a ticket closing after its 30 days.
func load(t *testing.T, zone string, now time.Time, seed uint64) *org {
	t.Helper()
	o := &org{now: now, id: fmt.Sprintf("agg%d", seed)}
	o.p = pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	o.plan = plan.Plan{Name: "Expert", CycleStartDay: 1 + int(seed%28), IncludedInteractionz: 500, Seats: 3,
		Packages: map[string]int{"sms": 100}, TimeZone: zone}
	if err := o.p.Store.PutPlan(context.Background(), o.id, o.plan); err != nil {
		t.Fatal(err)
	}
	s := gen.Generate(gen.Options{Org: o.id, Contacts: 12, Days: 65, Now: now, Intensity: 0.25, Seed: seed})
	evs := s.Events
	day := 24 * time.Hour
	wa := contract.Data{Channel: "whatsapp", Sender: contract.SenderAgent, Area: contract.AreaSupport}
	for i, c := range []string{"c-0001", "c-0002", "c-0003"} {
		d := wa
		d.ContactID = c
		evs = append(evs,
			// late: 20 and 45 days old, arriving now
			ev(o.id, fmt.Sprintf("late-a-%d", i), contract.MessageSent, now.Add(-20*day-time.Duration(i)*time.Hour), d),
			ev(o.id, fmt.Sprintf("late-b-%d", i), contract.MessageSent, now.Add(-45*day), d),
			// a new phone in another state
			ev(o.id, fmt.Sprintf("phone-%d", i), contract.ContactUpserted, now.Add(-time.Hour), contract.Data{ContactID: c, Phone: "+5521999990000"}),
		)
	}
	evs = append(evs,
		ev(o.id, "del", contract.ContactDeleted, now.Add(-3*day), contract.Data{ContactID: "c-0004"}),
		ev(o.id, "rereg", contract.ContactUpserted, now.Add(-2*day), contract.Data{ContactID: "c-0004", Phone: "+5511988887777"}),
		ev(o.id, "old-open", contract.TicketOpened, now.Add(-33*day), contract.Data{ContactID: "c-0005", TicketID: "old", Area: contract.AreaSupport, Visibility: contract.VisibilityPublic}),
		ev(o.id, "old-close", contract.TicketClosed, now.Add(-time.Minute), contract.Data{ContactID: "c-0005", TicketID: "old"}),
	)
	o.p.Deliver(t, evs)
	rec := streamfeed.New(streamfeed.Config{DDB: o.p.Env.DDB, Streams: streamfeed.Streams(o.p.Env.Cfg, o.p.Env.DynamoDBEndpoint),
		Table: o.p.Table, Handler: func(_ context.Context, e events.DynamoDBEvent) error {
			o.records = append(o.records, e.Records...)
			return nil
		}})
	if _, err := rec.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(o.records) == 0 {
		t.Fatal("the stream held no records")
	}
	return o
}

func (o *org) dates() (localdate.Date, localdate.Date) {
	today := localdate.Of(o.now, o.plan.Location())
	return today, o.plan.Cycle(today).From
}

// home is what the Home shows, from the aggregates, and the number of
// requests it took.
func (o *org) home(t *testing.T) (metrics.Snapshot, map[string]int) {
	t.Helper()
	today, cyc := o.dates()
	o.p.Meter.Reset()
	if _, err := o.p.Store.GetProfile(context.Background(), o.id); err != nil {
		t.Fatal(err)
	}
	h, err := o.p.Store.HomeFigures(context.Background(), o.id, today.String(), cyc.String())
	if err != nil {
		t.Fatal(err)
	}
	if !h.Rollup.Exists {
		t.Fatal("no aggregates")
	}
	return h.Rollup.Snapshot, o.p.Meter.Counts().Requests
}

// recount is the brute-force figure: Aggregator over every stored state.
func (o *org) recount(t *testing.T) metrics.Snapshot {
	t.Helper()
	today, cyc := o.dates()
	a := metrics.NewAggregator(o.now, today, cyc)
	if _, err := o.p.Store.ScanContacts(context.Background(), o.id, func(_ string, s *ingest.ContactState) { a.Add(s) }); err != nil {
		t.Fatal(err)
	}
	return a.Snapshot()
}

func equal(t *testing.T, got, want metrics.Snapshot) {
	t.Helper()
	got.AsOf, want.AsOf, got.Contacts, want.Contacts = time.Time{}, time.Time{}, 0, 0
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("Home from the aggregates:\n%s\nrecount of the contact states:\n%s", g, w)
	}
}

func (o *org) handle(t *testing.T, recs []events.DynamoDBEventRecord) (aggregateStats, error) {
	t.Helper()
	st, err := o.p.Aggregate.Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	return aggregateStats{st.Updates, st.Conflicts}, err
}

type aggregateStats struct{ updates, conflicts int }

// TestGivenTheStreamWhenAggregatedThenTheHomeEqualsTheRecount: in zones
// with and without DST, at local midnight's edges and across DST changes,
// with the cases delivered last, the Home built from the
// aggregates (two requests) equals the recount of every contact state.
func TestGivenTheStreamWhenAggregatedThenTheHomeEqualsTheRecount(t *testing.T) {
	cases := []struct {
		zone string
		now  time.Time
	}{
		{"America/Sao_Paulo", time.Date(2026, 11, 20, 2, 59, 0, 0, time.UTC)}, // 23:59 local
		{"America/New_York", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC)},   // just after DST ends
		{"Europe/Lisbon", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)},      // just after DST starts
		{"Asia/Kolkata", time.Date(2026, 12, 31, 18, 31, 0, 0, time.UTC)},     // 00:01 local, new year
	}
	for i, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			o := load(t, c.zone, c.now, uint64(i+1))
			for start := 0; start < len(o.records); start += 100 {
				if _, err := o.handle(t, o.records[start:min(start+100, len(o.records))]); err != nil {
					t.Fatal(err)
				}
			}
			got, reqs := o.home(t)
			equal(t, got, o.recount(t))
			if reqs["GetItem"] != 1 || reqs["BatchGetItem"] != 1 || len(reqs) != 2 {
				t.Fatalf("the Home took %v, want one GetItem and one BatchGetItem", reqs)
			}
			if got.Metrics.ContactsReached.Current == 0 || len(got.Metrics.GeoDistribution) == 0 {
				t.Fatalf("an empty Home proves nothing: %+v", got.Metrics)
			}
		})
	}
}

// TestGivenRedeliveredBatchesThenNothingChanges: the same batch twice,
// batches split differently on retry, and failures injected into the
// aggregate's own writes (some applied with the answer lost, some not
// applied) with whole-batch retries: the Home equals the recount, as
// after a clean run.
func TestGivenRedeliveredBatchesThenNothingChanges(t *testing.T) {
	o := load(t, "America/Sao_Paulo", time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), 7)
	want := o.recount(t)
	r := rand.New(rand.NewPCG(7, 13))

	// 1. Every batch handled twice in a row, then the whole stream again,
	// split at other places.
	for start := 0; start < len(o.records); start += 50 {
		b := o.records[start:min(start+50, len(o.records))]
		for k := 0; k < 2; k++ {
			if _, err := o.handle(t, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, _ := o.home(t)
	equal(t, got, want)
	conflicts := 0
	for start := 0; start < len(o.records); {
		end := min(start+1+r.IntN(80), len(o.records))
		st, err := o.handle(t, o.records[start:end])
		if err != nil {
			t.Fatal(err)
		}
		if st.updates != 0 {
			t.Fatalf("a redelivered batch updated %d items", st.updates)
		}
		conflicts += st.conflicts
		start = end
	}
	if conflicts == 0 {
		t.Fatal("the redelivery met no marks: it proves nothing")
	}
	got, _ = o.home(t)
	equal(t, got, want)
}

// TestGivenFailuresWhileAggregatingThenRetriesAreExact: a fresh stream
// handled under injected failures (before and after the write), each
// failed batch retried from its first record with a new random size, as
// Lambda's retries and bisection do.
func TestGivenFailuresWhileAggregatingThenRetriesAreExact(t *testing.T) {
	o := load(t, "America/New_York", time.Date(2026, 11, 2, 4, 59, 0, 0, time.UTC), 11)
	want := o.recount(t)
	r := rand.New(rand.NewPCG(11, 17))
	// A batch of tens of records touches several items, so a few percent
	// of failing writes fail many batches.
	o.p.AggMeter.SetFaults(ddbmeter.Faults{Before: 0.02, After: 0.02, Seed: 3})
	failures := 0
	for start := 0; start < len(o.records); {
		end := min(start+1+r.IntN(60), len(o.records))
		if _, err := o.handle(t, o.records[start:end]); err != nil {
			failures++
			if failures > 10000 {
				t.Fatal("never got through")
			}
			continue // retried from start, split anew
		}
		start = end
	}
	o.p.AggMeter.SetFaults(ddbmeter.Faults{})
	if failures == 0 {
		t.Fatal("no failure was injected")
	}
	got, _ := o.home(t)
	equal(t, got, want)
	t.Logf("%d records, %d failed batches retried", len(o.records), failures)
}

// TestGivenNewContactsThenOnlyTheContactBaseWritesTheBase: given a stream
// in which contacts send and register for the first time, when it is
// handled one record at a time, then the base item is written for the
// records that change the contact base and at most once for each sticky
// first step, not for every contact turning one on, and the Home still
// equals the recount.
func TestGivenNewContactsThenOnlyTheContactBaseWritesTheBase(t *testing.T) {
	o := load(t, "America/Sao_Paulo", time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), 5)
	moves, stickyOnly := 0, 0
	for i := range o.records {
		r := &o.records[i]
		if _, ok := store.ContactOfStreamKeys(r.Change.Keys); !ok {
			continue
		}
		prev, err1 := store.DecodeStreamImage(r.Change.OldImage)
		next, err2 := store.DecodeStreamImage(r.Change.NewImage)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if r.EventName == string(events.DynamoDBOperationTypeRemove) {
			next = nil
		}
		switch d := metrics.Delta(prev, next); {
		case d.Base[metrics.AttrContactBase] != 0:
			moves++
		case len(d.Base) > 0:
			stickyOnly++
		}
	}
	if stickyOnly <= len(metrics.Sticky) {
		t.Fatalf("%d records only turn a first step on: the stream proves nothing", stickyOnly)
	}
	base := 0
	for i := range o.records {
		st, err := o.p.Aggregate.Handle(context.Background(), events.DynamoDBEvent{Records: o.records[i : i+1]})
		if err != nil {
			t.Fatal(err)
		}
		base += st.BaseUpdates
	}
	if base > moves+len(metrics.Sticky) {
		t.Fatalf("the base was written %d times for %d contact-base moves and %d first-step records", base, moves, stickyOnly)
	}
	got, _ := o.home(t)
	equal(t, got, o.recount(t))
	if !got.AnyMessageSent || !got.ContactsRegistered {
		t.Fatalf("the first steps are off: %+v", got)
	}
}
