package debit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/oracle"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// recordingDLQ keeps what the handler set aside. The real dead-letter queue
// is exercised in TestPoisonGoesToDeadLetterQueue; here the point is the
// arithmetic under failure.
type recordingDLQ struct {
	mu   sync.Mutex
	msgs map[string]string
}

func (r *recordingDLQ) DeadLetter(_ context.Context, m events.SQSMessage, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs[m.MessageId] = reason
	return nil
}

type msg struct {
	id    string
	group string
	body  string
	valid bool
	// seq and sent are the FIFO SequenceNumber and SentTimestamp SQS gives
	// the message when it is sent (fifoSource.push): a redelivery keeps
	// them, a producer's resend or a DLQ redrive is a new send.
	seq  int64
	sent int64
}

// record is the message as the event source hands it to the handler.
func (m msg) record() events.SQSMessage {
	return events.SQSMessage{MessageId: m.id, Body: m.body, Attributes: map[string]string{
		"MessageGroupId": m.group, "SequenceNumber": fmt.Sprintf("%020d", m.seq), "SentTimestamp": strconv.FormatInt(m.sent, 10)}}
}

// fifoSource plays the SQS FIFO event source: per-group order, batches of up
// to ten across groups, failed messages back at the head of their group,
// at-least-once redelivery of messages already processed.
type fifoSource struct {
	r      *rand.Rand
	groups map[string][]msg
	order  []string
	// maxTake bounds the messages of one group in a batch (default 4);
	// with fill, a group gives maxTake-2 to maxTake (a busy group fills
	// its batches).
	maxTake int
	fill    bool
	seq     int64
	// clock stamps SentTimestamp (nil: the sequence number stands for it).
	clock func() time.Time
}

func (f *fifoSource) push(m msg) {
	f.seq++
	m.seq, m.sent = f.seq, f.seq
	if f.clock != nil {
		m.sent = f.clock().UnixMilli()
	}
	if _, ok := f.groups[m.group]; !ok {
		f.order = append(f.order, m.group)
	}
	f.groups[m.group] = append(f.groups[m.group], m)
}

func (f *fifoSource) pushFront(ms []msg) {
	for i := len(ms) - 1; i >= 0; i-- {
		g := ms[i].group
		f.groups[g] = append([]msg{ms[i]}, f.groups[g]...)
	}
}

func (f *fifoSource) empty() bool {
	for _, q := range f.groups {
		if len(q) > 0 {
			return false
		}
	}
	return true
}

func (f *fifoSource) batch() []msg {
	var out []msg
	live := []string{}
	for _, g := range f.order {
		if len(f.groups[g]) > 0 {
			live = append(live, g)
		}
	}
	f.r.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	for _, g := range live {
		take := 1 + f.r.IntN(max(4, f.maxTake))
		if f.fill {
			take = f.maxTake - f.r.IntN(3)
		}
		for take > 0 && len(f.groups[g]) > 0 && len(out) < 10 {
			out = append(out, f.groups[g][0])
			f.groups[g] = f.groups[g][1:]
			take--
		}
		if len(out) == 10 {
			break
		}
	}
	return out
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestOracleUnderFailure compares the real pipeline (debit handler and
// DynamoDB Local) with the brute-force model over many random streams with
// duplicates, late arrivals, interleaving, poison messages, injected
// DynamoDB errors before and after writes, transactions cancelled by
// conflicting ones (retried by the store), and crashes mid-batch followed by
// redelivery of the whole batch: debits, day totals and cycle totals must
// match exactly. Threshold notifications are checked the same way: random
// limits and thresholds (interactionz, seats, expert agents' caps), a plan
// change mid-stream, the post-commit hook crashing with the batch, and the
// scheduled sweep; every crossing the recount reaches must be notified once
// (0 missing, 0 duplicate ids). ORACLE_ROUNDS scales it (default 25 streams).
func TestOracleUnderFailure(t *testing.T) {
	rounds := envInt("ORACLE_ROUNDS", 25)
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	dlq := &recordingDLQ{msgs: map[string]string{}}
	var logOut io.Writer = io.Discard
	if os.Getenv("ORACLE_LOG") != "" {
		logOut = os.Stderr
	}
	log := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	bus := &recordingBus{meter: p.Meter}
	notifier := testkit.Must(alerts.NewNotifier(alerts.NotifierConfig{Store: p.Store, Bus: bus, Log: log, Now: p.Clock.Now}))(t)
	proc := testkit.Must(debit.New(debit.Config{Store: p.Store, DeadLetter: dlq, Classifier: sentiment.Offline{}, Log: log, Now: p.Clock.Now,
		AfterCommit: alertHook(notifier)}))(t)
	totalEvents, crashes, faults := 0, 0, 0
	notified, repeats, planChanges := 0, 0, 0
	for round := 0; round < rounds; round++ {
		seed := uint64(envInt("ORACLE_SEED", 1000) + round)
		r := rand.New(rand.NewPCG(seed, 7))
		org := fmt.Sprintf("oracle%03d", round)
		pl := plan.Default()
		pl.CycleStartDay = 1 + r.IntN(28)
		randomThresholds(r, &pl)
		pl2 := pl
		randomThresholds(r, &pl2)
		changeAt := 3 + r.IntN(40)
		current := pl.Cycle(localdate.Of(now, pl.Location())).From
		wantAlerts := map[string]bool{}
		oldPlan, changedThisRound := pl, false
		if err := p.Store.PutPlan(context.Background(), org, pl); err != nil {
			t.Fatal(err)
		}
		s := gen.Generate(gen.Options{Org: org, Contacts: 8 + r.IntN(12), Days: 14, Now: now, Intensity: 0.4, Seed: seed})
		withExpertAgents(s.Events)
		// Arrival order: per-contact FIFO order with some late arrivals
		// (adjacent swaps) and producer duplicates; contacts interleaved.
		byGroup := map[string][]contract.Event{}
		var groups []string
		for _, e := range s.Events {
			g := e.MessageGroupID()
			if _, ok := byGroup[g]; !ok {
				groups = append(groups, g)
			}
			byGroup[g] = append(byGroup[g], e)
		}
		src := &fifoSource{r: r, groups: map[string][]msg{}}
		var arrival []contract.Event
		n := 0
		for _, g := range groups {
			evs := byGroup[g]
			for i := 1; i < len(evs); i++ {
				if r.Float64() < 0.08 {
					evs[i-1], evs[i] = evs[i], evs[i-1]
				}
			}
			for i, e := range evs {
				body, _ := e.Encode()
				src.push(msg{id: fmt.Sprintf("m%d", n), group: g, body: string(body), valid: true})
				n++
				arrival = append(arrival, e)
				if r.Float64() < 0.07 { // the producer sends it again later
					j := i + 1 + r.IntN(3)
					_ = j
					src.push(msg{id: fmt.Sprintf("m%d", n), group: g, body: string(body), valid: true})
					n++
					arrival = append(arrival, e)
				}
				if r.Float64() < 0.01 { // a poison message in the group
					src.push(msg{id: fmt.Sprintf("m%d", n), group: g, body: `{"specversion":"1.0","type":"message.sent","orgid":"` + org + `"}`})
					n++
				}
			}
		}
		totalEvents += len(arrival)
		c, f := drain(t, org, src, proc, p, r, func(iter int) {
			if iter != changeAt {
				return
			}
			// A plan change mid-cycle. The sweep runs first (it runs
			// every 5 minutes; a plan change is rare): what was reached
			// under the old plan is owed under it.
			usage := ledgerUsage(t, p, org, pl)
			prof, err := p.Store.GetProfile(context.Background(), org)
			if err != nil {
				t.Fatal(err)
			}
			sweep(t, p, bus, org, cyclesOf(usage, current), now.Add(alerts.DefaultLease+time.Second))
			expectedCrossings(pl, usage, current, len(prof.State.Users), wantAlerts)
			if err := p.Store.PutPlan(context.Background(), org, pl2); err != nil {
				t.Fatal(err)
			}
			oldPlan, changedThisRound = pl, true
			pl = pl2
			planChanges++
		})
		crashes += c
		faults += f
		want := oracle.Run(arrival, oracle.Options{Plan: pl, Now: now, Classify: classify})
		compareBilling(t, p, org, want)
		compareHome(t, p, org, pl, now, want)
		usage := ledgerUsage(t, p, org, pl)
		mayAlerts := map[string]bool{}
		expectedCrossings(pl, nil, current, peakSeats(arrival), mayAlerts)
		if planChanges > 0 && changedThisRound {
			expectedCrossings(oldPlan, nil, current, peakSeats(arrival), mayAlerts)
		}
		sweep(t, p, bus, org, cyclesOf(usage, current), now.Add(2*(alerts.DefaultLease+time.Second)))
		expectedCrossings(pl, usage, current, want.Users, wantAlerts)
		got := bus.of(org)
		repeats += compareNotifications(t, org, wantAlerts, mayAlerts, got)
		notified += len(wantAlerts)
	}
	conflicts := p.Meter.Counts().Conflicts
	if conflicts == 0 {
		t.Fatal("no transaction conflict was injected: the retry path went untested")
	}
	t.Logf("%d streams, %d events, %d simulated crashes, %d transaction conflicts, %d failed messages redelivered, %d poison messages set aside",
		rounds, totalEvents, crashes, conflicts, faults, len(dlq.msgs))
	t.Logf("notifications: %d crossings notified exactly once (0 missing, 0 duplicate ids) over %d plan changes; %d repeated deliveries of an id after a crash between publish and mark",
		notified, planChanges, repeats)
	if notified == 0 {
		t.Fatal("no threshold was crossed: the notification path went untested")
	}
}

// drain delivers the source's messages until none is left, batch by batch,
// with random DynamoDB failures, transaction conflicts and crashes; a
// crashed batch comes back whole, failed messages come back at the head of
// their group (the FIFO rule is checked), and some processed ones are
// delivered again. before, if not nil, runs before each batch with its
// index (the threshold test changes the plan there). It returns the crashes
// and failed messages.
func drain(t *testing.T, org string, src *fifoSource, proc *debit.Processor, p *pipeline.Pipeline, r *rand.Rand, before func(iter int)) (crashes, faults int) {
	t.Helper()
	for iter := 0; !src.empty(); iter++ {
		if iter > 20000 {
			t.Fatalf("%s: the stream does not drain: some group fails forever", org)
		}
		if before != nil {
			before(iter)
		}
		b := src.batch()
		ev := events.SQSEvent{}
		for _, m := range b {
			ev.Records = append(ev.Records, m.record())
		}
		f := ddbmeter.Faults{Seed: r.Uint64()}
		switch x := r.Float64(); {
		case x < 0.10:
			f.CrashAfterWrites = 1 + r.IntN(4)
		case x < 0.30:
			f.Before, f.After = 0.1, 0.1
		case x < 0.45:
			f.Conflict = 0.3
		}
		p.Meter.SetFaults(f)
		resp, err := proc.Handle(context.Background(), ev)
		crashed := p.Meter.Crashed()
		p.Meter.SetFaults(ddbmeter.Faults{})
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		if crashed {
			// The Lambda died: no response, the whole batch comes back.
			crashes++
			src.pushFront(b)
			continue
		}
		failed := map[string]bool{}
		for _, x := range resp.BatchItemFailures {
			failed[x.ItemIdentifier] = true
		}
		faults += len(failed)
		var back []msg
		seenFailed := map[string]bool{}
		for _, m := range b {
			if failed[m.id] {
				back = append(back, m)
				seenFailed[m.group] = true
			} else if seenFailed[m.group] {
				t.Fatalf("FIFO rule broken: %s succeeded after a failure in group %s", m.id, m.group)
			} else if r.Float64() < 0.03 {
				back = append(back, m) // at-least-once: delivered again
			}
		}
		src.pushFront(back)
	}
	return crashes, faults
}

func classify(text string) string {
	l, _ := sentiment.Offline{}.Classify(context.Background(), text)
	return string(l)
}

// compareHome: the Home's metrics, served from the incremental aggregates
// (the stream of every contact-state write, crashes and retries included,
// drained through the aggregate processor), equal the oracle's recount of
// the raw events.
func compareHome(t *testing.T, p *pipeline.Pipeline, org string, pl plan.Plan, now time.Time, want oracle.Result) {
	t.Helper()
	p.DrainStream(t)
	today := localdate.Of(now, pl.Location())
	h, err := p.Store.HomeFigures(context.Background(), org, today.String(), pl.Cycle(today).From.String())
	if err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(h.Rollup.Snapshot.Metrics)
	w, _ := json.Marshal(want.Metrics)
	if string(g) != string(w) {
		t.Fatalf("%s: Home metrics from the aggregates\n%s\nwant (oracle)\n%s", org, g, w)
	}
	if h.Rollup.Snapshot.AnyMessageSent != want.AnySent || h.Rollup.Snapshot.ContactsRegistered != want.AnyRegistered {
		t.Fatalf("%s: first steps sent/registered %v/%v, want %v/%v", org, h.Rollup.Snapshot.AnyMessageSent,
			h.Rollup.Snapshot.ContactsRegistered, want.AnySent, want.AnyRegistered)
	}
}

func compareBilling(t *testing.T, p *pipeline.Pipeline, org string, want oracle.Result) {
	t.Helper()
	ctx := context.Background()
	var got []string
	for _, e := range p.Ledger(t, org, time.Now().Add(48*time.Hour)) {
		got = append(got, e.ContactID+"|"+e.Lane+"|"+e.Channel+"|"+e.WindowStart+"|"+e.EventID)
	}
	var exp []string
	for _, d := range want.Debits {
		exp = append(exp, d.Contact+"|"+d.Lane+"|"+d.Channel+"|"+d.Start.UTC().Format(time.RFC3339Nano)+"|"+d.EventID)
	}
	sort.Strings(got)
	sort.Strings(exp)
	if fmt.Sprint(got) != fmt.Sprint(exp) {
		t.Fatalf("%s: ledger differs from the oracle:\n got  %d %v\n want %d %v", org, len(got), got, len(exp), exp)
	}
	days, err := p.Store.DayTotals(ctx, org, "2000-01-01", "2999-12-31")
	if err != nil {
		t.Fatal(err)
	}
	gotDays := map[string]int64{}
	for _, d := range days {
		gotDays[d.Date] = d.Total
		if fmt.Sprint(d.Lanes) != fmt.Sprint(nonZero(want.DayLanes[d.Date])) || fmt.Sprint(d.Channels) != fmt.Sprint(nonZero(want.DayChannels[d.Date])) {
			t.Fatalf("%s %s: by lane %v / channel %v, want %v / %v", org, d.Date, d.Lanes, d.Channels, want.DayLanes[d.Date], want.DayChannels[d.Date])
		}
	}
	if fmt.Sprint(gotDays) != fmt.Sprint(want.DayTotals) {
		t.Fatalf("%s: day totals %v, want %v", org, gotDays, want.DayTotals)
	}
	for cycle, n := range want.CycleTotals {
		h, err := p.Store.HomeFigures(ctx, org, "1999-01-01", cycle)
		if err != nil {
			t.Fatal(err)
		}
		if h.Cycle.Total != n {
			t.Fatalf("%s: cycle %s total %d, want %d", org, cycle, h.Cycle.Total, n)
		}
	}
	_ = localdate.Date(0)
}

func nonZero(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}
