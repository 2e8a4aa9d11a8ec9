// Package testkit builds the inputs tests and benchmarks hand the system:
// the SQS records the FIFO event source delivers to the debit handler, and
// a dead-letter queue stand-in. It is the one place these are written, so
// a change to how the event source shapes a record is made once.
//
// The emulator clients and isolated resources are tests/testenv's; the
// metering DynamoDB client is tests/ddbmeter's.
package testkit

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/contract"
)

// Message is e as the SQS FIFO event source hands it to the debit handler:
// id as its message id, the encoded event as its body and e's message
// group as its MessageGroupId. Callers that need more of what SQS sets
// (a receipt handle, a receive count, a sequence number) set them on the
// result, or use WithSequence and WithReceives. An event that does not
// encode fails the test.
func Message(tb testing.TB, id string, e contract.Event) events.SQSMessage {
	tb.Helper()
	body, err := e.Encode()
	if err != nil {
		tb.Fatalf("encode event %s: %v", e.ID, err)
	}
	return events.SQSMessage{MessageId: id, Body: string(body),
		Attributes: map[string]string{"MessageGroupId": e.MessageGroupID()}}
}

// Batch is evs as one delivery, message i with id idOf(i).
func Batch(tb testing.TB, evs []contract.Event, idOf func(i int) string) events.SQSEvent {
	tb.Helper()
	var b events.SQSEvent
	for i, e := range evs {
		b.Records = append(b.Records, Message(tb, idOf(i), e))
	}
	return b
}

// WithGroup returns m in message group group instead of its event's (a
// message sent by an older producer).
func WithGroup(m events.SQSMessage, group string) events.SQSMessage {
	m.Attributes["MessageGroupId"] = group
	return m
}

// WithSequence returns m with the FIFO SequenceNumber SQS gave it at send.
func WithSequence(m events.SQSMessage, seq int) events.SQSMessage {
	m.Attributes["SequenceNumber"] = strconv.Itoa(seq)
	return m
}

// WithReceives returns m as received for the receives-th time, with the
// receipt handle handle (ApproximateReceiveCount, which the debit handler's
// retry schedule reads).
func WithReceives(m events.SQSMessage, handle string, receives int) events.SQSMessage {
	m.ReceiptHandle = handle
	m.Attributes["ApproximateReceiveCount"] = strconv.Itoa(receives)
	return m
}

// NoDLQ is a dead-letter queue that drops what it is given, for runs with
// no queues (benchmarks, pipelines without SQS) where nothing is expected
// to be set aside or the caller counts it elsewhere.
type NoDLQ struct{}

// DeadLetter implements debit.DeadLetter by dropping m.
func (NoDLQ) DeadLetter(context.Context, events.SQSMessage, string) error { return nil }

// ByGroup sorts evs into their SQS message groups: the groups in the order
// of their first event, and each group's event indexes in stream order
// (the order SQS FIFO keeps within a group).
func ByGroup(evs []contract.Event) (groups []string, members map[string][]int) {
	members = map[string][]int{}
	for i, e := range evs {
		g := e.MessageGroupID()
		if _, ok := members[g]; !ok {
			groups = append(groups, g)
		}
		members[g] = append(members[g], i)
	}
	return groups, members
}

// Must turns a constructor's value and error into the value, failing the
// test on the error: testkit.Must(store.New(cfg))(t) builds with the
// Config-and-New constructors (store.New, debit.New, …) in one line.
func Must[T any](v T, err error) func(tb testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("build %T: %v", v, err)
		}
		return v
	}
}

// EqualMap fails the test where got is not want: each key of want whose
// value in got differs, then, if got has other keys, the two maps whole.
// what names the map in the messages. It is the one map comparison the
// tests that check a set of named strings (IAM statements, stack
// variables) share.
func EqualMap[K, V comparable](tb testing.TB, what string, got, want map[K]V) {
	tb.Helper()
	for k, w := range want {
		if got[k] != w {
			tb.Errorf("%s %v: got %#v, want %#v", what, k, got[k], w)
		}
	}
	if len(got) != len(want) {
		tb.Errorf("%s %v, want exactly %v", what, got, want)
	}
}
