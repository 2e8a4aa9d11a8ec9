package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/local/streamfeed"
	"github.com/customercloud/home/shared/aggregate"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// stamped is a stream record with the simulated time its write was made
// (the processing clock of the debit batch that wrote it).
type stamped struct {
	rec events.DynamoDBEventRecord
	at  time.Time
}

// streamTap records a pipeline table's stream, stamping each record with
// the simulated clock of the batch that wrote it.
type streamTap struct {
	feed *streamfeed.Feed
	recs []stamped
	now  time.Time
}

func newStreamTap(p *pipeline.Pipeline) *streamTap {
	t := &streamTap{}
	t.feed = streamfeed.New(streamfeed.Config{DDB: p.Env.DDB, Streams: streamfeed.Streams(p.Env.Cfg, p.Env.DynamoDBEndpoint),
		Table: p.Table, Log: discard, Handler: func(_ context.Context, ev events.DynamoDBEvent) error {
			for _, r := range ev.Records {
				t.recs = append(t.recs, stamped{r, t.now})
			}
			return nil
		}})
	return t
}

// after reads the records written by the batch handled at now.
func (t *streamTap) after(tb testing.TB, now time.Time) {
	t.now = now
	if _, err := t.feed.Drain(context.Background()); err != nil {
		tb.Fatalf("stream tap: %v", err)
	}
}

// aggPolicy is how the event source mapping cuts the stream into batches:
// at most size records, and a batch waits at most window (in the stream's
// own time) for more. window 0: only the size cuts (a busy organization,
// whose records fill a batch before the window ends).
type aggPolicy struct {
	name   string
	key    string // in the metric's unit (no spaces)
	size   int
	window time.Duration
}

var aggPolicies = []aggPolicy{
	{"1000 records, 5 s window", "window-5s", 1000, 5 * time.Second},
	{"1000 records, 60 s window", "window-60s", 1000, time.Minute},
	{"1000 records, 300 s window (Lambda's maximum)", "window-300s", 1000, 5 * time.Minute},
	{"1000 records, full batches (a busy organization)", "full-batches", 1000, 0},
}

func (pol aggPolicy) batches(recs []stamped) [][]events.DynamoDBEventRecord {
	var out [][]events.DynamoDBEventRecord
	var cur []events.DynamoDBEventRecord
	var start time.Time
	for _, r := range recs {
		if len(cur) > 0 && (len(cur) >= pol.size || (pol.window > 0 && r.at.Sub(start) >= pol.window)) {
			out = append(out, cur)
			cur = nil
		}
		if len(cur) == 0 {
			start = r.at
		}
		cur = append(cur, r.rec)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// aggRun is the aggregate function's cost over the recorded stream under
// one batching policy, on a fresh table.
type aggRun struct {
	policy  aggPolicy
	batches int
	stats   aggregate.Stats
	counts  ddbmeter.Counts
}

// runAggregate feeds the recorded records to the real processor on a
// fresh table, batch by batch with the clock at each batch's last record,
// and checks the Home built from the aggregates against the recount of
// the contact states (src, the metering side's table).
func runAggregate(b *testing.B, want metrics.Snapshot, recs []stamped, pol aggPolicy) aggRun {
	p := newPipeline(b, streamEnd)
	meter := ddbmeter.New(p.Env.DDB)
	st := testkit.Must(store.New(store.Config{DB: meter, Table: p.Table}))(b)
	run := aggRun{policy: pol}
	var clock time.Time
	proc := testkit.Must(aggregate.New(aggregate.Config{Store: st, Log: discard, Now: func() time.Time { return clock }}))(b)
	at := map[string]time.Time{}
	for _, r := range recs {
		at[r.rec.Change.SequenceNumber] = r.at
	}
	for _, bt := range pol.batches(recs) {
		clock = at[bt[len(bt)-1].Change.SequenceNumber]
		s, err := proc.Handle(context.Background(), events.DynamoDBEvent{Records: bt})
		if err != nil {
			b.Fatalf("aggregate (%s): %v", pol.name, err)
		}
		run.stats.Add(s)
		run.batches++
	}
	run.counts = meter.Counts()
	// Exact: the Home from these aggregates equals the recount.
	today := localdate.Of(streamEnd, benchPlan.Location())
	cyc := benchPlan.Cycle(today).From
	agg, err := testkit.Must(store.New(store.Config{DB: p.Env.DDB, Table: p.Table}))(b).Aggregates(context.Background(), meterOrg, today)
	if err != nil {
		b.Fatal(err)
	}
	got := agg.Snapshot(today, cyc)
	got.AsOf, want.AsOf, got.Contacts, want.Contacts = time.Time{}, time.Time{}, 0, 0
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		b.Fatalf("aggregate (%s): Home from the aggregates\n%s\nrecount\n%s", pol.name, g, w)
	}
	return run
}

// recountOf is the brute-force figures of the metering side's contact
// states (Aggregator over every state), read before its table goes.
func recountOf(b *testing.B, p *pipeline.Pipeline) metrics.Snapshot {
	today := localdate.Of(streamEnd, benchPlan.Location())
	a := metrics.NewAggregator(streamEnd, today, benchPlan.Cycle(today).From)
	if _, err := testkit.Must(store.New(store.Config{DB: p.Env.DDB, Table: p.Table}))(b).ScanContacts(context.Background(), meterOrg, func(_ string, s *ingest.ContactState) { a.Add(s) }); err != nil {
		b.Fatal(err)
	}
	return a.Snapshot()
}

// aggregateTable reports the aggregate function's cost per policy beside
// the debit's, against the naive baseline.
func aggregateTable(b *testing.B, evs int, days int, ours, naive *side, runs []aggRun) string {
	var rows [][]string
	for _, r := range runs {
		w := r.counts.WriteUnits
		total := ours.wcu + w
		row := []string{r.policy.name, fmt.Sprint(r.batches), fmt.Sprint(r.stats.Updates),
			f2(w / float64(evs)), f2(r.counts.ReadUnits / float64(evs)), f2(total / float64(evs))}
		if naive != nil {
			row = append(row, fmt.Sprintf("%.3f", total/naive.wcu))
		} else {
			row = append(row, "—")
		}
		row = append(row, f2(w/float64(days)), f2(total/float64(days)))
		rows = append(rows, row)
		b.ReportMetric(w/float64(evs), "agg-WCU/event/"+r.policy.key)
	}
	header := []string{"stream batching", "batches", "aggregate updates", "aggregate WCU/event", "aggregate RCU/event",
		"debit+aggregate WCU/event", "ratio vs naive (target ≤ 0.35)", "aggregate WCU/org/day", "debit+aggregate WCU/org/day"}
	return table(header, rows)
}
