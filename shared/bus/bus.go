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
	"github.com/customercloud/home/shared/awscall/sqscall"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/awscall"
)

// maxEntries is PutEvents' limit per call.
const maxEntries = 10

// PutEventsEntry is one event for PutEvents.
type PutEventsEntry struct {
	EventBusName, Source, DetailType, Detail string
	Time                                     time.Time
}

// PutEventsAPI is the EventBridge call used: it puts up to ten entries and
// says how many of them failed.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, entries []PutEventsEntry) (failed int, err error)
}

// EventBridgeAPI is PutEventsAPI in AWS: EventBridge's PutEvents made by
// awscall (signed JSON 1.1, the SDK's standard three attempts) rather than
// by the SDK's EventBridge client, whose package init built its schemas
// and endpoint tables (0.43 MB in about 2,600 allocations) at every cold
// start of the debit and the metrics worker, for this one operation.
type EventBridgeAPI struct {
	client *awscall.Client
}

// NewEventBridgeAPI returns the PutEvents caller for cfg (endpoint
// AWS_ENDPOINT_URL_EVENTBRIDGE, else AWS_ENDPOINT_URL, else the region's).
func NewEventBridgeAPI(cfg aws.Config) EventBridgeAPI {
	return EventBridgeAPI{client: awscall.New(cfg, awscall.EventBridge)}
}

// PutEvents calls EventBridge PutEvents with entries.
func (a EventBridgeAPI) PutEvents(ctx context.Context, entries []PutEventsEntry) (int, error) {
	type entry struct {
		EventBusName, Source, DetailType, Detail string
		Time                                     float64 // epoch seconds, as JSON 1.1 sends timestamps
	}
	in := struct{ Entries []entry }{Entries: make([]entry, 0, len(entries))}
	for _, e := range entries {
		in.Entries = append(in.Entries, entry{e.EventBusName, e.Source, e.DetailType, e.Detail, float64(e.Time.UnixMilli()) / 1000})
	}
	var out struct{ FailedEntryCount int }
	if err := a.client.Call(ctx, "PutEvents", in, &out); err != nil {
		return 0, err
	}
	return out.FailedEntryCount, nil
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
		var entries []PutEventsEntry
		for _, n := range ns[start:min(start+maxEntries, len(ns))] {
			detail, err := json.Marshal(n)
			if err != nil {
				return fmt.Errorf("encode notification: %w", err)
			}
			entries = append(entries, PutEventsEntry{
				EventBusName: b.BusName, Source: alerts.Source,
				DetailType: alerts.DetailTypeThresholdCrossed, Detail: string(detail),
				Time: n.CrossedAt,
			})
		}
		failed, err := b.API.PutEvents(ctx, entries)
		if err != nil {
			return fmt.Errorf("put events: %w", err)
		}
		if failed > 0 {
			return fmt.Errorf("put events: %d of %d entries failed", failed, len(entries))
		}
	}
	return nil
}

// SendAPI is the SQS call the local bus uses.
type SendAPI interface {
	SendMessage(ctx context.Context, in *sqscall.SendMessageInput) (*sqscall.SendMessageOutput, error)
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
			if _, err := b.API.SendMessage(ctx, &sqscall.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(body))}); err != nil {
				errs = append(errs, fmt.Errorf("send to bus target: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}
