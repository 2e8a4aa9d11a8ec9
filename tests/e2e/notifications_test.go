package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// receiver is a real HTTPS webhook receiver on loopback: it keeps what it
// was sent, headers and body, and answers 503 to its first request (the
// deliverer must retry).
type receiver struct {
	mu       sync.Mutex
	got      []delivery
	failNext int
}

type delivery struct {
	header http.Header
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.failNext > 0 {
		rc.failNext--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body})
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

func call(t *testing.T, p *pipeline.Pipeline, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	p.Runner.ServeHTTP(rec, req)
	return rec
}

// TestThresholdsNotifyExactlyOnce is the scenario: a plan of 100
// Interactionz and events pushed past 80 and then past 100, delivered in
// batches that are redelivered and that crash (once right after the
// threshold's mark was written, before anything was published). Exactly two
// notifications arrive on the local bus queue and two at the webhook
// receiver, signed per Standard Webhooks and verifiable with the secret the
// Admin was given.
func TestThresholdsNotifyExactlyOnce(t *testing.T) {
	rc := &receiver{failNext: 1}
	srv := httptest.NewTLSServer(rc)
	defer srv.Close()
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, Notifications: &pipeline.Notifications{WebhookClient: srv.Client()}})
	ctx := context.Background()
	const org = "acme"
	admin := p.Token(t, org, auth.Admin)

	// Given a plan of 100 Interactionz (default thresholds 80 % and 100 %)
	// and a webhook registered by the Admin.
	if rec := call(t, p, http.MethodPut, "/v1/plan", admin, map[string]any{"name": "Pro", "cycleStartDay": 1,
		"includedInteractionz": 100, "seats": 5, "timeZone": "America/Sao_Paulo"}); rec.Code != http.StatusOK {
		t.Fatalf("put plan: %d %s", rec.Code, rec.Body)
	}
	rec := call(t, p, http.MethodPut, "/v1/notifications/webhook", admin, map[string]any{"url": srv.URL + "/hooks/cch"})
	if rec.Code != http.StatusOK {
		t.Fatalf("put webhook: %d %s", rec.Code, rec.Body)
	}
	var reg struct{ Secret string }
	if err := json.Unmarshal(rec.Body.Bytes(), &reg); err != nil || reg.Secret == "" {
		t.Fatalf("no secret in %s", rec.Body)
	}

	// When 120 contacts each open a human attendance, in batches of ten:
	// every batch is delivered twice, and the batch that reaches 80 crashes
	// right after its threshold mark (the debit and the mark are written,
	// nothing is published) and comes back.
	var batches [][]events.SQSMessage
	var b []events.SQSMessage
	for i := 0; i < 120; i++ {
		e := contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("e-%03d", i), Source: "test", Type: contract.MessageReceived,
			Time: now.Add(-time.Duration(120-i) * time.Minute), OrgID: org,
			Data: contract.Data{ContactID: fmt.Sprintf("c-%03d", i), Channel: "whatsapp", RoutedTo: contract.RoutedHuman}}
		b = append(b, testkit.Message(t, fmt.Sprintf("m-%03d", i), e))
		if len(b) == 10 {
			batches = append(batches, b)
			b = nil
		}
	}
	crashed := false
	for i, batch := range batches {
		if i == 7 { // events 70-79: the 80th Interactionz
			// The batch writes its contacts in one transaction (1 write),
			// then the threshold check marks 80 % (write 2); the process
			// dies there.
			p.Meter.SetFaults(ddbmeter.Faults{CrashAfterWrites: 2})
		}
		if _, err := p.Processor.Handle(ctx, events.SQSEvent{Records: batch}); err != nil {
			t.Fatal(err)
		}
		if p.Meter.Crashed() {
			crashed = true
		}
		p.Meter.SetFaults(ddbmeter.Faults{})
		// At-least-once: the batch again (a crashed one must come back).
		if _, err := p.Processor.Handle(ctx, events.SQSEvent{Records: batch}); err != nil {
			t.Fatal(err)
		}
	}
	if !crashed {
		t.Fatal("the crash was not injected")
	}
	// The 80 % mark was left pending by the crash; the checks that followed
	// respected its lease. The scheduled sweep, later, publishes it.
	later := func() time.Time { return now.Add(alerts.DefaultLease + time.Second) }
	if _, err := testkit.Must(alerts.NewNotifier(alerts.NotifierConfig{Store: p.Store, Bus: p.Bus, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Now: later}))(t).
		Run(ctx, alerts.Check{Org: org, CycleStart: cycleStart(t, now)}); err != nil {
		t.Fatal(err)
	}

	// Then exactly two events are on the bus's local target queue, as
	// EventBridge delivers them to SQS.
	msgs := p.Env.Receive(t, sqs.ReceiveMessageInput{QueueUrl: aws.String(p.NotificationsURL)}, 2)
	if len(msgs) != 2 {
		t.Fatalf("%d notifications on the bus queue, want 2", len(msgs))
	}
	byThreshold := map[int]alerts.Notification{}
	for _, m := range msgs {
		env, n, err := alerts.DecodeEnvelope([]byte(aws.ToString(m.Body)))
		if err != nil {
			t.Fatalf("bus message: %v\n%s", err, aws.ToString(m.Body))
		}
		if env.Version != "0" || env.ID == "" || env.Account == "" || env.Region == "" {
			t.Fatalf("not an EventBridge event: %+v", env)
		}
		if n.Resource != alerts.KindInteractionz || n.Limit != 100 || n.OrganizationID != org || n.Cycle.Start != "2026-11-01" || n.Cycle.End != "2026-11-30" {
			t.Fatalf("notification says %+v", n)
		}
		byThreshold[n.ThresholdPercent] = n
	}
	if n80, n100 := byThreshold[80], byThreshold[100]; n80.Used < 80 || n100.Used < 100 || n80.NotificationID == n100.NotificationID {
		t.Fatalf("thresholds: %+v", byThreshold)
	}

	// And exactly two webhooks arrive (the receiver's first 503 retried),
	// each verifying with the Admin's secret, webhook-id the notification id.
	deadline := time.Now().Add(20 * time.Second)
	for len(rc.deliveries()) < 2 && time.Now().Before(deadline) {
		if _, _, err := p.Runner.PollNotifyOnce(ctx, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	got := rc.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d webhooks delivered, want 2", len(got))
	}
	seen := map[string]bool{}
	for _, d := range got {
		if err := alerts.Verify(reg.Secret, d.header, d.body, time.Now()); err != nil {
			t.Fatalf("webhook does not verify: %v", err)
		}
		var pl alerts.WebhookPayload
		if err := json.Unmarshal(d.body, &pl); err != nil {
			t.Fatal(err)
		}
		if id := d.header.Get(alerts.HeaderID); id != pl.Data.NotificationID || byThreshold[pl.Data.ThresholdPercent].NotificationID != id || seen[id] {
			t.Fatalf("webhook %s for %+v", id, pl.Data)
		}
		seen[d.header.Get(alerts.HeaderID)] = true
		if pl.Type != alerts.DetailTypeThresholdCrossed {
			t.Fatalf("type %q", pl.Type)
		}
		// A tampered body does not verify.
		if alerts.Verify(reg.Secret, d.header, append(d.body, ' '), time.Now()) == nil {
			t.Fatal("a modified body verified")
		}
	}
	p.Env.AssertEmpty(t, p.NotificationsURL)
}

func cycleStart(t *testing.T, now time.Time) localdate.Date {
	t.Helper()
	loc, err := localdate.Load("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	return localdate.CycleStart(localdate.Of(now, loc), 1)
}
