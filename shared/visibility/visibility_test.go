package visibility

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/debit"
)

// calls records the requests; its answers fail the entries named in fail.
type calls struct {
	got  []*sqscall.ChangeMessageVisibilityBatchInput
	fail map[string]bool
}

func (c *calls) ChangeMessageVisibilityBatch(_ context.Context, in *sqscall.ChangeMessageVisibilityBatchInput) (*sqscall.ChangeMessageVisibilityBatchOutput, error) {
	c.got = append(c.got, in)
	out := &sqscall.ChangeMessageVisibilityBatchOutput{}
	for _, e := range in.Entries {
		if c.fail[aws.ToString(e.ReceiptHandle)] {
			out.Failed = append(out.Failed, sqscall.BatchResultErrorEntry{Id: e.Id, Code: aws.String("ReceiptHandleIsInvalid")})
		}
	}
	return out, nil
}

// TestHold: given holds of odd lengths, when they are sent, then each
// timeout is whole seconds rounded up and at most 12 hours, calls carry at
// most ten entries, and a failed entry is an error.
func TestHold(t *testing.T) {
	var hs []debit.Hold
	durations := []time.Duration{30 * time.Second, 1500 * time.Millisecond, 0, 13 * time.Hour, 15 * time.Minute}
	for i := range 12 {
		hs = append(hs, debit.Hold{Msg: events.SQSMessage{ReceiptHandle: fmt.Sprintf("rh%d", i)}, For: durations[i%len(durations)]})
	}
	c := &calls{}
	if err := New(c, "q").Hold(context.Background(), hs); err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || len(c.got[0].Entries) != 10 || len(c.got[1].Entries) != 2 {
		t.Fatalf("then two calls of 10 and 2 entries, got %d", len(c.got))
	}
	want := []int32{30, 2, 0, 43200, 900}
	for i, e := range c.got[0].Entries {
		if e.VisibilityTimeout != want[i%len(want)] || aws.ToString(e.ReceiptHandle) != fmt.Sprintf("rh%d", i) {
			t.Errorf("entry %d: %s for %d s, want rh%d for %d s", i, aws.ToString(e.ReceiptHandle), e.VisibilityTimeout, i, want[i%len(want)])
		}
	}
	c = &calls{fail: map[string]bool{"rh1": true}}
	if err := New(c, "q").Hold(context.Background(), hs[:3]); err == nil {
		t.Fatal("then a failed entry is an error")
	}
}
