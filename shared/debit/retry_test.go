package debit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// recordingHold keeps what the handler held back, by message id.
type recordingHold struct {
	mu   sync.Mutex
	held map[string]time.Duration
	err  error
}

func (r *recordingHold) Hold(_ context.Context, hs []debit.Hold) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range hs {
		r.held[h.Msg.MessageId] = h.For
	}
	return r.err
}

// TestFailedMessagesAreHeldBackPerGroup: given DynamoDB failing every call
// and a batch with two contacts' groups, whose heads were received 3 times
// and once, plus a poison message, when the batch is handled, then the
// poison is dead-lettered and not failed, every valid message is failed and
// held, each group for the delay of its head's receive count (2 min and
// 30 s); and at a group head's last receive, the handler dead-letters that
// head with its reason and holds the rest of the group.
func TestFailedMessagesAreHeldBackPerGroup(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	msg := func(id, contact string, receives int) events.SQSMessage {
		e := contract.Event{SpecVersion: "1.0", ID: id, Source: "inbox", Type: contract.MessageReceived, Time: now.Add(-time.Hour),
			OrgID: "held", Data: contract.Data{ContactID: contact, Channel: "sms", RoutedTo: contract.RoutedHuman}}
		return testkit.WithReceives(testkit.Message(t, id, e), "rh-"+id, receives)
	}
	poison := events.SQSMessage{MessageId: "p", Body: `{"specversion":"1.0"`, Attributes: map[string]string{"MessageGroupId": "held#c3"}}
	batch := events.SQSEvent{Records: []events.SQSMessage{msg("a1", "c1", 3), msg("b1", "c2", 1), msg("a2", "c1", 2), poison}}
	cases := []struct {
		scenario    string
		maxReceives int
		wantFailed  []string
		wantHeld    map[string]time.Duration
		wantDead    []string
	}{
		{"storage down, no group at its limit", 1000, []string{"a1", "b1", "a2"},
			map[string]time.Duration{"a1": 2 * time.Minute, "a2": 2 * time.Minute, "b1": 30 * time.Second}, []string{"p"}},
		{"storage down, group c1's head at its last receive", 3, []string{"b1", "a2"},
			map[string]time.Duration{"a2": time.Minute, "b1": 30 * time.Second}, []string{"a1", "p"}},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			hold := &recordingHold{held: map[string]time.Duration{}}
			dlq := &recordingDLQ{msgs: map[string]string{}}
			retry := debit.DefaultRetry
			retry.MaxReceives = c.maxReceives
			proc, err := debit.New(debit.Config{Store: p.Store, DeadLetter: dlq, Classifier: sentiment.Offline{}, Log: discard(), Now: p.Clock.Now,
				Visibility: hold, Retry: retry})
			if err != nil {
				t.Fatal(err)
			}
			p.Meter.SetFaults(ddbmeter.Faults{Before: 1})
			defer p.Meter.SetFaults(ddbmeter.Faults{})

			resp, err := proc.Handle(context.Background(), batch)

			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, f := range resp.BatchItemFailures {
				failed = append(failed, f.ItemIdentifier)
			}
			if fmt.Sprint(failed) != fmt.Sprint(c.wantFailed) {
				t.Errorf("then failed %v, want %v", failed, c.wantFailed)
			}
			if fmt.Sprint(hold.held) != fmt.Sprint(c.wantHeld) {
				t.Errorf("then held %v, want %v", hold.held, c.wantHeld)
			}
			var dead []string
			for id, reason := range dlq.msgs {
				dead = append(dead, id)
				if id == "a1" && !strings.Contains(reason, "transient failure on all 3 receives") {
					t.Errorf("then a1's reason says it gave up after 3 receives, got %q", reason)
				}
			}
			if fmt.Sprint(sorted(dead)) != fmt.Sprint(c.wantDead) {
				t.Errorf("then dead-lettered %v, want %v", dead, c.wantDead)
			}
		})
	}
}

// TestRetryValidate: a schedule SQS cannot carry out is refused.
func TestRetryValidate(t *testing.T) {
	cases := []struct {
		scenario string
		r        debit.Retry
		ok       bool
	}{
		{"the production schedule", debit.DefaultRetry, true},
		{"no base", debit.Retry{Cap: time.Minute}, false},
		{"cap below base", debit.Retry{Base: time.Minute, Cap: time.Second}, false},
		{"cap beyond SQS's 12-hour visibility", debit.Retry{Base: time.Minute, Cap: 13 * time.Hour}, false},
		{"negative receives", debit.Retry{Base: time.Second, Cap: time.Second, MaxReceives: -1}, false},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			if err := c.r.Validate(); (err == nil) != c.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func discard() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func sorted(s []string) []string { sort.Strings(s); return s }
