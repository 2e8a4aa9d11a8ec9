// Package visibility holds failed messages of a queue back: it sets their
// visibility timeout (ChangeMessageVisibilityBatch on their receipt
// handles), so they, and with them the rest of their FIFO message group,
// come back when the retry schedule says rather than after the queue's
// fixed timeout.
package visibility

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/customercloud/home/shared/awscall/sqscall"

	"github.com/customercloud/home/shared/debit"
)

// API is the SQS call used.
type API interface {
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqscall.ChangeMessageVisibilityBatchInput) (*sqscall.ChangeMessageVisibilityBatchOutput, error)
}

// MaxTimeout is SQS's longest visibility timeout.
const MaxTimeout = 12 * time.Hour

// maxEntries is SQS's limit per batch call.
const maxEntries = 10

// Queue is the queue the messages were received from.
type Queue struct {
	client API
	url    string
}

// New returns the queue at url.
func New(client API, url string) *Queue { return &Queue{client: client, url: url} }

var _ debit.Visibility = (*Queue)(nil)

// Hold makes each message invisible for its duration from now (whole
// seconds, rounded up; at most MaxTimeout). It fails if any message could
// not be held: that one comes back after the queue's own timeout.
func (q *Queue) Hold(ctx context.Context, holds []debit.Hold) error {
	for start := 0; start < len(holds); start += maxEntries {
		chunk := holds[start:min(start+maxEntries, len(holds))]
		entries := make([]sqscall.ChangeMessageVisibilityBatchRequestEntry, len(chunk))
		for i, h := range chunk {
			d := min(max(h.For, 0), MaxTimeout)
			secs := int32((d + time.Second - 1) / time.Second)
			entries[i] = sqscall.ChangeMessageVisibilityBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(h.Msg.ReceiptHandle), VisibilityTimeout: secs,
			}
		}
		out, err := q.client.ChangeMessageVisibilityBatch(ctx, &sqscall.ChangeMessageVisibilityBatchInput{QueueUrl: &q.url, Entries: entries})
		if err != nil {
			return fmt.Errorf("hold %d messages: %w", len(chunk), err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("hold: %d of %d messages failed, first: %s %s", len(out.Failed), len(chunk), aws.ToString(f.Code), aws.ToString(f.Message))
		}
	}
	return nil
}
