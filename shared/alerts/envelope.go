package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Envelope is an EventBridge event as AWS delivers it to a target such as
// an SQS queue (the message body) or a Lambda function: what the webhook
// deliverer reads, and what the local runner writes to its stand-in queues.
type Envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// ErrBadEnvelope marks a message that is not a threshold notification event.
var ErrBadEnvelope = errors.New("alerts: not a threshold notification event")

// DecodeEnvelope reads a bus event carrying a threshold notification and
// checks the fields a consumer relies on.
func DecodeEnvelope(body []byte) (Envelope, Notification, error) {
	var e Envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&e); err != nil {
		return e, Notification{}, fmt.Errorf("%w: %v", ErrBadEnvelope, err)
	}
	if dec.More() {
		return e, Notification{}, fmt.Errorf("%w: trailing data", ErrBadEnvelope)
	}
	if e.DetailType != DetailTypeThresholdCrossed || e.Source != Source {
		return e, Notification{}, fmt.Errorf("%w: source %q detail-type %q", ErrBadEnvelope, e.Source, e.DetailType)
	}
	var n Notification
	if err := json.Unmarshal(e.Detail, &n); err != nil {
		return e, n, fmt.Errorf("%w: detail: %v", ErrBadEnvelope, err)
	}
	if err := n.Validate(); err != nil {
		return e, n, fmt.Errorf("%w: %v", ErrBadEnvelope, err)
	}
	return e, n, nil
}

// Validate checks the fields every consumer needs.
func (n Notification) Validate() error {
	var errs []error
	if len(n.NotificationID) != len("ntf_")+32 || n.NotificationID[:4] != "ntf_" {
		errs = append(errs, errors.New("notificationId: must be ntf_ and 32 hex digits"))
	}
	if n.OrganizationID == "" || len(n.OrganizationID) > 64 {
		errs = append(errs, errors.New("organizationId: required, at most 64 characters"))
	}
	switch n.Resource {
	case KindInteractionz, KindSeats, KindPackage, KindExpertAgent:
	default:
		errs = append(errs, errors.New("resource: unknown"))
	}
	if n.ThresholdPercent < 1 || n.Limit < 1 {
		errs = append(errs, errors.New("thresholdPercent, limit: must be positive"))
	}
	return errors.Join(errs...)
}
