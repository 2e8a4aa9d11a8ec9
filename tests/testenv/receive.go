package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// receiveDeadline bounds how long Receive waits for the messages it expects.
const receiveDeadline = 20 * time.Second

// receiveVisibility is the visibility timeout Receive asks for when the
// caller sets none. A receive whose response is lost on the wire (the SDK
// then retries it) leaves its messages in flight until this expires, so it
// is short: they come back within seconds instead of after the queue's 60.
const receiveVisibility = 3

// Receive reads and deletes messages with in (QueueUrl, attributes,
// MaxNumberOfMessages) until want distinct messages have arrived or a
// deadline passes, and returns them in the order received; the caller
// asserts on them. An empty receive does not end the wait: it can come back
// empty while messages are in flight from a receive whose answer was lost.
func (e *Env) Receive(t testing.TB, in sqs.ReceiveMessageInput, want int) []types.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), receiveDeadline+10*time.Second)
	defer cancel()
	if in.MaxNumberOfMessages == 0 {
		in.MaxNumberOfMessages = 10
	}
	if in.VisibilityTimeout == 0 {
		in.VisibilityTimeout = receiveVisibility
	}
	in.WaitTimeSeconds = 1
	seen := map[string]bool{}
	var out []types.Message
	for deadline := time.Now().Add(receiveDeadline); len(out) < want && time.Now().Before(deadline); {
		res, err := e.SQS.ReceiveMessage(ctx, &in)
		if err != nil {
			t.Fatalf("receive from %s: %v", aws.ToString(in.QueueUrl), err)
		}
		for _, m := range res.Messages {
			if _, err := e.SQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: in.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if id := aws.ToString(m.MessageId); !seen[id] {
				seen[id] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// AssertEmpty fails the test if a message is still visible on url.
func (e *Env) AssertEmpty(t testing.TB, url string) {
	t.Helper()
	res, err := e.SQS.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: receiveVisibility,
	})
	if err != nil {
		t.Fatalf("receive from %s: %v", url, err)
	}
	if n := len(res.Messages); n > 0 {
		t.Fatalf("%d more messages than expected on %s", n, url)
	}
}
