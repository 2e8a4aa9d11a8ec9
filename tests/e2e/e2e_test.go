// Package e2e runs whole paths of the system on the local emulators: every
// sample event in events/ against its function's handler, and a producer's
// and Meta's webhooks through the local API Gateway into the real queue,
// consumed by the debit handler, visible in the Home.
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
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/customercloud/home/infra/iac"
	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/fanout"
	"github.com/customercloud/home/shared/fanout/sqsfanout"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/orgwork"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/reconcile"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/webhook"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

var discard = slog.New(slog.NewJSONHandler(io.Discard, nil))

func read(t *testing.T, name string, v any) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return raw
}

const producerKey = "e2e-producer-secret-of-32-bytes!"
const metaSecret = "e2e-meta-app-secret-of-32-bytes!"

func webhookHandler(t *testing.T, p *pipeline.Pipeline) *webhook.Handler {
	t.Helper()
	accts := webhook.StoredAccounts{Store: p.Store}
	if err := accts.PutProviderAccount(context.Background(), webhook.ProviderAccount{Provider: webhook.WhatsApp, Account: "106540352242922", OrgID: "demo"}); err != nil {
		t.Fatal(err)
	}
	h, err := webhook.New(webhook.Config{
		ProducerSecrets: map[string][]webhook.Secret{"demo": {webhook.Secret(producerKey)}},
		MetaAppSecret:   webhook.Secret(metaSecret), MetaVerifyToken: webhook.Secret("verify"),
	}, webhook.Deps{Publisher: p.Publisher, Accounts: accts, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestSampleEvents: given each function's sample in events/, when it is
// invoked against that function's real handler (as `sam local invoke -e`
// would), then the handler accepts it.
func TestSampleEvents(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{})
	ctx := context.Background()
	if err := p.Store.PutPlan(ctx, "demo", plan.Default()); err != nil {
		t.Fatal(err)
	}

	t.Run("given events/debit.json when the debit handler runs then nothing fails and the contact is stored", func(t *testing.T) {
		var ev events.SQSEvent
		read(t, "debit.json", &ev)
		// The sample's event time is fixed; process it as of just after it.
		var body struct {
			Time  time.Time `json:"time"`
			OrgID string    `json:"orgid"`
		}
		if err := json.Unmarshal([]byte(ev.Records[0].Body), &body); err != nil {
			t.Fatal(err)
		}
		p.Clock.Set(body.Time.Add(time.Minute))
		defer p.Clock.Set(time.Now())
		resp, err := p.Processor.Handle(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("failures %v, err %v", resp.BatchItemFailures, err)
		}
		entries, _, err := p.Store.Ledger(ctx, body.OrgID, body.Time.Add(-time.Hour), body.Time.Add(time.Hour), "", 10)
		if err != nil || len(entries) != 1 {
			t.Fatalf("ledger %v, err %v", entries, err)
		}
	})

	t.Run("given events/rollup.json when the rollup runs then every organization is rolled up", func(t *testing.T) {
		var ev events.EventBridgeEvent
		read(t, "rollup.json", &ev)
		l := lister(t, p)
		r, err := l.Page(ctx, fanout.RunOf(ev.Time, 5*time.Minute), "")
		if err != nil || r.Orgs < 1 {
			t.Fatalf("listed %+v, err %v", r, err)
		}
		if ev.DetailType != "Scheduled Event" {
			t.Fatalf("sample is not a scheduled event: %q", ev.DetailType)
		}
	})

	t.Run("given events/home-api.json when the Home API runs then 200 with the payload", func(t *testing.T) {
		var ev events.APIGatewayV2HTTPRequest
		read(t, "home-api.json", &ev)
		resp, err := httpadapter.NewV2(p.API).ProxyWithContext(ctx, ev)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d err %v body %s", resp.StatusCode, err, resp.Body)
		}
		var pl home.Payload
		if err := json.Unmarshal([]byte(resp.Body), &pl); err != nil || pl.Organization == "" {
			t.Fatalf("payload %s: %v", resp.Body, err)
		}
	})

	t.Run("given events/webhook.json re-signed now when the webhook runs then 202 and the event is queued", func(t *testing.T) {
		var ev events.APIGatewayV2HTTPRequest
		read(t, "webhook.json", &ev)
		// The sample's signature is for a fixed time and the sample secret;
		// sign it again, now, with this test's secret.
		ts := time.Now().Unix()
		ev.Headers["webhook-timestamp"] = strconv.FormatInt(ts, 10)
		ev.Headers["webhook-org"] = "demo"
		ev.Headers["webhook-signature"] = webhook.SignProducer(webhook.Secret(producerKey), ev.Headers["webhook-id"], ts, []byte(ev.Body))
		resp, err := httpadapter.NewV2(webhookHandler(t, p)).ProxyWithContext(ctx, ev)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("status %d err %v body %s", resp.StatusCode, err, resp.Body)
		}
	})
}

// TestWebhooksToHome: given a producer's batch and a WhatsApp webhook, when
// they are posted to the local API Gateway, then they reach the real queue,
// the debit handler meters them, and the Home shows them.
func TestWebhooksToHome(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{})
	ctx := context.Background()
	if err := p.Store.PutPlan(ctx, "demo", plan.Default()); err != nil {
		t.Fatal(err)
	}
	adapter := httpadapter.NewV2(webhookHandler(t, p))
	var routes []runner.Route
	for _, r := range resources.Webhook.Routes {
		routes = append(routes, runner.Route{Route: r, Handler: adapter.ProxyWithContext})
	}
	gw := runner.New(runner.Config{Routes: routes, Log: discard})

	now := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	batch := []map[string]any{
		{"specversion": "1.0", "id": "e2e-1", "source": "inbox", "type": "contact.upserted", "time": now, "orgid": "demo",
			"data": map[string]any{"contactId": "c-e2e", "phone": "+5531988887777"}},
		{"specversion": "1.0", "id": "e2e-2", "source": "inbox", "type": "message.sent", "time": now, "orgid": "demo",
			"data": map[string]any{"contactId": "c-e2e", "channel": "whatsapp", "sender": "agent", "area": "support"}},
	}
	body, _ := json.Marshal(batch)
	req := httptest.NewRequest(http.MethodPost, "/v1/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/cloudevents-batch+json")
	ts := time.Now().Unix()
	req.Header.Set("webhook-id", "msg-e2e")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-org", "demo")
	req.Header.Set("webhook-signature", webhook.SignProducer(webhook.Secret(producerKey), "msg-e2e", ts, body))
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("producer batch: %d %s", rec.Code, rec.Body)
	}

	wa := read(t, "webhook-whatsapp.json", nil)
	// Meta's timestamps in the sample are old; the contract accepts the past.
	req = httptest.NewRequest(http.MethodPost, "/v1/webhooks/whatsapp", bytes.NewReader(wa))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", webhook.SignMeta(webhook.Secret(metaSecret), wa))
	rec = httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("whatsapp webhook: %d %s", rec.Code, rec.Body)
	}

	p.Drain(t)
	entries, _, err := p.Store.Ledger(ctx, "demo", time.Unix(0, 0), time.Now().Add(time.Hour), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	byContact := map[string]int{}
	for _, e := range entries {
		byContact[e.ContactID]++
	}
	if byContact["c-e2e"] != 1 {
		t.Fatalf("then the agent's message debits once: %v", byContact)
	}
	if len(byContact) < 2 {
		t.Fatalf("then the WhatsApp customer's message debits too: %v", byContact)
	}
	p.DrainStream(t)
	hr := httptest.NewRequest(http.MethodGet, "/v1/home", nil)
	hr.Header.Set("Authorization", "Bearer "+p.Token(t, "demo", auth.Admin))
	rec = httptest.NewRecorder()
	p.Runner.ServeHTTP(rec, hr)
	var pl home.Payload
	if err := json.Unmarshal(rec.Body.Bytes(), &pl); err != nil {
		t.Fatal(err)
	}
	if pl.ActivePlan.Interactionz.Today < 1 || pl.Metrics.ContactBase < 1 || pl.Metrics.ContactsInSupport.Current != 1 {
		t.Fatalf("home does not show the events: %s", rec.Body)
	}
	found := false
	for _, g := range pl.Metrics.GeoDistribution {
		found = found || g.State == "MG"
	}
	if !found {
		t.Fatalf("then the contact's DDD 31 counts for MG: %+v", pl.Metrics.GeoDistribution)
	}
	_ = fmt.Sprint()
}

// TestLeastPrivilege: given each function's real code paths on DynamoDB
// Local, when they run, then every DynamoDB action they call is in the IAM
// policy the templates give that function (and so the policy is not
// narrower than the code; infra/cdk tests hold it to exactly these).
func TestLeastPrivilege(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{}) // the webhook publishes to the queue
	ctx := context.Background()
	allowed := func(f resources.FunctionDef) map[string]bool {
		sts, err := iac.Statements(f)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, s := range sts {
			for _, a := range s.Actions {
				out[a] = true
			}
		}
		return out
	}
	// TransactWriteItems is authorized per item; ours are Puts (ledger) and
	// Updates (states, totals).
	implied := map[string][]string{"TransactWriteItems": {"PutItem", "UpdateItem"}}
	checkMeter := func(t *testing.T, f resources.FunctionDef, m *ddbmeter.Meter) {
		t.Helper()
		ok := allowed(f)
		for op := range m.Counts().Requests {
			acts := implied[op]
			if acts == nil {
				acts = []string{op}
			}
			for _, a := range acts {
				if !ok["dynamodb:"+a] {
					t.Errorf("%s calls dynamodb:%s, which its policy does not allow", f.Name, a)
				}
			}
		}
	}
	check := func(t *testing.T, f resources.FunctionDef) { t.Helper(); checkMeter(t, f, p.Meter) }
	now := time.Now().Add(-time.Hour).Truncate(time.Second)
	yes := true
	var evs []contract.Event
	for i, typ := range []contract.Type{contract.ContactUpserted, contract.MessageReceived, contract.TicketOpened, contract.TicketUpdated, contract.UserAdded} {
		evs = append(evs, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("lp-%d", i), Source: "t", Type: typ, Time: now, OrgID: "lp",
			Data: contract.Data{ContactID: "c1", Phone: "+5511988887777", Channel: "whatsapp", RoutedTo: "human", TicketID: "t1",
				Area: "support", Visibility: "public", Status: "waiting", Public: &yes, UserID: "u1"}})
	}
	t.Run("given the debit function when it meters a batch then its policy covers it", func(t *testing.T) {
		p.Meter.Reset()
		p.Deliver(t, evs)
		check(t, resources.Debit)
	})
	t.Run("given the aggregate function when it reads the stream then its policy covers it", func(t *testing.T) {
		p.AggMeter.Reset()
		if p.DrainStream(t) == 0 {
			t.Fatal("no stream records")
		}
		checkMeter(t, resources.Aggregate, p.AggMeter)
	})
	t.Run("given the rollup function when it lists then its policy covers it", func(t *testing.T) {
		l := lister(t, p)
		p.Meter.Reset()
		if _, err := l.Page(ctx, fanout.RunOf(time.Now(), 5*time.Minute), ""); err != nil {
			t.Fatal(err)
		}
		check(t, resources.Rollup)
	})
	t.Run("given the metrics worker when it sweeps, reconciles and continues a listing then its policy covers it", func(t *testing.T) {
		l := lister(t, p)
		log := slog.New(slog.NewJSONHandler(io.Discard, nil))
		w := testkit.Must(orgwork.New(orgwork.Config{Profiles: p.Store, Aggregates: p.Store, Lister: l, Log: log,
			Sweeper:    testkit.Must(alerts.NewNotifier(alerts.NotifierConfig{Store: p.Store, Bus: nopBus{}, Log: log}))(t),
			Reconciler: testkit.Must(reconcile.New(reconcile.Config{Source: reconcile.StoreSource{St: p.Store}, Log: log}))(t)}))(t)
		if err := p.Store.PutPlan(ctx, "lp", plan.Plan{Name: "P", CycleStartDay: 1, IncludedInteractionz: 100, Seats: 1,
			Packages: map[string]int{"sms": 10}}); err != nil {
			t.Fatal(err)
		}
		p.Meter.Reset()
		run := fanout.RunOf(time.Now(), 5*time.Minute)
		if _, err := w.Org(ctx, fanout.Task{Org: "lp", Run: run, Reconcile: true}); err != nil {
			t.Fatal(err)
		}
		body, _ := fanout.Task{List: true, Run: run}.Encode()
		if resp, err := w.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m", Body: body}}}); err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("listing continuation: %v %v", resp, err)
		}
		check(t, resources.MetricsWorker)
	})
	t.Run("given the Home API when every route is called then its policy covers it", func(t *testing.T) {
		p.Meter.Reset()
		tok := p.Token(t, "lp", auth.Admin)
		for _, r := range []struct{ method, path, body string }{
			{"GET", "/v1/home", ""}, {"GET", "/v1/consumption?limit=1", ""},
			{"PUT", "/v1/plan", `{"name":"Expert","cycleStartDay":1,"includedInteractionz":500,"seats":10}`},
		} {
			req := httptest.NewRequest(r.method, r.path, bytes.NewReader([]byte(r.body)))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			p.Runner.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("%s %s: %d %s", r.method, r.path, rec.Code, rec.Body)
			}
		}
		check(t, resources.HomeAPI)
	})
	t.Run("given the webhook function when Meta delivers a message then its policy covers it", func(t *testing.T) {
		h := webhookHandler(t, p) // writes the account map: setup, not the function
		p.Meter.Reset()
		wa := read(t, "webhook-whatsapp.json", nil)
		req := httptest.NewRequest(http.MethodPost, "/v1/webhooks/whatsapp", bytes.NewReader(wa))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", webhook.SignMeta(webhook.Secret(metaSecret), wa))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("whatsapp webhook: %d %s", rec.Code, rec.Body)
		}
		if p.Meter.Counts().Requests["GetItem"] == 0 {
			t.Fatal("the account map was not read through the store")
		}
		check(t, resources.Webhook)
	})
}

// lister is the metrics schedule's lister over the pipeline's store and a
// fresh copy of the metrics work queue.
func lister(t *testing.T, p *pipeline.Pipeline) fanout.Lister {
	t.Helper()
	urls := p.Env.NewQueueSet(t, []resources.QueueDef{resources.MetricsWorkDLQ, resources.MetricsWorkQueue})
	return fanout.Lister{Index: p.Store, Sender: &sqsfanout.Sender{API: p.Env.Queues, QueueURL: urls[resources.MetricsWorkQueue.Name]},
		Rotation: fanout.Rotation{Period: 5 * time.Minute}}
}

// nopBus takes notifications and drops them (the policy check needs none).
type nopBus struct{}

func (nopBus) Publish(context.Context, []alerts.Notification) error { return nil }
