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
	"github.com/customercloud/home/internal/ddbmeter"
	"github.com/customercloud/home/internal/pipeline"
	"github.com/customercloud/home/shared/event"
)

func send(t *testing.T, p *pipeline.Pipeline, group, id, body string) {
	t.Helper()
	if _, err := p.Env.SQS.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &p.QueueURL,
		MessageBody: &body, MessageGroupId: &group, MessageDeduplicationId: &id}); err != nil {
		t.Fatal(err)
	}
}

func ev(id string, at time.Time) event.Event {
	return event.Event{SpecVersion: "1.0", ID: id, Source: "test", Type: event.MessageReceived, Time: at, OrgID: "o1",
		Data: event.Data{ContactID: "c1", Channel: "whatsapp", RoutedTo: "human"}}
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

// TestFailuresAreRetriedThenRedriven: given DynamoDB failing every call for
// one batch after another, when the runner polls like the event source
// mapping, then failed messages are not deleted, come back after the
// visibility timeout, and after maxReceiveCount receives the queue's redrive
// moves them to the dead-letter queue; once DynamoDB recovers, a new message
// of another group is processed normally.
func TestFailuresAreRetriedThenRedriven(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{})
	rn := runner.New(runner.Config{SQS: p.Env.SQS, QueueURL: p.QueueURL, Debit: p.Processor.Handle,
		VisibilityTimeout: time.Second, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	body, _ := ev("x1", time.Now().Add(-time.Minute)).Encode()
	send(t, p, "o1#c1", "x1", string(body))
	p.Meter.SetFaults(ddbmeter.Faults{Before: 1})
	receives := 0
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		n, failed, err := rn.PollOnce(context.Background(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 && failed != n {
			t.Fatalf("then a failing batch is reported failed, got %d of %d", failed, n)
		}
		receives += n
		if len(p.DeadLetters(t)) > 0 {
			break
		}
	}
	if receives != 5 {
		t.Fatalf("then 5 receives before the redrive (maxReceiveCount), got %d", receives)
	}
	p.Meter.SetFaults(ddbmeter.Faults{})
	body2, _ := ev("x2", time.Now().Add(-time.Minute)).Encode()
	send(t, p, "o1#c1", "x2", string(body2))
	if n, failed, err := rn.PollOnce(context.Background(), time.Second); err != nil || n != 1 || failed != 0 {
		t.Fatalf("then the next message is processed: n=%d failed=%d err=%v", n, failed, err)
	}
}
