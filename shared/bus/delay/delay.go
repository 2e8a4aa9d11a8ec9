// Package delay delays a failed message's next delivery on its SQS queue
// (backoff of outgoing webhooks). It is apart from shared/bus so that the
// notify function, which only delivers, does not link the EventBridge
// client the publishers need.
package delay

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/customercloud/home/shared/awscall/sqscall"
)

// VisibilityAPI is the SQS call that delays a message.
type VisibilityAPI interface {
	ChangeMessageVisibility(ctx context.Context, in *sqscall.ChangeMessageVisibilityInput) (*sqscall.ChangeMessageVisibilityOutput, error)
}

// Visibility delays a failed message's next delivery on a queue (backoff).
type Visibility struct {
	API      VisibilityAPI
	QueueURL string
}

// Delay hides the message for d (SQS allows at most 12 hours).
func (v Visibility) Delay(ctx context.Context, receiptHandle string, d time.Duration) error {
	secs := int32(min(d, 12*time.Hour) / time.Second)
	if _, err := v.API.ChangeMessageVisibility(ctx, &sqscall.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(v.QueueURL), ReceiptHandle: aws.String(receiptHandle), VisibilityTimeout: secs,
	}); err != nil {
		return fmt.Errorf("change visibility: %w", err)
	}
	return nil
}
