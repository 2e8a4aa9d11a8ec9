// Package sqscall makes the SQS calls the functions use (SendMessage,
// SendMessageBatch, ChangeMessageVisibility, ChangeMessageVisibilityBatch)
// in SQS's AWS JSON 1.0 protocol through awscall, instead of the SDK's SQS
// client: that package builds, at package init, the schemas of all of SQS's
// operations and its endpoint tables (0.24 MB in about 1,600 allocations),
// paid at every cold start of every function that touches a queue. The
// types are named and shaped as the SDK's (their JSON is the protocol's
// body), so the call sites read the same. Tools and tests that receive,
// delete or create queues keep the SDK's client (awscfg/sqscfg).
package sqscall

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/customercloud/home/shared/awscall"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/resources"
)

// Client calls SQS. It is safe for concurrent use.
type Client struct {
	call *awscall.Client
}

// New returns a Client with cfg that talks to SQS_ENDPOINT, read through
// getenv, when it is set (the local ElasticMQ), else to
// AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL, else the region's. The
// endpoint is never derived from the host inside a queue URL.
func New(cfg aws.Config, getenv awscfg.Getenv) *Client {
	c := awscall.New(cfg, awscall.SQS)
	if e, _ := awscfg.Endpoint(getenv, resources.EnvSQSEndpoint, "SQS"); e != "" {
		c.Endpoint = strings.TrimSuffix(e, "/") + "/"
	}
	return &Client{call: c}
}

// Endpoint is where the client sends its calls.
func (c *Client) Endpoint() string { return c.call.Endpoint }

// MessageAttributeValue is a message attribute (String or Number data types).
type MessageAttributeValue struct {
	DataType    *string `json:",omitempty"`
	StringValue *string `json:",omitempty"`
}

// SendMessageInput is SendMessage's request.
type SendMessageInput struct {
	QueueUrl               *string                          `json:",omitempty"`
	MessageBody            *string                          `json:",omitempty"`
	DelaySeconds           int32                            `json:",omitempty"`
	MessageAttributes      map[string]MessageAttributeValue `json:",omitempty"`
	MessageDeduplicationId *string                          `json:",omitempty"`
	MessageGroupId         *string                          `json:",omitempty"`
}

// SendMessageOutput is SendMessage's answer.
type SendMessageOutput struct {
	MessageId        *string
	MD5OfMessageBody *string
	SequenceNumber   *string
}

// SendMessageBatchRequestEntry is one message of a SendMessageBatch.
type SendMessageBatchRequestEntry struct {
	Id                     *string `json:",omitempty"`
	MessageBody            *string `json:",omitempty"`
	DelaySeconds           int32   `json:",omitempty"`
	MessageDeduplicationId *string `json:",omitempty"`
	MessageGroupId         *string `json:",omitempty"`
}

// SendMessageBatchInput is SendMessageBatch's request.
type SendMessageBatchInput struct {
	QueueUrl *string `json:",omitempty"`
	Entries  []SendMessageBatchRequestEntry
}

// SendMessageBatchResultEntry is one message SendMessageBatch sent.
type SendMessageBatchResultEntry struct {
	Id               *string
	MessageId        *string
	MD5OfMessageBody *string
	SequenceNumber   *string
}

// BatchResultErrorEntry is one entry a batch call did not do.
type BatchResultErrorEntry struct {
	Id          *string
	Code        *string
	Message     *string
	SenderFault bool
}

// SendMessageBatchOutput is SendMessageBatch's answer.
type SendMessageBatchOutput struct {
	Successful []SendMessageBatchResultEntry
	Failed     []BatchResultErrorEntry
}

// ChangeMessageVisibilityInput is ChangeMessageVisibility's request.
type ChangeMessageVisibilityInput struct {
	QueueUrl          *string `json:",omitempty"`
	ReceiptHandle     *string `json:",omitempty"`
	VisibilityTimeout int32   // 0 is meaningful: visible again now
}

// ChangeMessageVisibilityOutput is ChangeMessageVisibility's (empty) answer.
type ChangeMessageVisibilityOutput struct{}

// ChangeMessageVisibilityBatchRequestEntry is one message of a
// ChangeMessageVisibilityBatch.
type ChangeMessageVisibilityBatchRequestEntry struct {
	Id                *string `json:",omitempty"`
	ReceiptHandle     *string `json:",omitempty"`
	VisibilityTimeout int32
}

// ChangeMessageVisibilityBatchInput is ChangeMessageVisibilityBatch's
// request.
type ChangeMessageVisibilityBatchInput struct {
	QueueUrl *string `json:",omitempty"`
	Entries  []ChangeMessageVisibilityBatchRequestEntry
}

// ChangeMessageVisibilityBatchResultEntry is one message whose visibility
// was changed.
type ChangeMessageVisibilityBatchResultEntry struct {
	Id *string
}

// ChangeMessageVisibilityBatchOutput is ChangeMessageVisibilityBatch's
// answer.
type ChangeMessageVisibilityBatchOutput struct {
	Successful []ChangeMessageVisibilityBatchResultEntry
	Failed     []BatchResultErrorEntry
}

// SendMessage sends one message. As the SDK's client does, it checks the
// answer's MD5 of the body against the body sent.
func (c *Client) SendMessage(ctx context.Context, in *SendMessageInput) (*SendMessageOutput, error) {
	var out SendMessageOutput
	if err := c.call.Call(ctx, "SendMessage", in, &out); err != nil {
		return nil, err
	}
	if err := checkMD5(aws.ToString(in.MessageBody), out.MD5OfMessageBody); err != nil {
		return nil, fmt.Errorf("sqs: SendMessage: %w", err)
	}
	return &out, nil
}

// SendMessageBatch sends up to ten messages; each is in the answer's
// Successful or Failed. As the SDK's client does, it checks every
// successful entry's MD5 of the body against the body sent.
func (c *Client) SendMessageBatch(ctx context.Context, in *SendMessageBatchInput) (*SendMessageBatchOutput, error) {
	var out SendMessageBatchOutput
	if err := c.call.Call(ctx, "SendMessageBatch", in, &out); err != nil {
		return nil, err
	}
	bodies := make(map[string]string, len(in.Entries))
	for _, e := range in.Entries {
		bodies[aws.ToString(e.Id)] = aws.ToString(e.MessageBody)
	}
	for _, ok := range out.Successful {
		if err := checkMD5(bodies[aws.ToString(ok.Id)], ok.MD5OfMessageBody); err != nil {
			return nil, fmt.Errorf("sqs: SendMessageBatch entry %s: %w", aws.ToString(ok.Id), err)
		}
	}
	return &out, nil
}

// ChangeMessageVisibility sets one received message's visibility timeout.
func (c *Client) ChangeMessageVisibility(ctx context.Context, in *ChangeMessageVisibilityInput) (*ChangeMessageVisibilityOutput, error) {
	if err := c.call.Call(ctx, "ChangeMessageVisibility", in, nil); err != nil {
		return nil, err
	}
	return &ChangeMessageVisibilityOutput{}, nil
}

// ChangeMessageVisibilityBatch sets up to ten received messages'
// visibility timeouts; each is in the answer's Successful or Failed.
func (c *Client) ChangeMessageVisibilityBatch(ctx context.Context, in *ChangeMessageVisibilityBatchInput) (*ChangeMessageVisibilityBatchOutput, error) {
	var out ChangeMessageVisibilityBatchOutput
	if err := c.call.Call(ctx, "ChangeMessageVisibilityBatch", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// checkMD5 compares SQS's MD5 of a body with the body's; an answer without
// one is not checked (the SDK's client skips it too).
func checkMD5(body string, got *string) error {
	if got == nil {
		return nil
	}
	sum := md5.Sum([]byte(body))
	if want := hex.EncodeToString(sum[:]); !strings.EqualFold(*got, want) {
		return fmt.Errorf("MD5 of the message body %s, want %s", *got, want)
	}
	return nil
}
