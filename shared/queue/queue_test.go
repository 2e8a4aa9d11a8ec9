package queue_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/queue"
	"github.com/customercloud/home/tests/testenv"
)

var t0 = time.Date(2025, 6, 8, 20, 0, 0, 0, time.UTC)

func sent(org, contact, id string, at time.Time) contract.Event {
	return contract.Event{SpecVersion: "1.0", ID: id, Source: "inbox", Type: contract.MessageSent, Time: at, OrgID: org,
		Data: contract.Data{ContactID: contact, Channel: "whatsapp", Sender: contract.SenderAgent}}
}

// received is one message read back from the queue with the attributes the
// publisher is responsible for.
type received struct {
	body, group, dedup string
}

// drain receives the want messages expected on the queue (deleting them),
// then checks nothing more is there.
func drain(t *testing.T, env *testenv.Env, url string, want int) []received {
	t.Helper()
	msgs := env.Receive(t, sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{
			types.MessageSystemAttributeNameMessageGroupId, types.MessageSystemAttributeNameMessageDeduplicationId,
		},
	}, want)
	env.AssertEmpty(t, url)
	out := make([]received, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, received{
			body:  aws.ToString(m.Body),
			group: m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)],
			dedup: m.Attributes[string(types.MessageSystemAttributeNameMessageDeduplicationId)],
		})
	}
	return out
}

func TestSQSPublisherAgainstElasticMQ(t *testing.T) {
	env := testenv.Stack(t)
	tests := []struct {
		name   string
		events func() []contract.Event
		// publishTwice sends the same events twice, as a producer retry would.
		publishTwice bool
		wantOnQueue  int
		wantCalls    []int // entries per SendMessageBatch call, when checked
	}{
		{
			name: "given 23 events of 3 contacts, when published, then they go in calls of 10, 10 and 3 and are all on the queue with group, dedupe id and body from the contract",
			events: func() []contract.Event {
				var evs []contract.Event
				for i := range 23 {
					evs = append(evs, sent("org-1", fmt.Sprintf("c-%d", i%3), fmt.Sprintf("m-%02d", i), t0.Add(time.Duration(i)*time.Second)))
				}
				return evs
			},
			wantOnQueue: 23,
			wantCalls:   []int{10, 10, 3},
		},
		{
			name: "given a batch published twice, when the queue deduplicates on (source, id), then each event is on the queue once",
			events: func() []contract.Event {
				return []contract.Event{sent("org-1", "c-1", "dup-1", t0), sent("org-1", "c-2", "dup-2", t0)}
			},
			publishTwice: true,
			wantOnQueue:  2,
		},
		{
			name: "given organization-scoped events, when published, then they share the organization's group",
			events: func() []contract.Event {
				return []contract.Event{
					{SpecVersion: "1.0", ID: "ch-1", Source: "inbox", Type: contract.ChannelEnabled, Time: t0, OrgID: "org-2", Data: contract.Data{Channel: "sms"}},
					{SpecVersion: "1.0", ID: "u-1", Source: "inbox", Type: contract.UserAdded, Time: t0, OrgID: "org-2", Data: contract.Data{UserID: "u-1"}},
				}
			},
			wantOnQueue: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url, _ := env.NewQueues(t)
			counting := &faultySQS{real: env.Queues}
			pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: counting, QueueURL: url})
			if err != nil {
				t.Fatal(err)
			}
			evs := tc.events()
			rounds := 1
			if tc.publishTwice {
				rounds = 2
			}
			for range rounds {
				results, err := pub.Publish(context.Background(), evs)
				if err != nil {
					t.Fatalf("publish: %v", err)
				}
				for i, r := range results {
					if r.Err != nil || r.MessageID == "" {
						t.Fatalf("event %d: %+v", i, r)
					}
				}
			}
			if tc.wantCalls != nil && fmt.Sprint(counting.calls) != fmt.Sprint(tc.wantCalls) {
				t.Errorf("calls %v, want %v", counting.calls, tc.wantCalls)
			}
			got := drain(t, env, url, tc.wantOnQueue)
			if len(got) != tc.wantOnQueue {
				t.Fatalf("got %d messages, want %d", len(got), tc.wantOnQueue)
			}
			byID := map[string]contract.Event{}
			for _, ev := range evs {
				byID[ev.ID] = ev
			}
			lastInGroup := map[string]time.Time{}
			for _, m := range got {
				ev, err := contract.Decode([]byte(m.body), t0.Add(time.Hour))
				if err != nil {
					t.Fatalf("body on the queue is not a contract event: %v", err)
				}
				want := byID[ev.ID]
				wantBody, _ := want.Encode()
				if m.body != string(wantBody) {
					t.Errorf("body %s, want %s", m.body, wantBody)
				}
				if m.group != want.MessageGroupID() || m.dedup != want.DeduplicationID() {
					t.Errorf("event %s: group %q dedup %q, want %q %q", ev.ID, m.group, m.dedup, want.MessageGroupID(), want.DeduplicationID())
				}
				if prev, ok := lastInGroup[m.group]; ok && ev.Time.Before(prev) {
					t.Errorf("group %s out of order: %s after %s", m.group, ev.Time, prev)
				}
				lastInGroup[m.group] = ev.Time
			}
		})
	}
}

// faultySQS passes calls through to the real emulator but first makes
// chosen entries fail, as SendMessageBatch reports partial failures: the
// failing entries are taken out of the real call and reported in Failed.
type faultySQS struct {
	real queue.SQSAPI
	mu   sync.Mutex
	// failures says, per event id, how many more sends of it fail and whether
	// as the sender's fault.
	failures map[string]fault
	calls    []int // entries per call
}

type fault struct {
	times       int
	senderFault bool
}

func (f *faultySQS) SendMessageBatch(ctx context.Context, in *sqscall.SendMessageBatchInput) (*sqscall.SendMessageBatchOutput, error) {
	f.mu.Lock()
	f.calls = append(f.calls, len(in.Entries))
	var pass []sqscall.SendMessageBatchRequestEntry
	var failed []sqscall.BatchResultErrorEntry
	for _, e := range in.Entries {
		id := idOf(aws.ToString(e.MessageBody))
		if fl, ok := f.failures[id]; ok && fl.times > 0 {
			fl.times--
			f.failures[id] = fl
			code := "InternalError"
			if fl.senderFault {
				code = "InvalidParameterValue"
			}
			failed = append(failed, sqscall.BatchResultErrorEntry{Id: e.Id, Code: aws.String(code), Message: aws.String("injected"), SenderFault: fl.senderFault})
			continue
		}
		pass = append(pass, e)
	}
	f.mu.Unlock()
	out := &sqscall.SendMessageBatchOutput{Failed: failed}
	if len(pass) > 0 {
		real, err := f.real.SendMessageBatch(ctx, &sqscall.SendMessageBatchInput{QueueUrl: in.QueueUrl, Entries: pass})
		if err != nil {
			return nil, err
		}
		out.Successful = real.Successful
		out.Failed = append(out.Failed, real.Failed...)
	}
	return out, nil
}

func idOf(body string) string {
	ev, err := contract.Decode([]byte(body), t0.Add(time.Hour))
	if err != nil {
		return ""
	}
	return ev.ID
}

func TestSQSPublisherPartialFailures(t *testing.T) {
	env := testenv.Stack(t)
	tests := []struct {
		name       string
		events     []contract.Event
		failures   map[string]fault
		maxAttempt int
		// wantErr maps event id to the error it must end with (nil = enqueued).
		wantErr    map[string]error
		wantQueued []string
	}{
		{
			name:       "given an entry failing once on the queue's side, when published, then it is retried and every event is on the queue",
			events:     []contract.Event{sent("org-1", "c-1", "a", t0), sent("org-1", "c-2", "b", t0), sent("org-1", "c-1", "c", t0.Add(time.Second))},
			failures:   map[string]fault{"b": {times: 1}},
			wantErr:    map[string]error{"a": nil, "b": nil, "c": nil},
			wantQueued: []string{"a", "b", "c"},
		},
		{
			name:       "given an entry failing on every attempt, when published, then it is reported unavailable and the rest are on the queue",
			events:     []contract.Event{sent("org-1", "c-1", "a", t0), sent("org-1", "c-2", "b", t0)},
			failures:   map[string]fault{"b": {times: 99}},
			maxAttempt: 2,
			wantErr:    map[string]error{"a": nil, "b": queue.ErrUnavailable},
			wantQueued: []string{"a"},
		},
		{
			name: "given an entry rejected as the sender's fault, when published, then it is not retried and later events of its group are held back",
			events: func() []contract.Event {
				evs := []contract.Event{sent("org-1", "c-1", "bad", t0)}
				for i := range 10 { // push c-1's next event into the second chunk
					evs = append(evs, sent("org-1", fmt.Sprintf("o-%d", i), fmt.Sprintf("o%d", i), t0))
				}
				return append(evs, sent("org-1", "c-1", "after", t0.Add(time.Second)))
			}(),
			failures: map[string]fault{"bad": {times: 1, senderFault: true}},
			wantErr: map[string]error{"bad": queue.ErrRejected, "after": queue.ErrGroupBlocked,
				"o0": nil, "o9": nil},
			wantQueued: []string{"o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url, _ := env.NewQueues(t)
			api := &faultySQS{real: env.Queues, failures: tc.failures}
			pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: api, QueueURL: url, MaxAttempts: tc.maxAttempt, BaseBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			results, err := pub.Publish(context.Background(), tc.events)
			anyFail := false
			for i, ev := range tc.events {
				want, ok := tc.wantErr[ev.ID]
				if !ok {
					continue
				}
				got := results[i].Err
				if (want == nil) != (got == nil) || (want != nil && !errors.Is(got, want)) {
					t.Errorf("event %s: err %v, want %v", ev.ID, got, want)
				}
				anyFail = anyFail || want != nil
			}
			var pe *queue.PublishError
			if anyFail != errors.As(err, &pe) {
				t.Errorf("Publish error %v, want a PublishError: %v", err, anyFail)
			}
			got := drain(t, env, url, len(tc.wantQueued))
			var ids []string
			for _, m := range got {
				ids = append(ids, idOf(m.body))
			}
			if strings.Join(sorted(ids), ",") != strings.Join(sorted(tc.wantQueued), ",") {
				t.Errorf("on the queue %v, want %v", ids, tc.wantQueued)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestSQSPublisherLimits(t *testing.T) {
	env := testenv.Stack(t)
	t.Run("given events whose bodies add up past 256 KiB, when published, then chunks stay within the batch payload limit and all are enqueued", func(t *testing.T) {
		url, _ := env.NewQueues(t)
		api := &faultySQS{real: env.Queues}
		pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: api, QueueURL: url})
		if err != nil {
			t.Fatal(err)
		}
		// Text is escaped to 6 bytes per '<' by the encoder: ~24 KiB per event.
		var evs []contract.Event
		for i := range 12 {
			evs = append(evs, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("big-%d", i), Source: "chatbot", Type: contract.MessageReceived,
				Time: t0, OrgID: "org-1", Data: contract.Data{ContactID: fmt.Sprintf("c-%d", i), Channel: "webchat", RoutedTo: "bot", Text: strings.Repeat("<", 4096)}})
		}
		if _, err := pub.Publish(context.Background(), evs); err != nil {
			t.Fatalf("publish: %v", err)
		}
		if len(api.calls) < 2 {
			t.Errorf("want the 12 large events split over at least 2 calls, got %v", api.calls)
		}
		if got := drain(t, env, url, 12); len(got) != 12 {
			t.Fatalf("got %d messages", len(got))
		}
	})
	t.Run("given an event that cannot be encoded within an SQS message, when published, then it fails with ErrTooLarge and is not sent", func(t *testing.T) {
		url, _ := env.NewQueues(t)
		pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: env.Queues, QueueURL: url})
		if err != nil {
			t.Fatal(err)
		}
		huge := sent("org-1", "c-1", "huge", t0)
		huge.Data.Text = strings.Repeat("<", queue.MaxMessageBytes/6+1)
		results, err := pub.Publish(context.Background(), []contract.Event{huge, sent("org-1", "c-2", "fine", t0)})
		if !errors.Is(err, queue.ErrTooLarge) || !errors.Is(results[0].Err, queue.ErrTooLarge) || results[1].Err != nil {
			t.Fatalf("got %v, %+v", err, results)
		}
		if got := drain(t, env, url, 1); len(got) != 1 {
			t.Fatalf("got %d messages", len(got))
		}
	})
}

func TestSQSConfigValidate(t *testing.T) {
	api := &faultySQS{}
	tests := []struct {
		name    string
		cfg     queue.SQSConfig
		wantErr bool
	}{
		{name: "given a client and a FIFO queue URL, when validated, then it is fine", cfg: queue.SQSConfig{API: api, QueueURL: "http://x/1/q.fifo"}},
		{name: "given no client, when validated, then an error", cfg: queue.SQSConfig{QueueURL: "http://x/1/q.fifo"}, wantErr: true},
		{name: "given a standard queue URL, when validated, then an error (group and dedupe need FIFO)", cfg: queue.SQSConfig{API: api, QueueURL: "http://x/1/q"}, wantErr: true},
		{name: "given negative retries, when validated, then an error", cfg: queue.SQSConfig{API: api, QueueURL: "http://x/1/q.fifo", MaxAttempts: -1}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err != nil) != tc.wantErr {
				t.Fatalf("got %v", err)
			}
		})
	}
}
