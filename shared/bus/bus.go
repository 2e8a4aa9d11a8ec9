// Package bus publishes threshold notifications: to an EventBridge custom
// bus in AWS, and, on this machine, to SQS queues standing for the bus's
// rule targets, each message body being the event exactly as EventBridge
// delivers it to an SQS target.
package bus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/shared/alerts"
)

// maxEntries is PutEvents' limit per call.
const maxEntries = 10

// PutEventsAPI is the EventBridge call used.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// EventBridge publishes to a custom bus.
type EventBridge struct {
	API     PutEventsAPI
	BusName string
}

// Publish puts one event per notification; any failed entry fails the call
// (the marks stay pending and are published again: the notification id
// lets consumers drop the repeats).
func (b EventBridge) Publish(ctx context.Context, ns []alerts.Notification) error {
	for start := 0; start < len(ns); start += maxEntries {
		var entries []ebtypes.PutEventsRequestEntry
		for _, n := range ns[start:min(start+maxEntries, len(ns))] {
			detail, err := json.Marshal(n)
			if err != nil {
				return fmt.Errorf("encode notification: %w", err)
			}
			entries = append(entries, ebtypes.PutEventsRequestEntry{
				EventBusName: aws.String(b.BusName), Source: aws.String(alerts.Source),
				DetailType: aws.String(alerts.DetailTypeThresholdCrossed), Detail: aws.String(string(detail)),
				Time: aws.Time(n.CrossedAt),
			})
		}
		out, err := b.API.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			return fmt.Errorf("put events: %w", err)
		}
		if out.FailedEntryCount > 0 {
			return fmt.Errorf("put events: %d of %d entries failed", out.FailedEntryCount, len(entries))
		}
	}
	return nil
}

// SendAPI is the SQS call the local bus uses.
type SendAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// LocalSQS plays the bus on this machine: every notification becomes an
// EventBridge event (fresh id, as EventBridge assigns one per PutEvents
// entry) sent to each target queue.
type LocalSQS struct {
	API     SendAPI
	Targets []string
	BusName string
	Now     func() time.Time
}

// Envelope wraps a notification as EventBridge delivers it.
func Envelope(busName string, n alerts.Notification, now time.Time) (alerts.Envelope, error) {
	detail, err := json.Marshal(n)
	if err != nil {
		return alerts.Envelope{}, fmt.Errorf("encode notification: %w", err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	h := hex.EncodeToString(id)
	return alerts.Envelope{
		Version: "0", ID: h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32],
		DetailType: alerts.DetailTypeThresholdCrossed, Source: alerts.Source, Account: "000000000000",
		Time: now.UTC().Truncate(time.Second), Region: "us-east-1", Resources: []string{},
		Detail: detail,
	}, nil
}

// Publish sends each notification's event to every target.
func (b LocalSQS) Publish(ctx context.Context, ns []alerts.Notification) error {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	var errs []error
	for _, n := range ns {
		env, err := Envelope(b.BusName, n, now())
		if err != nil {
			return err
		}
		body, err := json.Marshal(env)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		for _, url := range b.Targets {
			if _, err := b.API.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(body))}); err != nil {
				errs = append(errs, fmt.Errorf("send to bus target: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}
