package debit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/tests/oracle"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// hotStateLimit is the stored state a contact may reach whatever its rate
// (issue 12: ≤ 4 KB, so a write is ≤ 4 WCU, at 1,000 events/day for 30
// days; the hot contact here is ten times busier).
const hotStateLimit = 4096

// TestOracleHotContact: given an organization whose ordinary contacts live
// beside one contact at 10,000 events a day for 20 days (HOT_PER_DAY and
// HOT_DAYS scale it), delivered hour by hour with the processing clock
// following, with SQS redeliveries, late arrivals, producer resends a
// moment and up to 13 days later, redrives from the dead-letter queue,
// injected DynamoDB failures, conflicts and crashes; then the ledger and
// the totals equal the oracle's, nothing goes to the dead-letter queue, the
// late-event path was taken, and the busy contact's stored state never
// passes 4 KB.
func TestOracleHotContact(t *testing.T) {
	perDay, days := envInt("HOT_PER_DAY", 10000), envInt("HOT_DAYS", 20)
	end := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	p := pipeline.New(t, pipeline.Options{Now: start, NoQueue: true})
	dlq := &recordingDLQ{msgs: map[string]string{}}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	proc := testkit.Must(debit.New(debit.Config{Store: p.Store, DeadLetter: dlq, Classifier: sentiment.Offline{}, Log: log, Now: p.Clock.Now}))(t)
	ctx := context.Background()
	const org, hot = "hotorg", "hot-1"
	pl := plan.Default()
	pl.CycleStartDay = 9
	if err := p.Store.PutPlan(ctx, org, pl); err != nil {
		t.Fatal(err)
	}
	all := append(gen.Generate(gen.Options{Org: org, Contacts: 12, Days: days, Now: end, Intensity: 0.4, Seed: 12}).Events,
		gen.Hot(gen.HotOptions{Org: org, Contact: hot, PerDay: perDay, Days: days, Now: end, Seed: 13})...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })

	r := rand.New(rand.NewPCG(12, 13))
	src := &fifoSource{r: r, groups: map[string][]msg{}, maxTake: 10, fill: true, clock: p.Clock.Now}
	type resend struct {
		at time.Time
		ev contract.Event
	}
	var later []resend
	var arrival []contract.Event
	n, resent, redriven, maxState, crashes, faults := 0, 0, 0, 0, 0, 0
	send := func(e contract.Event) {
		body, err := e.Encode()
		if err != nil {
			t.Fatal(err)
		}
		src.push(msg{id: fmt.Sprintf("m%d", n), group: e.MessageGroupID(), body: string(body), valid: true})
		n++
		arrival = append(arrival, e)
	}
	i := 0
	for hour := start; hour.Before(end.Add(time.Hour)); hour = hour.Add(time.Hour) {
		next := hour.Add(time.Hour)
		p.Clock.Set(next)
		j := i
		for j < len(all) && all[j].Time.Before(next) {
			j++
		}
		evs := append([]contract.Event(nil), all[i:j]...)
		i = j
		for k := 1; k < len(evs); k++ { // late arrivals: neighbours of a group swap
			if evs[k].MessageGroupID() == evs[k-1].MessageGroupID() && r.Float64() < 0.05 {
				evs[k-1], evs[k] = evs[k], evs[k-1]
			}
		}
		for _, e := range evs {
			send(e)
			switch x := r.Float64(); {
			case x < 0.02: // the producer sends it again at once
				send(e)
				resent++
			case x < 0.025: // again days later, or redriven from the DLQ
				later = append(later, resend{at: next.Add(time.Duration(r.Int64N(int64(13 * 24 * time.Hour)))), ev: e})
			}
		}
		keep := later[:0]
		for _, l := range later {
			if l.at.Before(next) {
				send(l.ev)
				redriven++
			} else {
				keep = append(keep, l)
			}
		}
		later = keep
		c, f := drain(t, org, src, proc, p, r, nil)
		crashes, faults = crashes+c, faults+f
		b, err := p.Store.LoadBatch(ctx, []string{org}, []ingest.ContactRef{{Org: org, Contact: hot}})
		if err != nil {
			t.Fatal(err)
		}
		st := b.Contacts[ingest.ContactRef{Org: org, Contact: hot}].State
		size, _ := p.Store.StateSize(st)
		maxState = max(maxState, size)
		if size > hotStateLimit || st.PendingLen() > ingest.MaxPending+10 {
			t.Fatalf("%s: the busy contact's state is %d bytes with %d identities pending: not bounded", hour, size, st.PendingLen())
		}
	}
	if len(dlq.msgs) != 0 {
		t.Fatalf("%d messages went to the dead-letter queue: %v", len(dlq.msgs), dlq.msgs)
	}
	if q := p.Meter.Counts().Requests["Query"]; q == 0 || redriven == 0 {
		t.Fatalf("the late-event path was not taken (%d queries, %d resends days later)", q, redriven)
	}
	want := oracle.Run(arrival, oracle.Options{Plan: pl, Now: end, Classify: classify})
	compareBilling(t, p, org, want)
	t.Logf("%d events (%d/day for %d days on one contact), %d resent at once, %d resent or redriven days later, %d crashes, %d failed messages redelivered; largest state of the busy contact %d bytes; %d debits",
		len(arrival), perDay, days, resent, redriven, crashes, faults, maxState, len(want.Debits))
}
