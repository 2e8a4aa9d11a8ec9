package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/queue"
)

// now is after every sample's timestamps (2025-06-08 ~20:59 UTC).
var now = time.Date(2025, 6, 8, 21, 0, 0, 0, time.UTC)

const (
	testMetaSecret = "meta-app-secret-0123456789abcdef"
	testVerify     = "verify-token-for-tests"
)

// recordingPublisher is the handler's view of the queue in logic tests: it
// records what would be enqueued and can fail chosen events. The real SQS
// publisher is tested against ElasticMQ (shared/queue, shared/wiring/webhook_test.go).
type recordingPublisher struct {
	mu        sync.Mutex
	published []contract.Event
	calls     int
	failIDs   map[string]bool
}

func (p *recordingPublisher) Publish(_ context.Context, evs []contract.Event) ([]queue.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	res := make([]queue.Result, len(evs))
	var err error
	for i, ev := range evs {
		if p.failIDs[ev.ID] {
			res[i].Err = queue.ErrUnavailable
			err = &queue.PublishError{Failed: 1, Total: len(evs), Cause: queue.ErrUnavailable}
			continue
		}
		res[i].MessageID = fmt.Sprintf("m-%d", len(p.published))
		p.published = append(p.published, ev)
	}
	return res, err
}

// staticAccounts maps accounts to organizations in memory.
type staticAccounts struct {
	orgs map[string]string
	err  error
}

func (s staticAccounts) OrgFor(_ context.Context, p Provider, account string) (string, bool, error) {
	if s.err != nil {
		return "", false, s.err
	}
	org, ok := s.orgs[string(p)+"/"+account]
	return org, ok, nil
}

var sampleAccounts = map[string]string{
	"whatsapp/106540352242922":    "org-acme",
	"messenger/108765432109876":   "org-acme",
	"instagram/17841405822304914": "org-acme",
}

type fixture struct {
	h    *Handler
	pub  *recordingPublisher
	logs *bytes.Buffer
}

func newFixture(t *testing.T, mutate func(*Config, *Deps)) fixture {
	t.Helper()
	pub := &recordingPublisher{}
	logs := &bytes.Buffer{}
	cfg := Config{
		ProducerSecrets: map[string][]Secret{"org-acme": {keyA}, "org-beta": {keyB}},
		MetaAppSecret:   Secret(testMetaSecret),
		MetaVerifyToken: Secret(testVerify),
	}
	deps := Deps{Publisher: pub, Accounts: staticAccounts{orgs: sampleAccounts},
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: func() time.Time { return now }}
	if mutate != nil {
		mutate(&cfg, &deps)
	}
	h, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{h: h, pub: pub, logs: logs}
}

// producerRequest signs body for org with key at ts under webhook-id id.
// signed is producerRequest, built when a case runs.
func signed(contentType string, body []byte, org string, key Secret, id string, ts time.Time) func() *http.Request {
	return func() *http.Request { return producerRequest(contentType, body, org, key, id, ts) }
}

// acme is a request of org-acme signed now with its own key.
func acme(contentType string, body []byte, id string) func() *http.Request {
	return signed(contentType, body, "org-acme", keyA, id, now)
}

func producerRequest(contentType string, body []byte, org string, key Secret, id string, ts time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, PathEvents, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set(HeaderWebhookID, id)
	r.Header.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	r.Header.Set(HeaderWebhookSignature, SignProducer(key, id, ts.Unix(), body))
	r.Header.Set(HeaderWebhookOrg, org)
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// problem is the webhooks' problem document as a producer reads it
// (WebhookProblem in docs/openapi.yaml).
// Its errors and results are typed here; the rest is httpedge's.
type problem struct {
	httpedge.Problem
	Errors  []problemError `json:"errors"`
	Results []EventResult  `json:"results"`
}

// problemError is one invalid field of the event at Index.
type problemError struct {
	Index  int    `json:"index"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != ContentTypeProblem {
		t.Fatalf("content type %q, want %q (body %s)", ct, ContentTypeProblem, w.Body)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body: %v", err)
	}
	if p.Status != w.Code || p.Type == "" || p.Title == "" || p.RequestID == "" {
		t.Fatalf("incomplete problem %+v for status %d", p, w.Code)
	}
	return p
}

func TestProducerEvents(t *testing.T) {
	batch := sample(t, "producer-batch.json")
	single := sample(t, "producer-event.json")
	invalid := sample(t, "producer-batch-invalid.json")
	otherOrg := bytes.ReplaceAll(single, []byte(`"org-acme"`), []byte(`"org-beta"`))
	dupBatch := []byte("[" + string(single) + "," + string(single) + "]")
	var hundredOne []string
	for i := range 101 {
		hundredOne = append(hundredOne, strings.Replace(string(single), `"c-4004-upsert-1"`, fmt.Sprintf(`"e-%d"`, i), 1))
	}
	tooMany := []byte("[" + strings.Join(hundredOne, ",") + "]")
	tests := []struct {
		name          string
		req           func() *http.Request
		wantStatus    int
		wantType      string
		wantErrors    []problemError
		wantPublished []string // ids, in order
		wantResults   []string // statuses, in order
	}{
		{
			name:       "given a signed single event, when posted, then 202 and it is enqueued",
			req:        acme(ContentTypeCloudEvent, single, "msg_1"),
			wantStatus: http.StatusAccepted, wantPublished: []string{"c-4004-upsert-1"}, wantResults: []string{"accepted"},
		},
		{
			name:       "given a content type with a charset, when posted, then it is accepted",
			req:        acme(ContentTypeCloudEvent+"; charset=utf-8", single, "msg_1"),
			wantStatus: http.StatusAccepted, wantPublished: []string{"c-4004-upsert-1"}, wantResults: []string{"accepted"},
		},
		{
			name:          "given the signed sample batch, when posted, then 202 with one accepted result per event, enqueued in order",
			req:           acme(ContentTypeCloudEventBatch, batch, "msg_2"),
			wantStatus:    http.StatusAccepted,
			wantPublished: []string{"msg-7f3c2a10", "tk-5521-opened", "conv-88a1-in-1", "cmp-77-c-3003", "int-crm-connected"},
			wantResults:   []string{"accepted", "accepted", "accepted", "accepted", "accepted"},
		},
		{
			name:       "given a batch with one bad channel and one missing field, when posted, then 422 names both by index and field and nothing is enqueued",
			req:        acme(ContentTypeCloudEventBatch, invalid, "msg_3"),
			wantStatus: http.StatusUnprocessableEntity, wantType: ProblemInvalidEvent,
			wantErrors: []problemError{
				{Index: 1, Field: "data.channel", Reason: "must be one of sms, whatsapp, rcs, email, messenger, instagram, webchat, push"},
				{Index: 2, Field: "data.public", Reason: "required: true or false"},
			},
		},
		{
			name:       "given an event of another organization signed with acme's key, when posted, then 422 on orgid",
			req:        acme(ContentTypeCloudEvent, otherOrg, "msg_4"),
			wantStatus: http.StatusUnprocessableEntity, wantType: ProblemInvalidEvent,
			wantErrors: []problemError{{Index: 0, Field: "orgid", Reason: "must be the authenticated organization (Webhook-Org)"}},
		},
		{
			name:       "given a batch repeating one event, when posted, then the repeat is reported duplicate and enqueued once",
			req:        acme(ContentTypeCloudEventBatch, dupBatch, "msg_5"),
			wantStatus: http.StatusAccepted, wantPublished: []string{"c-4004-upsert-1"}, wantResults: []string{"accepted", "duplicate"},
		},
		{
			name:       "given a signature by another org's key, when posted, then 401 and nothing is enqueued",
			req:        signed(ContentTypeCloudEvent, single, "org-acme", keyB, "msg_6", now),
			wantStatus: http.StatusUnauthorized, wantType: ProblemUnauthenticated,
		},
		{
			name: "given a body altered after signing, when posted, then 401",
			req: func() *http.Request {
				r := producerRequest(ContentTypeCloudEvent, single, "org-acme", keyA, "msg_7", now)
				r.Body = io.NopCloser(bytes.NewReader(otherOrg))
				r.ContentLength = int64(len(otherOrg))
				return r
			},
			wantStatus: http.StatusUnauthorized, wantType: ProblemUnauthenticated,
		},
		{
			name:       "given a request signed 6 minutes ago, when posted, then 401 (stale)",
			req:        signed(ContentTypeCloudEvent, single, "org-acme", keyA, "msg_8", now.Add(-6*time.Minute)),
			wantStatus: http.StatusUnauthorized, wantType: ProblemUnauthenticated,
		},
		{
			name:       "given an organization without a secret, when posted, then 401 like a bad signature",
			req:        signed(ContentTypeCloudEvent, single, "org-nobody", keyA, "msg_9", now),
			wantStatus: http.StatusUnauthorized, wantType: ProblemUnauthenticated,
		},
		{
			name: "given no signature headers, when posted, then 401",
			req: func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, PathEvents, bytes.NewReader(single))
				r.Header.Set("Content-Type", ContentTypeCloudEvent)
				return r
			},
			wantStatus: http.StatusUnauthorized, wantType: ProblemUnauthenticated,
		},
		{
			name:       "given plain application/json, when posted, then 415",
			req:        acme("application/json", single, "msg_10"),
			wantStatus: http.StatusUnsupportedMediaType, wantType: ProblemUnsupportedMedia,
		},
		{
			name:       "given a body over 256 KiB, when posted, then 413 before authentication",
			req:        acme(ContentTypeCloudEventBatch, bytes.Repeat([]byte(" "), DefaultMaxBodyBytes+1), "msg_11"),
			wantStatus: http.StatusRequestEntityTooLarge, wantType: ProblemTooLarge,
		},
		{
			name: "given a body over 256 KiB without a Content-Length, when posted, then 413",
			req: func() *http.Request {
				r := producerRequest(ContentTypeCloudEventBatch, bytes.Repeat([]byte(" "), DefaultMaxBodyBytes+1), "org-acme", keyA, "msg_12", now)
				r.ContentLength = -1
				return r
			},
			wantStatus: http.StatusRequestEntityTooLarge, wantType: ProblemTooLarge,
		},
		{
			name:       "given 101 events, when posted as a batch, then 413",
			req:        acme(ContentTypeCloudEventBatch, tooMany, "msg_13"),
			wantStatus: http.StatusRequestEntityTooLarge, wantType: ProblemTooLarge,
		},
		{
			name:       "given signed invalid JSON, when posted, then 400",
			req:        acme(ContentTypeCloudEvent, []byte(`{"specversion":`), "msg_14"),
			wantStatus: http.StatusBadRequest, wantType: ProblemMalformedBody,
		},
		{
			name:       "given a single event sent as a batch, when posted, then 400 (a batch is an array)",
			req:        acme(ContentTypeCloudEventBatch, single, "msg_15"),
			wantStatus: http.StatusBadRequest, wantType: ProblemMalformedBody,
		},
		{
			name:       "given an empty batch, when posted, then 400",
			req:        acme(ContentTypeCloudEventBatch, []byte(`[]`), "msg_16"),
			wantStatus: http.StatusBadRequest, wantType: ProblemMalformedBody,
		},
		{
			name:       "given a batch whose second element is not an object, when posted, then 422 names index 1 as a whole",
			req:        acme(ContentTypeCloudEventBatch, []byte("["+string(single)+`,"x"]`), "msg_17"),
			wantStatus: http.StatusUnprocessableEntity, wantType: ProblemInvalidEvent,
			wantErrors: []problemError{{Index: 1, Field: "", Reason: "not a CloudEvent JSON object"}},
		},
		{
			name:       "given GET on the events route, when served, then 405 with Allow",
			req:        func() *http.Request { return httptest.NewRequest(http.MethodGet, PathEvents, nil) },
			wantStatus: http.StatusMethodNotAllowed, wantType: ProblemBlank,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			w := serve(f.h, tc.req())
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if w.Header().Get(HeaderRequestID) == "" {
				t.Error("no request id on the answer")
			}
			var ids []string
			for _, ev := range f.pub.published {
				ids = append(ids, ev.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.wantPublished) {
				t.Errorf("published %v, want %v", ids, tc.wantPublished)
			}
			if tc.wantType != "" {
				p := decodeProblem(t, w)
				if p.Type != tc.wantType {
					t.Errorf("type %q, want %q", p.Type, tc.wantType)
				}
				if fmt.Sprint(p.Errors) != fmt.Sprint(tc.wantErrors) {
					t.Errorf("errors %+v, want %+v", p.Errors, tc.wantErrors)
				}
				return
			}
			var acc Accepted
			if err := json.Unmarshal(w.Body.Bytes(), &acc); err != nil {
				t.Fatal(err)
			}
			var statuses []string
			for i, r := range acc.Results {
				statuses = append(statuses, r.Status)
				if r.Index != i || r.ID == "" || r.Source == "" {
					t.Errorf("result %d incomplete: %+v", i, r)
				}
			}
			if fmt.Sprint(statuses) != fmt.Sprint(tc.wantResults) {
				t.Errorf("results %v, want %v", statuses, tc.wantResults)
			}
			if acc.Accepted != len(tc.wantPublished) {
				t.Errorf("accepted %d, want %d", acc.Accepted, len(tc.wantPublished))
			}
		})
	}
}

func TestProducerReplay(t *testing.T) {
	single := sample(t, "producer-event.json")
	batch := sample(t, "producer-batch.json")
	tests := []struct {
		name        string
		second      func() *http.Request
		wantStatus  int
		wantResults []string
		wantCalls   int // Publish calls over both requests
	}{
		{
			name:       "given an accepted request, when the same signed request is replayed within the window, then 202 duplicate and nothing is enqueued again",
			second:     acme(ContentTypeCloudEvent, single, "msg_r"),
			wantStatus: http.StatusAccepted, wantResults: []string{"duplicate"}, wantCalls: 1,
		},
		{
			name:       "given an accepted request, when its webhook-id is reused for another body, then 409",
			second:     acme(ContentTypeCloudEventBatch, batch, "msg_r"),
			wantStatus: http.StatusConflict, wantCalls: 1,
		},
		{
			name:       "given an accepted request, when the same webhook-id comes from another organization, then it is a new request",
			second:     signed(ContentTypeCloudEventBatch, []byte(`[`+strings.ReplaceAll(string(single), "org-acme", "org-beta")+`]`), "org-beta", keyB, "msg_r", now),
			wantStatus: http.StatusAccepted, wantResults: []string{"accepted"}, wantCalls: 2,
		},
		{
			name:       "given an accepted request, when it is replayed after the window, then 401 (stale)",
			second:     acme(ContentTypeCloudEvent, single, "msg_r"),
			wantStatus: http.StatusUnauthorized, wantCalls: 1,
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := now
			f := newFixture(t, func(_ *Config, d *Deps) { d.Now = func() time.Time { return clock } })
			if w := serve(f.h, producerRequest(ContentTypeCloudEvent, single, "org-acme", keyA, "msg_r", now)); w.Code != http.StatusAccepted {
				t.Fatalf("first: %d %s", w.Code, w.Body)
			}
			if i == len(tests)-1 {
				clock = now.Add(5*time.Minute + time.Second)
			}
			w := serve(f.h, tc.second())
			if w.Code != tc.wantStatus {
				t.Fatalf("second: %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if f.pub.calls != tc.wantCalls {
				t.Errorf("Publish called %d times, want %d", f.pub.calls, tc.wantCalls)
			}
			if tc.wantResults != nil {
				var acc Accepted
				_ = json.Unmarshal(w.Body.Bytes(), &acc)
				var st []string
				for _, r := range acc.Results {
					st = append(st, r.Status)
				}
				if fmt.Sprint(st) != fmt.Sprint(tc.wantResults) {
					t.Errorf("results %v, want %v", st, tc.wantResults)
				}
			}
		})
	}
}

func TestProducerQueueFailure(t *testing.T) {
	batch := sample(t, "producer-batch.json")
	t.Run("given the queue fails one event of a batch, when posted, then 503 with per-event results and Retry-After, and a retry of the same request is not taken for a replay", func(t *testing.T) {
		f := newFixture(t, nil)
		f.pub.failIDs = map[string]bool{"tk-5521-opened": true}
		w := serve(f.h, producerRequest(ContentTypeCloudEventBatch, batch, "org-acme", keyA, "msg_q", now))
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Fatalf("status %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
		}
		p := decodeProblem(t, w)
		var st []string
		for _, r := range p.Results {
			st = append(st, r.Status)
		}
		if want := "[accepted failed accepted accepted accepted]"; fmt.Sprint(st) != want {
			t.Errorf("results %v, want %s", st, want)
		}
		f.pub.failIDs = nil
		w = serve(f.h, producerRequest(ContentTypeCloudEventBatch, batch, "org-acme", keyA, "msg_q", now))
		if w.Code != http.StatusAccepted {
			t.Fatalf("retry: %d %s", w.Code, w.Body)
		}
		if f.pub.calls != 2 {
			t.Errorf("want the retry published, calls %d", f.pub.calls)
		}
	})
}

// metaRequest is a Meta delivery of body to provider, signed with secret.
func metaRequest(provider Provider, body []byte, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, PathWebhooksPre+string(provider), bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if secret != "" {
		r.Header.Set(HeaderHubSignature256, SignMeta(Secret(secret), body))
	}
	return r
}

func TestMetaVerificationHandshake(t *testing.T) {
	verify := func(provider, mode, token, challenge string) *http.Request {
		q := url.Values{"hub.mode": {mode}, "hub.verify_token": {token}, "hub.challenge": {challenge}}
		return httptest.NewRequest(http.MethodGet, PathWebhooksPre+provider+"?"+q.Encode(), nil)
	}
	tests := []struct {
		name       string
		req        *http.Request
		disable    bool
		wantStatus int
		wantBody   string
	}{
		{name: "given the right verify token, when Meta subscribes, then 200 echoing the challenge", req: verify("whatsapp", "subscribe", testVerify, "1158201444"),
			wantStatus: http.StatusOK, wantBody: "1158201444"},
		{name: "given the right token on instagram, when Meta subscribes, then 200", req: verify("instagram", "subscribe", testVerify, "42"),
			wantStatus: http.StatusOK, wantBody: "42"},
		{name: "given a wrong verify token, when Meta subscribes, then 403", req: verify("whatsapp", "subscribe", "nope", "1158201444"), wantStatus: http.StatusForbidden},
		{name: "given a token differing in its last byte, when Meta subscribes, then 403", req: verify("whatsapp", "subscribe", testVerify[:len(testVerify)-1]+"X", "1"), wantStatus: http.StatusForbidden},
		{name: "given another mode, when called, then 403", req: verify("whatsapp", "unsubscribe", testVerify, "1"), wantStatus: http.StatusForbidden},
		{name: "given no challenge, when called, then 403", req: verify("whatsapp", "subscribe", testVerify, ""), wantStatus: http.StatusForbidden},
		{name: "given a markup challenge, when called, then 403 (never reflected)", req: verify("whatsapp", "subscribe", testVerify, "<script>x</script>"), wantStatus: http.StatusForbidden},
		{name: "given an unknown provider, when called, then 404", req: verify("telegram", "subscribe", testVerify, "1"), wantStatus: http.StatusNotFound},
		{name: "given Meta disabled, when called, then 404", req: verify("whatsapp", "subscribe", testVerify, "1"), disable: true, wantStatus: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config, _ *Deps) {
				if tc.disable {
					c.MetaAppSecret, c.MetaVerifyToken = nil, nil
				}
			})
			w := serve(f.h, tc.req)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantStatus == http.StatusOK {
				if w.Body.String() != tc.wantBody || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
					t.Fatalf("body %q type %q", w.Body, w.Header().Get("Content-Type"))
				}
			} else {
				decodeProblem(t, w)
			}
		})
	}
}

func TestMetaDeliveries(t *testing.T) {
	wa := sample(t, "webhook-whatsapp.json")
	fb := sample(t, "webhook-messenger.json")
	ig := sample(t, "webhook-instagram.json")
	tests := []struct {
		name         string
		req          func() *http.Request
		accounts     AccountResolver
		failIDs      map[string]bool
		skipUpserts  bool
		routedTo     string
		wantStatus   int
		wantAccepted MetaAccepted
		wantTypes    []contract.Type
	}{
		{
			name: "given the signed WhatsApp sample, when delivered, then each message becomes an upsert and a message.received and statuses are counted",
			req:  func() *http.Request { return metaRequest(WhatsApp, wa, testMetaSecret) }, wantStatus: http.StatusOK,
			wantAccepted: MetaAccepted{Messages: 2, Enqueued: 4, Dropped: map[string]int{DropStatus: 2, DropReaction: 1}},
			wantTypes:    []contract.Type{contract.ContactUpserted, contract.MessageReceived, contract.ContactUpserted, contract.MessageReceived},
		},
		{
			name: "given the Messenger sample with upserts off and human routing, when delivered, then one message.received routed to a human",
			req:  func() *http.Request { return metaRequest(Messenger, fb, testMetaSecret) }, skipUpserts: true, routedTo: "human", wantStatus: http.StatusOK,
			wantAccepted: MetaAccepted{Messages: 1, Enqueued: 1, Dropped: map[string]int{DropEcho: 1, DropReceipt: 2}},
			wantTypes:    []contract.Type{contract.MessageReceived},
		},
		{
			name: "given the Instagram sample, when delivered, then the customer message is enqueued and the echo and receipt counted",
			req:  func() *http.Request { return metaRequest(Instagram, ig, testMetaSecret) }, wantStatus: http.StatusOK,
			wantAccepted: MetaAccepted{Messages: 1, Enqueued: 2, Dropped: map[string]int{DropEcho: 1, DropReceipt: 1}},
			wantTypes:    []contract.Type{contract.ContactUpserted, contract.MessageReceived},
		},
		{
			name: "given an account no organization owns, when delivered, then 200 with the messages counted as unknown_account",
			req:  func() *http.Request { return metaRequest(WhatsApp, wa, testMetaSecret) }, accounts: staticAccounts{}, wantStatus: http.StatusOK,
			wantAccepted: MetaAccepted{Dropped: map[string]int{DropStatus: 2, DropReaction: 1, DropUnknownAccount: 2}},
		},
		{
			name: "given the account table failing, when delivered, then 503 so Meta retries",
			req:  func() *http.Request { return metaRequest(WhatsApp, wa, testMetaSecret) }, accounts: staticAccounts{err: errors.New("throttled")},
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "given the queue failing, when delivered, then 503 so Meta retries",
			req:        func() *http.Request { return metaRequest(Instagram, ig, testMetaSecret) },
			failIDs:    map[string]bool{eventID("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTc4NDc2MDcxNjk0ODQ1MzozMTYxMDQ5NjU1MzQ4NzE2MDk5NDQwMzEwNDc4MTQzMjMyMAZDZD"): true},
			wantStatus: http.StatusServiceUnavailable,
		},
		{
			name:       "given a delivery signed with another secret, when delivered, then 401 and nothing enqueued",
			req:        func() *http.Request { return metaRequest(WhatsApp, wa, "another-secret-0123456789abcdef") },
			wantStatus: http.StatusUnauthorized,
		},
		{
			name:       "given an unsigned delivery, when delivered, then 401",
			req:        func() *http.Request { return metaRequest(WhatsApp, wa, "") },
			wantStatus: http.StatusUnauthorized,
		},
		{
			name:       "given the WhatsApp payload on the Messenger route, when delivered, then 400",
			req:        func() *http.Request { return metaRequest(Messenger, wa, testMetaSecret) },
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "given a signed non-JSON body, when delivered, then 400",
			req:        func() *http.Request { return metaRequest(WhatsApp, []byte("hello"), testMetaSecret) },
			wantStatus: http.StatusBadRequest,
		},
		{
			name: "given a body over the Meta cap, when delivered, then 413",
			req: func() *http.Request {
				return metaRequest(WhatsApp, bytes.Repeat([]byte(" "), DefaultMaxMetaBodyBytes+1), testMetaSecret)
			},
			wantStatus: http.StatusRequestEntityTooLarge,
		},
		{
			name: "given PUT on a webhook route, when served, then 405",
			req: func() *http.Request {
				r := metaRequest(WhatsApp, wa, testMetaSecret)
				r.Method = http.MethodPut
				return r
			},
			wantStatus: http.StatusMethodNotAllowed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config, d *Deps) {
				if tc.accounts != nil {
					d.Accounts = tc.accounts
				}
				c.SkipContactUpserts = tc.skipUpserts
				c.DefaultRoutedTo = tc.routedTo
			})
			f.pub.failIDs = tc.failIDs
			w := serve(f.h, tc.req())
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantStatus != http.StatusOK {
				decodeProblem(t, w)
				if tc.failIDs == nil && len(f.pub.published) > 0 {
					t.Errorf("published %d events on a failed delivery", len(f.pub.published))
				}
				return
			}
			var got MetaAccepted
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantAccepted) {
				t.Errorf("answer %+v, want %+v", got, tc.wantAccepted)
			}
			var types []contract.Type
			for _, ev := range f.pub.published {
				types = append(types, ev.Type)
				if err := ev.Validate(now); err != nil {
					t.Errorf("published an invalid event: %v", err)
				}
				if ev.OrgID != "org-acme" {
					t.Errorf("org %q", ev.OrgID)
				}
				want := "bot"
				if tc.routedTo != "" {
					want = tc.routedTo
				}
				if ev.Type == contract.MessageReceived && ev.Data.RoutedTo != want {
					t.Errorf("routedTo %q, want %q", ev.Data.RoutedTo, want)
				}
			}
			if fmt.Sprint(types) != fmt.Sprint(tc.wantTypes) {
				t.Errorf("published %v, want %v", types, tc.wantTypes)
			}
		})
	}
}

func TestLogsCarryNoPersonalDataOrSecrets(t *testing.T) {
	t.Run("given every kind of request, when served, then the logs hold request ids and counts but no text, phone or secret", func(t *testing.T) {
		f := newFixture(t, nil)
		reqs := []*http.Request{
			metaRequest(WhatsApp, sample(t, "webhook-whatsapp.json"), testMetaSecret),
			metaRequest(Messenger, sample(t, "webhook-messenger.json"), testMetaSecret),
			metaRequest(WhatsApp, sample(t, "webhook-whatsapp.json"), "wrong-secret-0123456789abcdefghij"),
			producerRequest(ContentTypeCloudEventBatch, sample(t, "producer-batch.json"), "org-acme", keyA, "msg_l", now),
			producerRequest(ContentTypeCloudEventBatch, sample(t, "producer-batch-invalid.json"), "org-acme", keyA, "msg_l2", now),
			producerRequest(ContentTypeCloudEvent, sample(t, "producer-event.json"), "org-acme", keyB, "msg_l3", now),
		}
		for _, r := range reqs {
			serve(f.h, r)
		}
		logs := f.logs.String()
		for _, secret := range []string{
			testMetaSecret, testVerify, string(keyA), string(keyB),
			"pedido 4521", "Boa tarde", "Quero trocar", "5511987654321", "5521998765432", "+5531998877665", "joana@example.com.br",
		} {
			if strings.Contains(logs, secret) {
				t.Errorf("logs contain %q", secret)
			}
		}
		lines := strings.Split(strings.TrimSpace(logs), "\n")
		if len(lines) < len(reqs) {
			t.Fatalf("want at least one line per request, got %d", len(lines))
		}
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("not a JSON log line: %s", l)
			}
			if m["requestId"] == nil || m["requestId"] == "" {
				t.Errorf("line without requestId: %s", l)
			}
		}
		if !strings.Contains(logs, `"dropped_status":2`) {
			t.Errorf("drop counts not logged as numbers: %s", logs)
		}
	})
}

func TestRouting(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
	}{
		{name: "given an unknown path, when served, then 404 problem", method: http.MethodGet, path: "/v1/home", wantStatus: http.StatusNotFound},
		{name: "given a nested webhook path, when served, then 404", method: http.MethodPost, path: "/v1/webhooks/whatsapp/x", wantStatus: http.StatusNotFound},
		{name: "given the webhooks prefix alone, when served, then 404", method: http.MethodPost, path: "/v1/webhooks/", wantStatus: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			w := serve(f.h, httptest.NewRequest(tc.method, tc.path, nil))
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d", w.Code)
			}
			decodeProblem(t, w)
		})
	}
}
