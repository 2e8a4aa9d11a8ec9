package bench

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/oracle"
	"github.com/customercloud/home/tests/testkit"
)

const meterOrg = "acme"

// meteringStream is the stream both designs meter: 300 contacts over 30
// days (about ten thousand events of every kind).
func meteringStream() gen.Stream {
	return gen.Generate(gen.Options{Org: meterOrg, Contacts: 300, Days: 30, Now: streamEnd, Intensity: 0.3, Seed: 1})
}

func classify(text string) string {
	l, _ := sentiment.Offline{}.Classify(context.Background(), text)
	return string(l)
}

// side is one design's run over the stream.
type side struct {
	name    string
	events  int
	elapsed time.Duration // inside the handler only
	totals  ddbmeter.Counts
	// wcu is the write units as AWS bills them: the meter's count, with
	// transactions repriced by the documented rule (see sizer).
	wcu float64
	// compressed is wcu had the contact state been stored compressed (a
	// what-if priced on the same calls; 0 for the baseline).
	compressed float64
	// stateBytes is the mean size of a contact's state item at the end
	// (0 for the baseline, which keeps no state item).
	stateBytes float64
	// sizeMismatches counts writes whose reported units the size rule did
	// not reproduce.
	sizeMismatches int
	// per is each event's cost, by stream index: exact for the naive
	// baseline and batches of one, an allocation within larger batches.
	per    []cost
	ledger map[string]string // ledger sort key → event id
	// stream is the table's stream records, stamped with the simulated
	// time of the batch that wrote them (ours-batch10 only), and pipe the
	// side's pipeline (its contact states, for the aggregates' check).
	stream  []stamped
	recount metrics.Snapshot
}

func (s *side) requests() int {
	n := 0
	for _, v := range s.totals.Requests {
		n += v
	}
	return n
}

func (s *side) eventsPerSecond() float64 { return float64(s.events) / s.elapsed.Seconds() }

func (s *side) debited() map[string]bool {
	out := map[string]bool{}
	for _, id := range s.ledger {
		out[id] = true
	}
	return out
}

// byKind sums per-event costs by kind, and over debit, non-debit and all
// events.
func (s *side) byKind(evs []contract.Event) map[string]*cost {
	out := map[string]*cost{}
	deb := s.debited()
	bump := func(k string, c cost) {
		if out[k] == nil {
			out[k] = &cost{}
		}
		out[k].add(c)
	}
	for i, e := range evs {
		c := s.per[i]
		c.n = 1
		bump(kindOf(e), c)
		if deb[e.ID] {
			bump("debit", c)
		} else {
			bump("non-debit", c)
		}
		bump("all", c)
	}
	return out
}

// runNaive meters the stream with the baseline, one message at a time.
func runNaive(b *testing.B, evs []contract.Event, batches []batch) *side {
	b.StopTimer()
	p := newPipeline(b, batches[0].now, meterOrg)
	n := testkit.Must(NewNaive(p.Meter, p.Table, p.Clock.Now, sentiment.Offline{}))(b)
	s := &side{name: "naive", events: len(evs), per: make([]cost, len(evs))}
	ctx := context.Background()
	b.StartTimer()
	for _, bt := range batches {
		p.Clock.Set(bt.now)
		for k, m := range bt.ev.Records {
			before := p.Meter.Counts()
			t0 := time.Now()
			res, err := n.Handle(ctx, []byte(m.Body))
			s.elapsed += time.Since(t0)
			if err != nil || res.Duplicate {
				b.Fatalf("naive: message %s: %v (duplicate %v)", m.MessageId, err, res.Duplicate)
			}
			after := p.Meter.Counts()
			c := &s.per[bt.idx[k]]
			for op, v := range after.Requests {
				c.req += float64(v - before.Requests[op])
			}
			c.wcu = after.WriteUnits - before.WriteUnits
			c.rcu = after.ReadUnits - before.ReadUnits
		}
	}
	b.StopTimer()
	s.totals = p.Meter.Counts()
	s.wcu = s.totals.WriteUnits
	s.ledger = ledgerOf(b, p, meterOrg)
	b.StartTimer()
	return s
}

// runOurs meters the stream with the real debit processor, in the given
// batches. The processor is the production one (debit.New on store.New)
// with a tap between the store and the pipeline's meter that attributes
// each call's units to the messages it served: a BatchGetItem to the whole
// batch, a write to the messages of the group whose item it writes, shared
// equally.
func runOurs(b *testing.B, name string, evs []contract.Event, batches []batch, tapStream bool) *side {
	b.StopTimer()
	p := newPipeline(b, batches[0].now, meterOrg)
	var stap *streamTap
	if tapStream {
		stap = newStreamTap(p)
	}
	tp := newTap(p.Meter)
	st := testkit.Must(store.New(store.Config{DB: p.Meter, Table: p.Table, Now: p.Clock.Now}))(b)
	proc := testkit.Must(debit.New(debit.Config{Store: st, DeadLetter: testkit.NoDLQ{}, Classifier: sentiment.Offline{}, Log: discard, Now: p.Clock.Now}))(b)
	s := &side{name: name, events: len(evs), per: make([]cost, len(evs))}
	sz := newSizer(p)
	ctx := context.Background()
	var txnLocal, txnAWS float64
	b.StartTimer()
	for _, bt := range batches {
		p.Clock.Set(bt.now)
		t0 := time.Now()
		resp, err := proc.Handle(ctx, bt.ev)
		s.elapsed += time.Since(t0)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			b.Fatalf("%s: batch failed: %v %v", name, err, resp.BatchItemFailures)
		}
		b.StopTimer()
		if stap != nil {
			stap.after(b, bt.now)
		}
		calls := tp.drain()
		sz.price(b, calls)
		written := map[keys.Key][]int{}
		for _, i := range bt.idx {
			e := evs[i]
			k := keys.Contact(e.OrgID, e.Data.ContactID)
			if e.OrgScoped() {
				k = keys.Profile(e.OrgID)
			}
			written[k] = append(written[k], i)
		}
		for _, c := range calls {
			if c.op == "TransactWriteItems" {
				txnLocal += c.local
				txnAWS += c.wcu
			}
			s.compressed += c.compressed
			targets := bt.idx
			if g := written[c.key]; len(g) > 0 {
				targets = g
			}
			share := 1 / float64(len(targets))
			for _, i := range targets {
				s.per[i].req += share
				s.per[i].wcu += c.wcu * share
				s.per[i].rcu += c.rcu * share
			}
		}
		b.StartTimer()
	}
	b.StopTimer()
	s.totals = p.Meter.Counts()
	s.wcu = s.totals.WriteUnits - txnLocal + txnAWS
	s.sizeMismatches = sz.mismatches
	s.stateBytes, _ = stateBytes(b, p, meterOrg)
	s.ledger = ledgerOf(b, p, meterOrg)
	if stap != nil {
		s.stream = stap.recs
		s.recount = recountOf(b, p)
	}
	b.StartTimer()
	return s
}

func (s *side) report(b *testing.B, evs []contract.Event, naive *side) {
	k := s.byKind(evs)
	all := k["all"]
	b.ReportMetric(float64(s.events), "events")
	b.ReportMetric(float64(len(s.ledger)), "debits")
	b.ReportMetric(s.eventsPerSecond(), "events/s")
	b.ReportMetric(float64(s.requests())/float64(s.events), "req/event")
	b.ReportMetric(s.wcu/float64(s.events), "WCU/event")
	b.ReportMetric(s.totals.WriteUnits/float64(s.events), "WCU/event-local")
	b.ReportMetric(s.totals.ReadUnits/float64(s.events), "RCU/event")
	if d := k["debit"]; d != nil {
		b.ReportMetric(d.per(d.wcu), "WCU/debit-event")
	}
	if d := k["non-debit"]; d != nil {
		b.ReportMetric(d.per(d.wcu), "WCU/nondebit-event")
	}
	if s.stateBytes > 0 {
		b.ReportMetric(s.stateBytes, "state-bytes/contact")
	}
	if s.compressed > 0 {
		b.ReportMetric(s.compressed/float64(s.events), "WCU/event-if-state-compressed")
	}
	if naive != nil && naive != s {
		b.ReportMetric(s.wcu/naive.wcu, "WCU-ratio-vs-naive")
		b.ReportMetric(s.eventsPerSecond()/naive.eventsPerSecond(), "speedup-vs-naive")
		b.ReportMetric(float64(s.requests())/float64(naive.requests()), "req-ratio-vs-naive")
	}
	if s.sizeMismatches > 0 {
		b.Logf("%s: %d single-item writes were not priced as the size rule says", s.name, s.sizeMismatches)
	}
	// The attribution must account for every unit the meter counted
	// (failed conditional writes aside, which the tap cannot see).
	if diff := all.wcu - s.wcu; diff > 0.01*s.wcu || -diff > 0.01*s.wcu {
		b.Logf("%s: attributed %.1f WCU of %.1f (failed conditional writes are estimated by the meter only)", s.name, all.wcu, s.wcu)
	}
}

// sameLedger fails the benchmark unless both sides debited exactly the
// same windows, opened by the same events.
func sameLedger(b *testing.B, a, o *side) {
	if len(a.ledger) != len(o.ledger) {
		b.Fatalf("%s debited %d, %s %d: the two sides disagree", a.name, len(a.ledger), o.name, len(o.ledger))
	}
	for sk, id := range a.ledger {
		if o.ledger[sk] != id {
			b.Fatalf("%s has ledger entry %s (event %s), %s has %q", a.name, sk, id, o.name, o.ledger[sk])
		}
	}
}

// BenchmarkMetering meters one generated stream with the naive baseline
// (NewNaive), then with the real debit processor in FIFO batches of up to
// ten and of one, each on a fresh table, and reports events/s, DynamoDB
// requests, write and read units per event, by event kind, and the ratios
// to the baseline. Both sides must debit exactly the same windows (and as
// many as the brute-force oracle), or the benchmark fails.
func BenchmarkMetering(b *testing.B) {
	s := meteringStream()
	evs := s.Events
	b10, b1 := fifoBatches(b, evs, 10), fifoBatches(b, evs, 1)
	want := oracle.Run(evs, oracle.Options{Plan: benchPlan, Now: streamEnd, Classify: classify})
	sides := map[string]*side{}
	var order []string
	run := func(name string, f func(b *testing.B) *side) {
		b.Run(name, func(b *testing.B) {
			var r *side
			for i := 0; i < b.N; i++ {
				r = f(b)
			}
			if len(r.ledger) != len(want.Debits) {
				b.Fatalf("%s debited %d, the oracle %d", name, len(r.ledger), len(want.Debits))
			}
			if naive := sides["naive"]; naive != nil {
				sameLedger(b, naive, r)
			}
			sides[name] = r
			order = append(order, name)
			r.report(b, evs, sides["naive"])
		})
	}
	run("naive", func(b *testing.B) *side { return runNaive(b, evs, b10) })
	run("ours-batch10", func(b *testing.B) *side { return runOurs(b, "ours-batch10", evs, b10, true) })
	run("ours-batch1", func(b *testing.B) *side { return runOurs(b, "ours-batch1", evs, b1, false) })
	if len(order) == 0 {
		return
	}
	fmt.Print("\n" + meteringTables(evs, b10, sides, order) + "\n")
	// The aggregate function (issue 13) on ours-batch10's stream: its
	// writes are the Home's incremental aggregates; the debit's are as
	// above, unchanged.
	if ours := sides["ours-batch10"]; ours != nil && len(ours.stream) > 0 {
		b.Run("aggregate", func(b *testing.B) {
			var runs []aggRun
			for _, pol := range aggPolicies {
				runs = append(runs, runAggregate(b, ours.recount, ours.stream, pol))
			}
			fmt.Printf("\nThe aggregate function on ours-batch10's stream (%d records, %d events over %d days, one organization):\n\n%s\n",
				len(ours.stream), len(evs), 30, aggregateTable(b, len(evs), 30, ours, sides["naive"], runs))
		})
	}
}

func meteringTables(evs []contract.Event, b10 []batch, sides map[string]*side, order []string) string {
	groups, withDebit := 0, 0
	var deb map[string]bool
	for _, name := range order {
		deb = sides[name].debited()
	}
	for _, bt := range b10 {
		for _, i := range bt.idx {
			if deb[evs[i].ID] {
				withDebit++
				break
			}
		}
		g := map[string]bool{}
		for _, m := range bt.ev.Records {
			g[m.Attributes["MessageGroupId"]] = true
		}
		groups += len(g)
	}
	out := fmt.Sprintf("stream: %d events, 300 contacts, 30 days; %d batches of up to 10 with %.2f message groups each (%.2f messages per group); %d batches hold at least one debit\n",
		len(evs), len(b10), float64(groups)/float64(len(b10)), float64(len(evs))/float64(groups), withDebit)
	for _, name := range order {
		if s := sides[name]; s.stateBytes > 0 {
			out += fmt.Sprintf("%s: mean contact state item %.0f bytes at the end; WCU/event had the state been stored flate-compressed: %.2f\n",
				name, s.stateBytes, s.compressed/float64(s.events))
		}
	}
	out += "\n"
	kinds := map[string]map[string]*cost{}
	var rows [][]string
	for _, name := range order {
		s := sides[name]
		k := s.byKind(evs)
		kinds[name] = k
		ops := make([]string, 0, len(s.totals.Requests))
		for op, v := range s.totals.Requests {
			ops = append(ops, fmt.Sprintf("%s %d", op, v))
		}
		sort.Strings(ops)
		rows = append(rows, []string{name, fmt.Sprint(s.events), fmt.Sprint(len(s.ledger)), f1(s.elapsed.Seconds()),
			f0(s.eventsPerSecond()), f2(float64(s.requests()) / float64(s.events)), f2(s.wcu / float64(s.events)),
			f2(s.totals.WriteUnits / float64(s.events)), f2(s.totals.ReadUnits / float64(s.events)),
			f2(k["debit"].per(k["debit"].wcu)), f2(k["non-debit"].per(k["non-debit"].wcu)), strings.Join(ops, ", ")})
	}
	out += table([]string{"side", "events", "debits", "handler s", "events/s", "req/event", "WCU/event", "WCU/event as reported by DynamoDB Local",
		"RCU/event", "WCU/debit event", "WCU/non-debit event", "requests"}, rows) + "\n"
	if naive := sides["naive"]; naive != nil {
		rows = nil
		for _, name := range order {
			s := sides[name]
			if s == naive {
				continue
			}
			rows = append(rows, []string{name + " / naive", f2(s.wcu / naive.wcu),
				f2(s.eventsPerSecond() / naive.eventsPerSecond()), f2(float64(s.requests()) / float64(naive.requests())),
				f2(s.totals.ReadUnits / naive.totals.ReadUnits)})
		}
		out += table([]string{"ratio", "WCU/event (target ≤ 0.33)", "events/s (target ≥ 3)", "requests", "RCU"}, rows) + "\n"
	}
	header := []string{"kind", "events"}
	for _, name := range order {
		header = append(header, name+" req/ev", name+" WCU/ev")
	}
	rows = nil
	for _, kind := range append(append([]string(nil), kindOrder...), "debit", "non-debit", "all") {
		first := kinds[order[0]][kind]
		if first == nil {
			continue
		}
		r := []string{kind, fmt.Sprint(first.n)}
		for _, name := range order {
			c := kinds[name][kind]
			r = append(r, f2(c.per(c.req)), f2(c.per(c.wcu)))
		}
		rows = append(rows, r)
	}
	out += table(header, rows)
	out += "WCU: transactions priced as AWS documents them (2 units per 1 KB of each item; DynamoDB Local reports otherwise), other writes as DynamoDB Local reports them.\n"
	out += "(ours-batch10 per kind: each call's units shared equally by the messages it served — a BatchGetItem by the batch, a write by its group's messages; exact for naive and ours-batch1)\n"
	return out
}
