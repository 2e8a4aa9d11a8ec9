package debit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/oracle"
	"github.com/customercloud/home/tests/pipeline"
)

// fifoQueue models an SQS FIFO queue on a fake clock, with the semantics
// the meter depends on: a group delivers nothing while one of its messages
// is in flight; a receive makes a message invisible for the queue's
// visibility timeout and counts it (ApproximateReceiveCount);
// ChangeMessageVisibility (the handler's Hold) sets a new timeout from now,
// in whole seconds; a message already received maxReceiveCount times moves
// to the dead-letter queue at its next receive (the redrive). It lets a test
// live through hours of an outage in the exact number of receives the real
// configuration gives, without waiting for them; ElasticMQ, which only
// knows the real clock, shows the same calls working in the runner's tests.
type fifoQueue struct {
	mu          sync.Mutex
	now         func() time.Time
	visibility  time.Duration
	maxReceives int
	seq         int
	msgs        []*queued
	handles     map[string]*queued
	redriven    []*queued
}

type queued struct {
	id, group, body string
	receives        int
	visibleAt       time.Time
	// receivedAt are the times of its receives.
	receivedAt []time.Time
}

func (q *fifoQueue) send(id, group, body string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, &queued{id: id, group: group, body: body})
}

// receive returns up to max messages, each group's in order.
func (q *fifoQueue) receive(max int) []events.SQSMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	blocked := map[string]bool{}
	var out []events.SQSMessage
	keep := q.msgs[:0]
	for _, m := range q.msgs {
		switch {
		case blocked[m.group] || len(out) == max:
			blocked[m.group] = true
		case m.visibleAt.After(now):
			blocked[m.group] = true // in flight
		case m.receives >= q.maxReceives:
			q.redriven = append(q.redriven, m)
			continue
		default:
			m.receives++
			m.visibleAt = now.Add(q.visibility)
			m.receivedAt = append(m.receivedAt, now)
			q.seq++
			h := fmt.Sprintf("rh-%d", q.seq)
			q.handles[h] = m
			out = append(out, events.SQSMessage{MessageId: m.id, ReceiptHandle: h, Body: m.body,
				Attributes: map[string]string{"MessageGroupId": m.group, "ApproximateReceiveCount": strconv.Itoa(m.receives)}})
		}
		keep = append(keep, m)
	}
	q.msgs = keep
	return out
}

// remove deletes the messages by receipt handle, as the event source
// mapping deletes the batch's successes.
func (q *fifoQueue) remove(handles map[string]bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	keep := q.msgs[:0]
	for _, m := range q.msgs {
		drop := false
		for h := range handles {
			if q.handles[h] == m {
				drop = true
			}
		}
		if !drop {
			keep = append(keep, m)
		}
	}
	q.msgs = keep
}

// Hold is ChangeMessageVisibility, rounded up to whole seconds like SQS's.
func (q *fifoQueue) Hold(_ context.Context, holds []debit.Hold) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, h := range holds {
		m, ok := q.handles[h.Msg.ReceiptHandle]
		if !ok {
			return fmt.Errorf("unknown receipt handle %s", h.Msg.ReceiptHandle)
		}
		m.visibleAt = q.now().Add((h.For + time.Second - 1).Truncate(time.Second))
	}
	return nil
}

// nextVisible is when the next in-flight message becomes visible (what a
// receive that found nothing waits for); false when none is in flight.
func (q *fifoQueue) nextVisible() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var next time.Time
	for _, m := range q.msgs {
		if m.visibleAt.After(now) && (next.IsZero() || m.visibleAt.Before(next)) {
			next = m.visibleAt
		}
	}
	return next, !next.IsZero()
}

// receivesToOutlast is how many receives a message that first fails at the
// start of an outage of length d takes to succeed under r: the failures
// spaced by r's delays, then the first receive at or after the end.
func receivesToOutlast(r debit.Retry, d time.Duration) (int, []time.Duration) {
	var at []time.Duration
	elapsed := time.Duration(0)
	for n := 1; ; n++ {
		at = append(at, elapsed)
		if elapsed >= d {
			return n, at
		}
		elapsed += r.Delay(n)
	}
}

// TestBillingIsExactAfterOutages: given a stream of events arriving over an
// outage of DynamoDB (every call fails: the store's fault hooks) of 10
// minutes, and another of 2 hours, with the production configuration (the
// events queue's 60 s visibility and maxReceiveCount, debit.DefaultRetry)
// on a fake clock, when the event source mapping keeps polling through the
// outage and after it, then no message reaches either dead-letter queue,
// the head message of the first blocked group is received exactly as often
// as the schedule says (6 times for 10 minutes, 13 for 2 hours), and the
// ledger, day totals and cycle totals equal the oracle's for the arrival
// order: billing exact, as if there had been no outage.
func TestBillingIsExactAfterOutages(t *testing.T) {
	base := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: base, NoQueue: true})
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for i, outage := range []time.Duration{10 * time.Minute, 2 * time.Hour} {
		t.Run(fmt.Sprintf("outage of %v", outage), func(t *testing.T) {
			org := fmt.Sprintf("outage%d", i)
			pl := plan.Default()
			pl.CycleStartDay = 5
			if err := p.Store.PutPlan(context.Background(), org, pl); err != nil {
				t.Fatal(err)
			}
			s := gen.Generate(gen.Options{Org: org, Contacts: 12, Days: 10, Now: base, Intensity: 0.4, Seed: uint64(40 + i)})
			p.Clock.Set(base)
			q := &fifoQueue{now: p.Clock.Now, visibility: resources.EventsQueue.VisibilityTimeout,
				maxReceives: resources.EventsQueue.MaxReceiveCount, handles: map[string]*queued{}}
			dlq := &recordingDLQ{msgs: map[string]string{}}
			proc, err := debit.New(debit.Config{Store: p.Store, DeadLetter: dlq, Classifier: sentiment.Offline{}, Log: log, Now: p.Clock.Now,
				Visibility: q, Retry: debit.DefaultRetry})
			if err != nil {
				t.Fatal(err)
			}
			// Arrivals: evenly from 5 minutes before the outage to 15
			// minutes after it, each contact's events in its order.
			outStart := base.Add(5 * time.Minute)
			outEnd := outStart.Add(outage)
			span := outage + 20*time.Minute
			step := span / time.Duration(len(s.Events))
			var arrival []contract.Event
			next := 0
			enqueue := func(now time.Time) {
				for next < len(s.Events) && !base.Add(time.Duration(next)*step).After(now) {
					e := s.Events[next]
					body, err := e.Encode()
					if err != nil {
						t.Fatal(err)
					}
					q.send(fmt.Sprintf("m%d", next), e.MessageGroupID(), string(body))
					arrival = append(arrival, e)
					next++
				}
			}
			var firstFailed *queued
			calls := 0
			for clk := base; ; {
				p.Clock.Set(clk)
				enqueue(clk)
				batch := q.receive(10)
				if len(batch) == 0 {
					wake, ok := q.nextVisible()
					if next < len(s.Events) {
						if at := base.Add(time.Duration(next) * step); !ok || at.Before(wake) {
							wake, ok = at, true
						}
					}
					if !ok {
						break
					}
					clk = wake
					continue
				}
				if !clk.Before(outStart) && clk.Before(outEnd) {
					p.Meter.SetFaults(ddbmeter.Faults{Before: 1})
				} else {
					p.Meter.SetFaults(ddbmeter.Faults{})
				}
				resp, err := proc.Handle(context.Background(), events.SQSEvent{Records: batch})
				p.Meter.SetFaults(ddbmeter.Faults{})
				if err != nil {
					t.Fatalf("handler error: %v", err)
				}
				calls++
				failed := map[string]bool{}
				for _, f := range resp.BatchItemFailures {
					failed[f.ItemIdentifier] = true
				}
				done := map[string]bool{}
				for _, m := range batch {
					if !failed[m.MessageId] {
						done[m.ReceiptHandle] = true
					} else if firstFailed == nil {
						q.mu.Lock()
						firstFailed = q.handles[m.ReceiptHandle]
						q.mu.Unlock()
					}
				}
				q.remove(done)
				clk = clk.Add(200 * time.Millisecond) // the function's run
				if calls > 100000 {
					t.Fatal("the queue does not drain")
				}
			}
			if len(q.redriven) > 0 || len(dlq.msgs) > 0 {
				t.Fatalf("then nothing is dead-lettered, got %d redriven and %v", len(q.redriven), dlq.msgs)
			}
			if next != len(s.Events) {
				t.Fatalf("only %d of %d events arrived", next, len(s.Events))
			}
			if firstFailed == nil {
				t.Fatal("no message failed: the outage was not hit")
			}
			want, schedule := receivesToOutlast(debit.DefaultRetry, outEnd.Sub(firstFailed.receivedAt[0]))
			if firstFailed.receives != want {
				t.Errorf("then the first failed message is received %d times (at %v after its first receive), got %d at %v",
					want, schedule, firstFailed.receives, since(firstFailed.receivedAt))
			}
			compareBilling(t, p, org, oracle.Run(arrival, oracle.Options{Plan: pl, Now: base, Classify: classify}))
			t.Logf("%d events, %d handler calls; the first failed message, first received %v into the outage, was received %d times, at %v",
				len(arrival), calls, firstFailed.receivedAt[0].Sub(outStart), firstFailed.receives, since(firstFailed.receivedAt))
		})
	}
}

func since(ts []time.Time) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.Sub(ts[0]).Round(time.Second)
	}
	return out
}

// TestRetrySchedule pins the production schedule the outage test and
// docs/DESIGN.md rely on: given the events queue's maxReceiveCount and
// debit.DefaultRetry, then the delays double from 30 s to 15 min, every
// delay fits SQS's 12-hour visibility limit, an outage of 2 hours is
// outlived within 13 receives, and the last receive comes before the
// queue's retention would delete the message.
func TestRetrySchedule(t *testing.T) {
	r := debit.DefaultRetry
	if r.MaxReceives != resources.EventsQueue.MaxReceiveCount {
		t.Fatalf("the handler gives up at %d, the queue's redrive at %d: they must agree", r.MaxReceives, resources.EventsQueue.MaxReceiveCount)
	}
	var got []time.Duration
	for n := 1; n <= 7; n++ {
		got = append(got, r.Delay(n))
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delays %v, want %v", got, want)
	}
	if n, _ := receivesToOutlast(r, 10*time.Minute); n != 6 {
		t.Errorf("a 10-minute outage takes %d receives, want 6", n)
	}
	if n, _ := receivesToOutlast(r, 2*time.Hour); n != 13 {
		t.Errorf("a 2-hour outage takes %d receives, want 13", n)
	}
	var total time.Duration
	for n := 1; n < r.MaxReceives; n++ {
		total += r.Delay(n)
	}
	if total >= resources.EventsQueue.MessageRetention {
		t.Errorf("the last receive comes %v after the first, beyond the queue's %v retention", total, resources.EventsQueue.MessageRetention)
	}
	t.Logf("the handler gives up at receive %d, %v after the first (%.1f days)", r.MaxReceives, total, total.Hours()/24)
}
