package runner_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
)

func send(t *testing.T, p *pipeline.Pipeline, group, id, body string) {
	t.Helper()
	if _, err := p.Env.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &p.QueueURL,
		MessageBody: &body, MessageGroupId: &group, MessageDeduplicationId: &id}); err != nil {
		t.Fatal(err)
	}
}

func ev(id string, at time.Time) contract.Event {
	return contract.Event{SpecVersion: "1.0", ID: id, Source: "test", Type: contract.MessageReceived, Time: at, OrgID: "o1",
		Data: contract.Data{ContactID: "c1", Channel: "whatsapp", RoutedTo: "human"}}
}

// TestPoisonGoesToDeadLetterQueue: given a group with a valid event, an
// undecodable body, an invalid event and another valid event, when the
// runner polls, then both poison messages are on the dead-letter queue with
// their reasons at once (no retries), and both valid events are applied.
func TestPoisonGoesToDeadLetterQueue(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{})
	now := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	good1, _ := ev("g1", now).Encode()
	good2, _ := ev("g2", now.Add(30*time.Hour)).Encode()
	group := "o1#c1"
	send(t, p, group, "1", string(good1))
	send(t, p, group, "2", `{"specversion":"1.0", this is not json`)
	send(t, p, group, "3", `{"specversion":"1.0","id":"bad","source":"test","type":"message.sent","time":"2026-01-01T00:00:00Z","orgid":"o1","data":{"contactId":"c1","channel":"fax","sender":"agent"}}`)
	send(t, p, group, "4", string(good2))
	p.Drain(t)
	dl := p.DeadLetters(t)
	if len(dl) != 2 {
		t.Fatalf("then two dead letters, got %v", dl)
	}
	for body, reason := range dl {
		switch {
		case strings.Contains(body, "not json") && !strings.Contains(reason, "malformed"):
			t.Errorf("undecodable body's reason %q", reason)
		case strings.Contains(body, "fax") && !strings.Contains(reason, "data.channel"):
			t.Errorf("invalid event's reason %q does not name data.channel", reason)
		}
	}
	entries, _, err := p.Store.Ledger(context.Background(), "o1", now.Add(-time.Hour), now.Add(48*time.Hour), "", 10)
	if err != nil || len(entries) != 2 {
		t.Fatalf("then both valid events debit (2 windows): %v %v", entries, err)
	}
}

// TestTransientFailuresHoldTheGroupBack: given a contact's two events (the
// second 23 h after the first, so in order it is free) and DynamoDB failing
// every call, when the runner polls like the event source mapping, then each
// receive of the group comes only after the retry schedule's delay (1 s,
// then 2 s), nothing reaches the dead-letter queue, and once DynamoDB
// recovers both are applied in order: one debit, opened by the first (had
// the second overtaken it, the debit would be the second's).
func TestTransientFailuresHoldTheGroupBack(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{})
	rn := runner.New(runner.Config{SQS: p.Env.SQS, QueueURL: p.QueueURL, Debit: p.Processor.Handle,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	t0 := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	b1, _ := ev("x1", t0).Encode()
	b2, _ := ev("x2", t0.Add(23*time.Hour)).Encode()
	send(t, p, "o1#c1", "x1", string(b1))
	send(t, p, "o1#c1", "x2", string(b2))
	p.Meter.SetFaults(ddbmeter.Faults{Before: 1})

	var at []time.Time
	deadline := time.Now().Add(20 * time.Second)
	for len(at) < 3 && time.Now().Before(deadline) {
		n, failed, err := rn.PollOnce(context.Background(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			if failed != n {
				t.Fatalf("then a failing batch is reported failed, got %d of %d", failed, n)
			}
			at = append(at, time.Now())
		}
	}
	if len(at) < 3 {
		t.Fatalf("then the group keeps being retried, got %d receives", len(at))
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		if gap := at[i+1].Sub(at[i]); gap < want {
			t.Errorf("then receive %d comes at least %v after the previous, got %v", i+2, want, gap)
		}
	}
	if dl := p.DeadLetters(t); len(dl) > 0 {
		t.Fatalf("then nothing is dead-lettered during the outage, got %v", dl)
	}
	p.Meter.SetFaults(ddbmeter.Faults{})
	p.Drain(t)
	entries, _, err := p.Store.Ledger(context.Background(), "o1", t0.Add(-time.Hour), time.Now(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].EventID != "x1" {
		t.Fatalf("then one debit, opened by x1, got %+v", entries)
	}
}

// TestTransientFailureAtTheLastReceiveIsDeadLetteredWithItsReason: given a
// retry schedule that gives up at the 3rd receive and DynamoDB failing every
// call, when the runner polls, then at the 3rd receive the handler itself
// sets the message aside on the dead-letter queue, with the failure as its
// reason (the queue's own redrive would carry none).
func TestTransientFailureAtTheLastReceiveIsDeadLetteredWithItsReason(t *testing.T) {
	retry := pipeline.TestRetry
	retry.MaxReceives = 3
	p := pipeline.New(t, pipeline.Options{Retry: &retry})
	rn := runner.New(runner.Config{SQS: p.Env.SQS, QueueURL: p.QueueURL, Debit: p.Processor.Handle,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	body, _ := ev("y1", time.Now().Add(-time.Minute)).Encode()
	send(t, p, "o1#c1", "y1", string(body))
	p.Meter.SetFaults(ddbmeter.Faults{Before: 1})
	receives := 0
	deadline := time.Now().Add(20 * time.Second)
	var dl map[string]string
	for len(dl) == 0 && time.Now().Before(deadline) {
		n, _, err := rn.PollOnce(context.Background(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		receives += n
		if n > 0 {
			dl = p.DeadLetters(t)
		}
	}
	if receives != 3 || len(dl) != 1 {
		t.Fatalf("then one dead letter after 3 receives, got %d receives and %v", receives, dl)
	}
	for _, reason := range dl {
		if !strings.Contains(reason, "transient failure on all 3 receives") || !strings.Contains(reason, "injected DynamoDB failure") {
			t.Errorf("then the reason says why, got %q", reason)
		}
	}
}
