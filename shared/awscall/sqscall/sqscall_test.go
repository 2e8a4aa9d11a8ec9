package sqscall_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/shared/awscall"
	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/tests/testenv"
)

// TestGivenElasticMQ_WhenEachCallIsMade_ThenTheQueueDoesWhatTheSDKsClientWould
// holds the JSON protocol to the real emulator: what sqscall sends is
// received, with its group, deduplication id and attributes, by the SDK's
// client; visibility changes take effect; a bad receipt handle is a failed
// entry and a missing queue an *awscall.Error.
func TestGivenElasticMQ_WhenEachCallIsMade_ThenTheQueueDoesWhatTheSDKsClientWould(t *testing.T) {
	env := testenv.Stack(t)
	ctx := t.Context()
	url, dlq := env.NewQueues(t)
	q := env.Queues

	// given one message with attributes and a batch of two
	one, err := q.SendMessage(ctx, &sqscall.SendMessageInput{
		QueueUrl: aws.String(url), MessageBody: aws.String(`{"n":1,"é":"ü"}`),
		MessageGroupId: aws.String("g1"), MessageDeduplicationId: aws.String("d1"),
		MessageAttributes: map[string]sqscall.MessageAttributeValue{"reason": {DataType: aws.String("String"), StringValue: aws.String("why")}},
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	batch, err := q.SendMessageBatch(ctx, &sqscall.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqscall.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("two"), MessageGroupId: aws.String("g3"), MessageDeduplicationId: aws.String("d2")},
		{Id: aws.String("b"), MessageBody: aws.String("three"), MessageGroupId: aws.String("g2"), MessageDeduplicationId: aws.String("d3")},
	}})
	if err != nil {
		t.Fatalf("SendMessageBatch: %v", err)
	}

	// then they arrive as sent
	if aws.ToString(one.MessageId) == "" || len(batch.Successful) != 2 || len(batch.Failed) != 0 {
		t.Fatalf("answers: %+v, %+v", one, batch)
	}
	got, err := env.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		VisibilityTimeout: 30, MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	bodies := map[string]types.Message{}
	for _, m := range got.Messages {
		bodies[aws.ToString(m.Body)] = m
	}
	m, ok := bodies[`{"n":1,"é":"ü"}`]
	if !ok || len(got.Messages) != 3 {
		t.Fatalf("received %d messages: %v", len(got.Messages), bodies)
	}
	if m.Attributes["MessageGroupId"] != "g1" || m.Attributes["MessageDeduplicationId"] != "d1" ||
		aws.ToString(m.MessageAttributes["reason"].StringValue) != "why" || aws.ToString(m.MessageId) != aws.ToString(one.MessageId) {
		t.Errorf("message %+v", m)
	}

	// when one is made visible again at once and another's handle is bad
	if _, err := q.ChangeMessageVisibility(ctx, &sqscall.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatalf("ChangeMessageVisibility: %v", err)
	}
	vb, err := q.ChangeMessageVisibilityBatch(ctx, &sqscall.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: []sqscall.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("ok"), ReceiptHandle: bodies["three"].ReceiptHandle, VisibilityTimeout: 0},
		{Id: aws.String("bad"), ReceiptHandle: aws.String("not-a-handle"), VisibilityTimeout: 10},
	}})
	if err != nil {
		t.Fatalf("ChangeMessageVisibilityBatch: %v", err)
	}
	if len(vb.Successful) != 1 || aws.ToString(vb.Successful[0].Id) != "ok" || len(vb.Failed) != 1 || aws.ToString(vb.Failed[0].Id) != "bad" {
		t.Errorf("batch answer %+v", vb)
	}
	// then both come back now, and only they ("two" is still in flight)
	again, err := env.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatalf("receive again: %v", err)
	}
	var back []string
	for _, m := range again.Messages {
		back = append(back, aws.ToString(m.Body))
	}
	slices.Sort(back)
	if want := []string{"three", `{"n":1,"é":"ü"}`}; !slices.Equal(back, want) {
		t.Errorf("visible again: %q, want %q", back, want)
	}

	// and a missing queue is the service's error, not retried
	_, err = q.SendMessage(ctx, &sqscall.SendMessageInput{QueueUrl: aws.String(dlq + "-missing"), MessageBody: aws.String("x"),
		MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d")})
	var ae *awscall.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(ae.Code, "NonExistentQueue") && !strings.Contains(ae.Code, "QueueDoesNotExist") {
		t.Errorf("missing queue: %v", err)
	}
}

// TestGivenAStandIn_WhenSending_ThenJSON10SignedForSQSAndTheBodysMD5IsChecked:
// the request is SQS's JSON 1.0 (content type, target, signing scope) at
// SQS_ENDPOINT, and an answer whose MD5 does not match the body sent is an
// error, as the SDK's client makes it.
func TestGivenAStandIn_WhenSending_ThenJSON10SignedForSQSAndTheBodysMD5IsChecked(t *testing.T) {
	md5 := "0cc175b9c0f1b6a831c399e269772661" // of "a"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.0" || r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" ||
			!strings.Contains(auth, "/sa-east-1/sqs/aws4_request") {
			t.Errorf("request %s %v", r.URL.Path, r.Header)
		}
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		if _, has := in["DelaySeconds"]; has || in["QueueUrl"] != "http://q/1/x" {
			t.Errorf("body %v", in)
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": "m", "MD5OfMessageBody": md5})
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "sa-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "s", ""), HTTPClient: srv.Client()}
	c := sqscall.New(cfg, func(k string) string {
		if k == "SQS_ENDPOINT" {
			return srv.URL
		}
		return ""
	})
	send := func(body string) error {
		_, err := c.SendMessage(context.Background(), &sqscall.SendMessageInput{QueueUrl: aws.String("http://q/1/x"), MessageBody: aws.String(body)})
		return err
	}
	if err := send("a"); err != nil {
		t.Fatalf("matching MD5: %v", err)
	}
	if err := send("b"); err == nil || !strings.Contains(err.Error(), "MD5") {
		t.Fatalf("mismatched MD5: %v", err)
	}
}
