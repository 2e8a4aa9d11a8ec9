// Package deadletter sets poison messages aside on the dead-letter queue at
// once, with the reason, instead of letting them block their FIFO group
// through maxReceiveCount retries.
package deadletter

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/customercloud/home/shared/awscall/sqscall"
)

// SendAPI is the SQS call used.
type SendAPI interface {
	SendMessage(ctx context.Context, in *sqscall.SendMessageInput) (*sqscall.SendMessageOutput, error)
}

// Queue is an SQS dead-letter queue.
type Queue struct {
	client SendAPI
	url    string
}

// New returns the dead-letter queue at url.
func New(client SendAPI, url string) *Queue { return &Queue{client: client, url: url} }

// maxReason keeps the reason attribute small; field errors are short.
const maxReason = 1024

// DeadLetter copies the message, unchanged, to the dead-letter queue with
// its reason and origin as message attributes. The deduplication id is the
// original message id, so a retried send does not duplicate it.
func (q *Queue) DeadLetter(ctx context.Context, m events.SQSMessage, reason string) error {
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	group := m.Attributes["MessageGroupId"]
	if group == "" {
		group = "poison"
	}
	body := m.Body
	if body == "" {
		body = "(empty)"
	}
	_, err := q.client.SendMessage(ctx, &sqscall.SendMessageInput{
		QueueUrl:               &q.url,
		MessageBody:            &body,
		MessageGroupId:         &group,
		MessageDeduplicationId: aws.String(m.MessageId),
		MessageAttributes: map[string]sqscall.MessageAttributeValue{
			"reason":          {DataType: aws.String("String"), StringValue: aws.String(reason)},
			"sourceMessageId": {DataType: aws.String("String"), StringValue: aws.String(m.MessageId)},
		},
	})
	if err != nil {
		return fmt.Errorf("dead-letter %s: %w", m.MessageId, err)
	}
	return nil
}
