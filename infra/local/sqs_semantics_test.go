// Package local_test pins down the emulator behaviour the project relies on,
// against the running local stack (ElasticMQ for SQS, DynamoDB Local), so a
// change of emulator or version that breaks an assumption fails here, by
// name, rather than somewhere in a handler's tests.
//
// Where ElasticMQ and AWS differ, the test asserts what ElasticMQ does and
// its comment says what AWS does.
package local_test

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/tests/testenv"
)

// msg is a message to send: its group and deduplication id; the body is
// "<group>/<dedupe id>".
type msg struct{ group, dedupe string }

func (m msg) body() string { return m.group + "/" + m.dedupe }

func send(t *testing.T, c *sqs.Client, url string, msgs ...msg) []*sqs.SendMessageOutput {
	t.Helper()
	outs := make([]*sqs.SendMessageOutput, 0, len(msgs))
	for _, m := range msgs {
		out, err := c.SendMessage(t.Context(), &sqs.SendMessageInput{
			QueueUrl:               aws.String(url),
			MessageBody:            aws.String(m.body()),
			MessageGroupId:         aws.String(m.group),
			MessageDeduplicationId: aws.String(m.dedupe),
		})
		if err != nil {
			t.Fatalf("send %s: %v", m.body(), err)
		}
		outs = append(outs, out)
	}
	return outs
}

// receive does one receive of up to max messages; visibility 0 keeps the
// queue's default, wait 0 is a short poll.
func receive(t *testing.T, c *sqs.Client, url string, max, visibility, wait int32) []types.Message {
	t.Helper()
	out, err := c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(url),
		MaxNumberOfMessages:         max,
		VisibilityTimeout:           visibility,
		WaitTimeSeconds:             wait,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return out.Messages
}

func deleteMsgs(t *testing.T, c *sqs.Client, url string, ms []types.Message) {
	t.Helper()
	for _, m := range ms {
		if _, err := c.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatalf("delete %s: %v", aws.ToString(m.Body), err)
		}
	}
}

func bodies(ms []types.Message) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, aws.ToString(m.Body))
	}
	return out
}

func attr(m types.Message, name types.MessageSystemAttributeName) string {
	return m.Attributes[string(name)]
}

// drain receives (and deletes) want messages, max per receive, then checks
// the queue holds no more.
func drain(t *testing.T, env *testenv.Env, url string, max int32, want int) []types.Message {
	t.Helper()
	all := env.Receive(t, sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(url),
		MaxNumberOfMessages:         max,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}, want)
	env.AssertEmpty(t, url)
	return all
}

func TestGivenFIFOQueue_WhenDrained_ThenEachGroupComesInSendOrder(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	sent := []msg{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", "4"}, {"b", "5"}, {"a", "6"}, {"c", "7"}, {"a", "8"}}
	for _, max := range []int32{1, 3, 10} {
		t.Run(fmt.Sprintf("receiving %d at a time", max), func(t *testing.T) {
			t.Parallel()
			url, _ := env.NewQueues(t)
			send(t, env.SQS, url, sent...)

			got := drain(t, env, url, max, len(sent))

			if len(got) != len(sent) {
				t.Fatalf("received %d messages, sent %d: %v", len(got), len(sent), bodies(got))
			}
			lastSeq := map[string]int64{}
			for _, g := range []string{"a", "b", "c"} {
				var want, have []string
				for _, m := range sent {
					if m.group == g {
						want = append(want, m.body())
					}
				}
				for _, m := range got {
					if attr(m, types.MessageSystemAttributeNameMessageGroupId) == g {
						have = append(have, aws.ToString(m.Body))
					}
				}
				if !slices.Equal(have, want) {
					t.Errorf("group %s: received %v, want %v", g, have, want)
				}
			}
			// SequenceNumber grows within a group. (ElasticMQ numbers
			// messages 0, 1, 2… per queue; AWS uses 20-digit strings, so
			// compare numerically only as a sanity check here.)
			for _, m := range got {
				g := attr(m, types.MessageSystemAttributeNameMessageGroupId)
				seq, err := strconv.ParseInt(attr(m, types.MessageSystemAttributeNameSequenceNumber), 10, 64)
				if err != nil {
					t.Fatalf("SequenceNumber of %s: %v", aws.ToString(m.Body), err)
				}
				if prev, ok := lastSeq[g]; ok && seq <= prev {
					t.Errorf("group %s: SequenceNumber %d after %d", g, seq, prev)
				}
				lastSeq[g] = seq
			}
		})
	}
}

// On AWS a receive of 10 may return several messages of one group (in order);
// it is not guaranteed to return all of them. ElasticMQ returns every visible
// message of a group in one receive, groups one after the other (not
// interleaved in send order). The debit consumer must handle both: a batch
// with many messages of one contact, and a batch with one.
func TestGivenOneGroupWithFiveMessages_WhenReceivingTen_ThenElasticMQReturnsAllFiveInOrder(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	url, _ := env.NewQueues(t)
	send(t, env.SQS, url, msg{"a", "1"}, msg{"b", "2"}, msg{"a", "3"}, msg{"a", "4"}, msg{"b", "5"}, msg{"a", "6"}, msg{"a", "7"})

	got := bodies(receive(t, env.SQS, url, 10, 30, 0))

	want := []string{"a/1", "a/3", "a/4", "a/6", "a/7", "b/2", "b/5"}
	if !slices.Equal(got, want) {
		t.Errorf("one receive of 10 returned %v, want %v (grouped, in order within each group)", got, want)
	}
}

func TestGivenADeduplicationID_WhenSentAgainWithinTheWindow_ThenOnlyOneIsDelivered(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	tests := []struct {
		name string
		sent []msg
		want []string
	}{
		{"same group, same id", []msg{{"a", "x"}, {"a", "x"}}, []string{"a/x"}},
		{"same group, different ids", []msg{{"a", "x"}, {"a", "y"}}, []string{"a/x", "a/y"}},
		// The events queue asks for DeduplicationScope=messageGroup, under
		// which AWS delivers both. ElasticMQ 1.6.14 ignores that attribute
		// and deduplicates queue-wide, so the second is dropped. Producers
		// must therefore use ids unique across groups (event ids are).
		{"different groups, same id (ElasticMQ: queue-wide scope)", []msg{{"a", "x"}, {"b", "x"}}, []string{"a/x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, _ := env.NewQueues(t)
			outs := send(t, env.SQS, url, tc.sent...)

			got := bodies(drain(t, env, url, 10, len(tc.want)))

			if !slices.Equal(got, tc.want) {
				t.Errorf("received %v, want %v", got, tc.want)
			}
			if len(tc.want) == 1 {
				// A duplicate send succeeds and ElasticMQ answers with the
				// original's MessageId.
				if a, b := aws.ToString(outs[0].MessageId), aws.ToString(outs[1].MessageId); a != b {
					t.Errorf("duplicate send got MessageId %s, the original has %s", b, a)
				}
			}
		})
	}
}

func TestGivenAMessageInFlight_WhenItsVisibilityTimesOut_ThenItReappearsAndBlocksItsGroupMeanwhile(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	url, _ := env.NewQueues(t)
	send(t, env.SQS, url, msg{"a", "1"}, msg{"a", "2"}, msg{"b", "3"})

	// When a/1 is received with a 1 s visibility timeout and not deleted,
	first := receive(t, env.SQS, url, 1, 1, 0)
	start := time.Now()
	if got := bodies(first); !slices.Equal(got, []string{"a/1"}) {
		t.Fatalf("first receive: %v, want [a/1]", got)
	}

	// then, while it is in flight, group a is blocked: a/2 is not handed
	// out ahead of it, but group b is unaffected.
	during := receive(t, env.SQS, url, 10, 30, 0)
	if got := bodies(during); !slices.Equal(got, []string{"b/3"}) {
		t.Errorf("receive while a/1 in flight: %v, want only [b/3]", got)
	}
	deleteMsgs(t, env.SQS, url, during)

	// and after the timeout a/1 comes back first, received a second time.
	again := receive(t, env.SQS, url, 1, 30, 5)
	elapsed := time.Since(start)
	if len(again) != 1 || aws.ToString(again[0].Body) != "a/1" {
		t.Fatalf("after the visibility timeout: %v, want [a/1]", bodies(again))
	}
	if elapsed < 900*time.Millisecond {
		t.Errorf("a/1 reappeared after %v, before its 1 s visibility timeout", elapsed)
	}
	if n := attr(again[0], types.MessageSystemAttributeNameApproximateReceiveCount); n != "2" {
		t.Errorf("ApproximateReceiveCount = %q, want 2", n)
	}
	deleteMsgs(t, env.SQS, url, again)
	if got := bodies(drain(t, env, url, 10, 1)); !slices.Equal(got, []string{"a/2"}) {
		t.Errorf("after deleting a/1: %v, want [a/2]", got)
	}
}

func TestGivenAMessageNeverDeleted_WhenReceivedMaxReceiveCountTimes_ThenTheNextReceiveMovesItToTheDLQ(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	// The emulator's redrive at a small count: the events queue's real one
	// (1000) is checked by provision_test; receiving a message 1000 times
	// would cost seconds and show nothing more.
	const maxReceives = 5
	url, dlq := env.NewQueuesWithRedrive(t, maxReceives)
	send(t, env.SQS, url, msg{"a", "1"}, msg{"a", "2"})
	ctx := t.Context()

	// Receive a/1 MaxReceiveCount times, each time making it visible again
	// at once (ChangeMessageVisibility 0) instead of waiting out a timeout.
	for i := 1; i <= maxReceives; i++ {
		ms := receive(t, env.SQS, url, 1, 30, 0)
		if len(ms) != 1 || aws.ToString(ms[0].Body) != "a/1" {
			t.Fatalf("receive %d: %v, want [a/1]", i, bodies(ms))
		}
		if n := attr(ms[0], types.MessageSystemAttributeNameApproximateReceiveCount); n != strconv.Itoa(i) {
			t.Errorf("receive %d: ApproximateReceiveCount = %q", i, n)
		}
		if _, err := env.SQS.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(url), ReceiptHandle: ms[0].ReceiptHandle, VisibilityTimeout: 0,
		}); err != nil {
			t.Fatalf("change visibility: %v", err)
		}
	}

	// The next receive moves a/1 to the DLQ (as on AWS) and hands out the
	// rest of its group.
	next := receive(t, env.SQS, url, 10, 30, 0)
	if got := bodies(next); !slices.Equal(got, []string{"a/2"}) {
		t.Errorf("receive after %d receives: %v, want [a/2]", maxReceives, got)
	}
	dead := receive(t, env.SQS, dlq, 10, 30, 1)
	if len(dead) != 1 || aws.ToString(dead[0].Body) != "a/1" {
		t.Fatalf("DLQ holds %v, want [a/1]", bodies(dead))
	}
	if g := attr(dead[0], types.MessageSystemAttributeNameMessageGroupId); g != "a" {
		t.Errorf("DLQ message group = %q, want a (kept from the source queue)", g)
	}
	if src := attr(dead[0], types.MessageSystemAttributeNameDeadLetterQueueSourceArn); !strings.HasSuffix(src, ":"+path.Base(url)) {
		t.Errorf("DeadLetterQueueSourceArn = %q, want the source queue's ARN", src)
	}
	// Recorded, not relied on: ElasticMQ gives the DLQ copy a new random
	// MessageDeduplicationId and SequenceNumber and carries the receive
	// count over (6 on its first receive from the DLQ). Code that inspects
	// dead letters must key on the body (the event id), not on these.
	t.Logf("DLQ copy attributes: %v", dead[0].Attributes)
}

func TestGivenAFIFOMessage_WhenReceived_ThenItsSystemAttributesAreReturned(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	tests := []struct {
		name string
		in   sqs.ReceiveMessageInput
	}{
		{"MessageSystemAttributeNames All", sqs.ReceiveMessageInput{
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}}},
		{"MessageSystemAttributeNames by name", sqs.ReceiveMessageInput{
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{
				types.MessageSystemAttributeNameSequenceNumber,
				types.MessageSystemAttributeNameMessageGroupId,
				types.MessageSystemAttributeNameApproximateReceiveCount,
				types.MessageSystemAttributeNameMessageDeduplicationId,
				types.MessageSystemAttributeNameSentTimestamp,
			}}},
		// Deprecated request field, still what some pollers send.
		{"AttributeNames All (deprecated field)", sqs.ReceiveMessageInput{
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}}}, //lint:ignore SA1019 the deprecated field is what this case is about
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, _ := env.NewQueues(t)
			sent := send(t, env.SQS, url, msg{"contact-1", "evt-1"})

			in := tc.in
			in.QueueUrl = aws.String(url)
			in.MaxNumberOfMessages = 1
			out, err := env.SQS.ReceiveMessage(t.Context(), &in)
			if err != nil {
				t.Fatalf("receive: %v", err)
			}

			if len(out.Messages) != 1 {
				t.Fatalf("received %d messages, want 1", len(out.Messages))
			}
			m := out.Messages[0]
			want := map[types.MessageSystemAttributeName]string{
				types.MessageSystemAttributeNameSequenceNumber:          aws.ToString(sent[0].SequenceNumber),
				types.MessageSystemAttributeNameMessageGroupId:          "contact-1",
				types.MessageSystemAttributeNameApproximateReceiveCount: "1",
				types.MessageSystemAttributeNameMessageDeduplicationId:  "evt-1",
			}
			for k, v := range want {
				if got := attr(m, k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if attr(m, types.MessageSystemAttributeNameSentTimestamp) == "" {
				t.Errorf("SentTimestamp missing")
			}
		})
	}
}
