package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/backoff"
	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/records"
)

// Standard Webhooks (standardwebhooks.com) headers and secret prefix.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
	SecretPrefix    = "whsec_"
	// SignatureTolerance is how far a receiver accepts a timestamp from its clock.
	SignatureTolerance = 5 * time.Minute
)

// NewSecret makes a per-organization signing secret: "whsec_" and 32
// random bytes in base64.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// ErrBadSecret means a secret is not "whsec_" and base64.
var ErrBadSecret = errors.New("webhook secret: want whsec_ and base64")

func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, ErrBadSecret
	}
	k, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(k) == 0 {
		return nil, ErrBadSecret
	}
	return k, nil
}

// Sign is the webhook-signature value of a message: "v1," and the base64
// HMAC-SHA256, under the secret's key, of "id.timestamp.body".
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// ErrBadSignature means no signature of the header matches, or the
// timestamp is outside the tolerance.
var ErrBadSignature = errors.New("webhook signature does not verify")

// Verify checks a received webhook as a receiver would: the timestamp within
// SignatureTolerance of now, and one of the space-separated v1 signatures
// equal to ours.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, tsRaw, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	sec, err := strconv.ParseInt(tsRaw, 10, 64)
	if id == "" || err != nil {
		return ErrBadSignature
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > SignatureTolerance || d < -SignatureTolerance {
		return ErrBadSignature
	}
	want, err := Sign(secret, id, ts, body)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}

// WebhookPayload is the body POSTed to an organization's webhook, in the
// Standard Webhooks shape (type, timestamp, data).
type WebhookPayload struct {
	Type      string       `json:"type"`
	Timestamp time.Time    `json:"timestamp"`
	Data      Notification `json:"data"`
}

// ValidateWebhookURL checks a URL an Admin registers: absolute https with a
// host, no credentials, at most 2,048 characters.
func ValidateWebhookURL(raw string) error {
	if len(raw) > 2048 {
		return errors.New("at most 2048 characters")
	}
	// A URI is printable ASCII (RFC 3986): an international name is
	// written in punycode, other characters percent-encoded.
	for i := 0; i < len(raw); i++ {
		if raw[i] <= ' ' || raw[i] >= 0x7f {
			return errors.New("must be a URI: printable ASCII, no spaces (percent-encode the rest)")
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return errors.New("must be an absolute https:// URL without credentials or fragment")
	}
	if !validHost(u.Hostname()) {
		return errors.New("must name a host: a DNS name or an IP address")
	}
	return nil
}

// dnsName is a host name's form: letters, digits, hyphens and dots.
var dnsName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$`)

// validHost reports whether h is a DNS name or an IP address.
func validHost(h string) bool {
	return net.ParseIP(h) != nil || (len(h) <= 253 && dnsName.MatchString(h) && !strings.Contains(h, ".."))
}

// Subscriptions is where the deliverer finds an organization's webhook.
type Subscriptions interface {
	GetWebhookSubscription(ctx context.Context, org string) (records.WebhookSubscription, error)
}

// Visibility delays a failed message's next attempt (SQS
// ChangeMessageVisibility), so retries back off exponentially instead of
// every visibility timeout.
type Visibility interface {
	Delay(ctx context.Context, receiptHandle string, d time.Duration) error
}

// Deliverer consumes the webhook queue (bus events) and POSTs each
// notification, signed, to the organization's webhook. It runs apart from
// metering: a slow or failing receiver delays only its own messages.
type Deliverer struct {
	subs   Subscriptions
	client *http.Client
	vis    Visibility
	log    *slog.Logger
	now    func() time.Time
	delay  func(receiveCount int) time.Duration
}

// DeliveryTimeout bounds one POST.
const DeliveryTimeout = 5 * time.Second

// PublicOnlyClient is the HTTP client of deliveries in AWS: it refuses to
// connect to loopback, private, link-local and unspecified addresses, so a
// registered URL cannot reach the function's own environment (SSRF).
func PublicOnlyClient() *http.Client {
	d := &net.Dialer{Timeout: DeliveryTimeout, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host)
		if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() {
			return fmt.Errorf("webhook address %s is not public", host)
		}
		return nil
	}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil
	return &http.Client{Transport: tr, Timeout: DeliveryTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// DelivererConfig is what a Deliverer is built from; NewDeliverer
// validates it.
type DelivererConfig struct {
	Subscriptions Subscriptions
	// Client makes the POSTs (PublicOnlyClient in AWS).
	Client *http.Client
	// Visibility may be nil: retries then follow the queue's visibility
	// timeout.
	Visibility Visibility
	Log        *slog.Logger
	// RetryDelay is the pause before a message's next attempt; nil is the
	// production backoff (tests use a short one).
	RetryDelay func(receiveCount int) time.Duration
}

// Validate says what is missing.
func (c DelivererConfig) Validate() error {
	return config.Check("alerts", config.Required("Subscriptions", c.Subscriptions != nil), config.Required("Client", c.Client != nil),
		config.Required("Log", c.Log != nil))
}

// NewDeliverer builds a deliverer.
func NewDeliverer(cfg DelivererConfig) (*Deliverer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Deliverer{subs: cfg.Subscriptions, client: cfg.Client, vis: cfg.Visibility, log: cfg.Log, now: time.Now, delay: cfg.RetryDelay}
	if d.delay == nil {
		d.delay = retryDelay
	}
	return d, nil
}

// retryDelay is the pause before attempt n+1 of a delivery (30 s doubling,
// up to 15 minutes, jittered).
func retryDelay(receiveCount int) time.Duration {
	return min(backoff.Delay(30*time.Second, receiveCount, 5), 15*time.Minute)
}

// Handle delivers a batch; failures are reported per message and come back
// later (backoff), then go to the dead-letter queue after the redrive
// policy's receive count.
func (d *Deliverer) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range batch.Records {
		err := d.deliver(ctx, []byte(m.Body))
		if err == nil {
			continue
		}
		n, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
		d.log.WarnContext(ctx, "webhook delivery failed, will retry", "messageId", m.MessageId, "attempt", n, "error", err.Error())
		if d.vis != nil {
			if verr := d.vis.Delay(ctx, m.ReceiptHandle, d.delay(max(n, 1))); verr != nil {
				d.log.WarnContext(ctx, "backoff not set", "messageId", m.MessageId, "error", verr.Error())
			}
		}
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
	}
	return resp, nil
}

func (d *Deliverer) deliver(ctx context.Context, body []byte) error {
	_, n, err := DecodeEnvelope(body)
	if err != nil {
		return err
	}
	sub, err := d.subs.GetWebhookSubscription(ctx, n.OrganizationID)
	if err != nil {
		return err
	}
	if !sub.Exists {
		return nil // no webhook registered: the bus event is the notification
	}
	now := d.now()
	payload, err := json.Marshal(WebhookPayload{Type: DetailTypeThresholdCrossed, Timestamp: now.UTC(), Data: n})
	if err != nil {
		return fmt.Errorf("encode payload: %w", err)
	}
	sig, err := Sign(sub.Secret, n.NotificationID, now, payload)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cch-notifications/1")
	req.Header.Set(HeaderID, n.NotificationID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	res, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook post: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook answered %d", res.StatusCode)
	}
	d.log.InfoContext(ctx, "webhook delivered", "org", n.OrganizationID, "notificationId", n.NotificationID)
	return nil
}
