package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/emf"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

func TestConfirm(t *testing.T) {
	cases := []struct {
		name          string
		first, second Cells
		want          Cells
	}{
		{"same twice", Cells{"a": 2}, Cells{"a": 2}, Cells{"a": 2}},
		{"changed", Cells{"a": 2}, Cells{"a": 3}, Cells{}},
		{"gone", Cells{"a": 2}, Cells{}, Cells{}},
		{"new in second", Cells{}, Cells{"a": 2}, Cells{}},
		{"sign flipped", Cells{"a": 2}, Cells{"a": -2}, Cells{}},
		{"mixed", Cells{"a": 1, "b": 2}, Cells{"a": 1, "b": 5}, Cells{"a": 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Confirm(c.first, c.second); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Confirm = %v, want %v", got, c.want)
			}
		})
	}
}

// world is one organization's contacts in DynamoDB Local, debited through
// the real handler, with a reconciler over the same table.
type world struct {
	p       *pipeline.Pipeline
	org     string
	r       *Reconciler
	metrics *bytes.Buffer
}

func newWorld(t *testing.T, stream bool) *world {
	t.Helper()
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{NoQueue: true, Now: now})
	org := "acme"
	if err := p.Store.PutPlan(context.Background(), org, plan.Default()); err != nil {
		t.Fatal(err)
	}
	s := gen.Generate(gen.Options{Org: org, Contacts: 15, Days: 35, Now: now, Intensity: 0.4, Seed: 7})
	p.Deliver(t, s.Events)
	if stream {
		// The aggregate function reads the table's stream to the end.
		p.DrainStream(t)
	}
	buf := &bytes.Buffer{}
	return &world{p: p, org: org, metrics: buf, r: testkit.Must(New(Config{
		Source:  StoreSource{St: p.Store, Now: p.Clock.Now},
		Log:     slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Metrics: &emf.Writer{W: buf, Now: p.Clock.Now},
	}))(t)}
}

// lastDrift is the AggregateDrift value of the last metric line.
func (w *world) lastDrift(t *testing.T) int64 {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(w.metrics.String()), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("metric line: %v", err)
	}
	if m["_aws"] == nil {
		t.Fatalf("metric line is not EMF: %v", m)
	}
	return int64(m[resources.MetricsDriftMetric].(float64))
}

// bruteForce is the Home's figures recounted from the contact states
// (metrics.Aggregator), and the same figures from the stored aggregates.
func (w *world) figures(t *testing.T) (brute, incremental metrics.Snapshot) {
	t.Helper()
	ctx := context.Background()
	prof, err := w.p.Store.GetProfile(ctx, w.org)
	if err != nil {
		t.Fatal(err)
	}
	now := w.p.Clock.Now()
	today := localdate.Of(now, prof.Plan.Location())
	cyc := prof.Plan.Cycle(today).From
	agg := metrics.NewAggregator(now, today, cyc)
	if _, err := w.p.Store.ScanContacts(ctx, w.org, func(_ string, s *ingest.ContactState) { agg.Add(s) }); err != nil {
		t.Fatal(err)
	}
	a, err := w.p.Store.Aggregates(ctx, w.org, today)
	if err != nil {
		t.Fatal(err)
	}
	return agg.Snapshot(), a.Snapshot(today, cyc)
}

// TestReconcileRepairsAndThenReportsZero: given an organization whose
// aggregates were never written (contacts from before the stream, or
// every record lost), when it is reconciled, then every cell is drift, is
// repaired, and the Home's figures from the aggregates equal a brute-force
// recount; when it is reconciled again, then it reports 0 drift.
func TestReconcileRepairsAndThenReportsZero(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	rep, err := w.r.Run(ctx, w.org)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Confirmed) == 0 || !rep.Repaired || w.lastDrift(t) != int64(len(rep.Confirmed)) {
		t.Fatalf("then the missing aggregates are drift and repaired: %+v, metric %d", rep, w.lastDrift(t))
	}
	brute, inc := w.figures(t)
	if !reflect.DeepEqual(brute.Metrics, inc.Metrics) || !reflect.DeepEqual(brute.MassSends, inc.MassSends) {
		t.Fatalf("then the Home from the repaired aggregates equals the recount:\n brute %+v\n incr  %+v", brute.Metrics, inc.Metrics)
	}
	rep, err = w.r.Run(ctx, w.org)
	if err != nil || len(rep.First) != 0 || rep.Repaired || w.lastDrift(t) != 0 {
		t.Fatalf("then a clean organization reports 0 drift: %+v %v, metric %d", rep, err, w.lastDrift(t))
	}
}

// TestReconcileFindsACorruptedCounter: given an organization whose
// aggregates the stream processor kept (the local stream read to the end),
// when it is reconciled, then it reports 0 drift; when one date's message
// count and the contact base are then corrupted, the reconciliation
// reports exactly those two cells with the right deltas, repairs them,
// and the next run reports 0.
func TestReconcileFindsACorruptedCounter(t *testing.T) {
	w := newWorld(t, true)
	ctx := context.Background()
	if rep, err := w.r.Run(ctx, w.org); err != nil || len(rep.First) != 0 || w.lastDrift(t) != 0 {
		t.Fatalf("then the stream's aggregates show no drift: %+v %v", rep, err)
	}
	today := localdate.Of(w.p.Clock.Now(), time.UTC)
	day := today.AddDays(-3)
	if err := w.p.Store.AddAggregate(ctx, w.org, store.AggregateItem{Date: day}, metrics.Counters{metrics.AttrMessages: 7}); err != nil {
		t.Fatal(err)
	}
	if err := w.p.Store.AddAggregate(ctx, w.org, store.AggregateItem{Base: true}, metrics.Counters{metrics.AttrContactBase: -2}); err != nil {
		t.Fatal(err)
	}
	rep, err := w.r.Run(ctx, w.org)
	if err != nil {
		t.Fatal(err)
	}
	want := Cells{day.String() + "/" + metrics.AttrMessages: -7, BaseCell + metrics.AttrContactBase: 2}
	if !reflect.DeepEqual(rep.Confirmed, want) || !rep.Repaired || w.lastDrift(t) != 2 {
		t.Fatalf("then exactly the two corrupted cells are drift and repaired: %+v (want %v), metric %d", rep, want, w.lastDrift(t))
	}
	if rep, err := w.r.Run(ctx, w.org); err != nil || len(rep.First) != 0 || w.lastDrift(t) != 0 {
		t.Fatalf("then the next run reports 0: %+v %v", rep, err)
	}
	brute, inc := w.figures(t)
	if !reflect.DeepEqual(brute.Metrics, inc.Metrics) {
		t.Fatalf("then the Home equals the recount again:\n brute %+v\n incr  %+v", brute.Metrics, inc.Metrics)
	}
}

// TestReconcileLeavesAnUnsettledDifferenceAlone: given a corrupted cell
// and a write that lands between the two passes (as the stream applying a
// contact's record would), when reconciled, then the cell whose difference
// changed between the passes is reported but not repaired, the one that
// held is.
func TestReconcileLeavesAnUnsettledDifferenceAlone(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	if _, err := w.r.Run(ctx, w.org); err != nil {
		t.Fatal(err)
	}
	today := localdate.Of(w.p.Clock.Now(), time.UTC)
	held, moving := store.AggregateItem{Date: today.AddDays(-2)}, store.AggregateItem{Date: today.AddDays(-4)}
	for _, it := range []store.AggregateItem{held, moving} {
		if err := w.p.Store.AddAggregate(ctx, w.org, it, metrics.Counters{metrics.AttrMessages: 5}); err != nil {
			t.Fatal(err)
		}
	}
	w.r.sleep = func(context.Context, time.Duration) error {
		// The stream applies a record to the moving cell meanwhile.
		return w.p.Store.AddAggregate(ctx, w.org, moving, metrics.Counters{metrics.AttrMessages: 1})
	}
	rep, err := w.r.Run(ctx, w.org)
	if err != nil {
		t.Fatal(err)
	}
	heldCell, movingCell := held.Date.String()+"/"+metrics.AttrMessages, moving.Date.String()+"/"+metrics.AttrMessages
	if !reflect.DeepEqual(rep.Confirmed, Cells{heldCell: -5}) || rep.Second[movingCell] != -6 {
		t.Fatalf("then only the settled cell is repaired: %+v", rep)
	}
	w.r.sleep = nil
	rep, err = w.r.Run(ctx, w.org)
	if err != nil || !reflect.DeepEqual(rep.Confirmed, Cells{movingCell: -6}) {
		t.Fatalf("then the next run repairs the other once it holds: %+v %v", rep, err)
	}
}
