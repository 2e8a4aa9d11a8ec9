package home_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/auth"
	contract1 "github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/queue"
	"github.com/customercloud/home/shared/webhook"
	"github.com/customercloud/home/tests/oracle"
	"github.com/customercloud/home/tests/pipeline"
)

// The contract is docs/openapi.yaml (OpenAPI 3.1), loaded and checked with
// kin-openapi, whose openapi3filter validates 3.1 documents with a JSON
// Schema 2020-12 validator (type arrays with "null", const, prefixItems,
// if/then/else, propertyNames). Every response the tests of this package
// get through call (access_test.go, this file) and through the browser test
// is validated against it: a response the document does not describe fails
// the test that made it.

const specPath = "../../docs/openapi.yaml"

type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	contractOnce sync.Once
	contractDoc  *contract
	contractErr  error
)

func loadContract(t testing.TB) *contract {
	t.Helper()
	contractOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(specPath)
		if err != nil {
			contractErr = fmt.Errorf("load %s: %w", specPath, err)
			return
		}
		if !doc.IsOpenAPI31OrLater() {
			contractErr = fmt.Errorf("%s is OpenAPI %s, want 3.1", specPath, doc.OpenAPI)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			contractErr = fmt.Errorf("%s is not a valid OpenAPI document: %w", specPath, err)
			return
		}
		// Route on paths alone: the documented servers are AWS and the
		// local runner, while tests call the handlers in process or on
		// ephemeral ports.
		routed := *doc
		routed.Servers = nil
		r, err := gorillamux.NewRouter(&routed)
		if err != nil {
			contractErr = fmt.Errorf("router: %w", err)
			return
		}
		contractDoc = &contract{doc: doc, router: r}
	})
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	return contractDoc
}

// validation is the JSON Schema 2020-12 validation of OpenAPI 3.1.
var validation = []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(), openapi3.MultiErrors()}

// check says why a response to req does not match the contract, or nil.
func (c *contract) check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			// A documented path, a method it lacks: the documented
			// MethodNotAllowed response, whose Allow lists the path's
			// documented methods.
			if status != http.StatusMethodNotAllowed {
				return fmt.Errorf("%s %s: the path has no such operation, yet answered %d", req.Method, req.URL.Path, status)
			}
			if err := c.checkAllow(req, header.Get("Allow")); err != nil {
				return err
			}
			return c.checkResponse(c.doc.Components.Responses["MethodNotAllowed"], header, body)
		}
		if errors.Is(err, routers.ErrPathNotFound) {
			// Not a path of the document: the answer must be the
			// documented NotFound response.
			if status != http.StatusNotFound {
				return fmt.Errorf("%s %s is not a documented operation, yet answered %d", req.Method, req.URL.Path, status)
			}
			return c.checkResponse(c.doc.Components.Responses["NotFound"], header, body)
		}
		return fmt.Errorf("route: %w", err)
	}
	if status == http.StatusNotModified {
		// openapi3filter skips 304s: check them here.
		ref := route.Operation.Responses.Status(status)
		if ref == nil {
			return fmt.Errorf("%s %s: 304 is not documented", req.Method, route.Path)
		}
		if len(body) > 0 {
			return fmt.Errorf("a 304 must have no body, got %q", body)
		}
		return c.checkResponse(ref, header, nil)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// checkAllow says why allow is not the list of the documented methods of
// req's path, or nil.
func (c *contract) checkAllow(req *http.Request, allow string) error {
	var want []string
	for _, m := range []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"} {
		probe := req.Clone(context.Background())
		probe.Method = m
		if _, _, err := c.router.FindRoute(probe); err == nil {
			want = append(want, m)
		}
	}
	if got := strings.Join(want, ", "); allow != got {
		return fmt.Errorf("Allow %q, want the documented methods %q", allow, got)
	}
	return nil
}

// checkResponse validates headers and body against one response object
// (for answers openapi3filter does not cover: 304s and routes outside the
// document).
func (c *contract) checkResponse(ref *openapi3.ResponseRef, header http.Header, body []byte) error {
	if ref == nil || ref.Value == nil {
		return errors.New("response not in the document")
	}
	resp := ref.Value
	for name, h := range resp.Headers {
		v := header.Get(name)
		if v == "" {
			if h.Value.Required {
				return fmt.Errorf("header %s is required", name)
			}
			continue
		}
		if h.Value.Schema != nil {
			if err := h.Value.Schema.Value.VisitJSON(v, validation...); err != nil {
				return fmt.Errorf("header %s: %w", name, err)
			}
		}
	}
	if body == nil {
		return nil
	}
	ct := header.Get("Content-Type")
	mt := resp.Content.Get(ct)
	if mt == nil {
		return fmt.Errorf("content type %q is not documented", ct)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return mt.Schema.Value.VisitJSON(v, validation...)
}

// apiRequest builds a request to the API.
func apiRequest(method, target, token string, body []byte, hdr ...string) *http.Request {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return req
}

// call sends req through h (the local API Gateway, or a handler) and fails
// the test when the answer does not match docs/openapi.yaml.
func call(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	if err := loadContract(t).check(vreq, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Errorf("%s %s → %d does not match docs/openapi.yaml: %v\nheaders: %v\nbody: %s", req.Method, req.URL, rec.Code, err, rec.Header(), rec.Body)
	}
	return rec
}

// --- data ---

// fixtureNow is "now" for the API: 12:00 in São Paulo.
var fixtureNow = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

// loadedOrg is an organization with generated activity, delivered to the
// debit handler and rolled up, and what a brute-force recount expects.
type loadedOrg struct {
	ID     string
	Prefix string // contact id prefix, so organizations' contacts differ
	Plan   plan.Plan
	Events []contract1.Event
	Want   oracle.Result
}

// loadOrg generates a few weeks of activity for org. The stream is
// generated as if for idsOf (so two organizations can carry the same
// (source, id) pairs), then moved to org with contact ids prefixed.
func loadOrg(t *testing.T, p *pipeline.Pipeline, org, idsOf, prefix string, contacts int, seed uint64) loadedOrg {
	t.Helper()
	pl := plan.Plan{Name: "Pro " + org, CycleStartDay: 5, IncludedInteractionz: 25, Seats: 3,
		Packages: map[string]int{"sms": 40, "whatsapp": 15}, TimeZone: "America/Sao_Paulo"}
	if err := p.Store.PutPlan(context.Background(), org, pl); err != nil {
		t.Fatal(err)
	}
	s := gen.Generate(gen.Options{Org: idsOf, Contacts: contacts, Days: 40, Now: fixtureNow, Intensity: 0.3, Seed: seed})
	evs := s.Events
	for i := range evs {
		evs[i].OrgID = org
		if evs[i].Data.ContactID != "" {
			evs[i].Data.ContactID = prefix + evs[i].Data.ContactID
		}
	}
	p.Deliver(t, evs)
	p.DrainStream(t)
	want := oracle.Run(evs, oracle.Options{Plan: pl, Now: fixtureNow, Classify: pipeline.OfflineLabel})
	return loadedOrg{ID: org, Prefix: prefix, Plan: pl, Events: evs, Want: want}
}

// --- the contract's own tests ---

// TestOpenAPIContract: given docs/openapi.yaml and the real API on the local
// stack, when each kind of request is made, then every answer matches the
// document (call fails the test otherwise) and has the expected status.
func TestOpenAPIContract(t *testing.T) {
	loadContract(t)
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	a := loadOrg(t, p, "contract-a", "contract-a", "", 8, 11)
	tok := func(pr auth.Profile) string { return p.Token(t, a.ID, pr) }
	home := call(t, p.Runner, apiRequest("GET", "/v1/home", tok(auth.Admin), nil))
	etag := home.Header().Get("ETag")
	planJSON := []byte(`{"name":"Contract","cycleStartDay":5,"includedInteractionz":25,"seats":3,"packages":{"sms":40,"whatsapp":15},"timeZone":"America/Sao_Paulo"}`)
	cases := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"given an Admin, when GET /v1/home, then 200", apiRequest("GET", "/v1/home", tok(auth.Admin), nil), 200},
		{"given an Operator, when GET /v1/home, then 200", apiRequest("GET", "/v1/home", tok(auth.Operator), nil), 200},
		{"given an AdvancedAgent, when GET /v1/home, then 200", apiRequest("GET", "/v1/home", tok(auth.AdvancedAgent), nil), 200},
		{"given a Viewer, when GET /v1/home, then 200", apiRequest("GET", "/v1/home", tok(auth.Viewer), nil), 200},
		{"given an organization without data, when GET /v1/home, then 200 with a null asOf", apiRequest("GET", "/v1/home", p.Token(t, "contract-empty", auth.Viewer), nil), 200},
		{"given the current ETag, when GET /v1/home with If-None-Match, then 304", apiRequest("GET", "/v1/home", tok(auth.Admin), nil, "If-None-Match", etag), 304},
		{"given an allowed origin, when GET /v1/home, then 200 with CORS headers", apiRequest("GET", "/v1/home", tok(auth.Admin), nil, "Origin", "http://localhost:5173"), 200},
		{"given an Agent, when GET /v1/home, then 403", apiRequest("GET", "/v1/home", tok(auth.Agent), nil), 403},
		{"given an unknown profile, when GET /v1/home, then 403", apiRequest("GET", "/v1/home", tok("Superuser"), nil), 403},
		{"given no token, when GET /v1/home, then 401", apiRequest("GET", "/v1/home", "", nil), 401},
		{"given a garbage token, when GET /v1/consumption, then 401", apiRequest("GET", "/v1/consumption", "garbage", nil), 401},
		{"given no token, when PUT /v1/plan, then 401", apiRequest("PUT", "/v1/plan", "", planJSON), 401},
		{"given an Operator, when GET /v1/consumption, then 403", apiRequest("GET", "/v1/consumption", tok(auth.Operator), nil), 403},
		{"given a Viewer, when PUT /v1/plan, then 403", apiRequest("PUT", "/v1/plan", tok(auth.Viewer), planJSON), 403},
		{"given an Admin, when GET /v1/consumption with defaults, then 200", apiRequest("GET", "/v1/consumption", tok(auth.Admin), nil), 200},
		{"given limit=0, when GET /v1/consumption, then 400", apiRequest("GET", "/v1/consumption?limit=0", tok(auth.Admin), nil), 400},
		{"given a bad date, when GET /v1/consumption, then 400", apiRequest("GET", "/v1/consumption?from=yesterday", tok(auth.Admin), nil), 400},
		{"given a foreign cursor, when GET /v1/consumption, then 400", apiRequest("GET", "/v1/consumption?cursor=Zm9v", tok(auth.Admin), nil), 400},
		{"given a valid plan, when PUT /v1/plan, then 200", apiRequest("PUT", "/v1/plan", tok(auth.Admin), planJSON), 200},
		{"given a plan without packages and zone, when PUT /v1/plan, then 200 with the default zone", apiRequest("PUT", "/v1/plan", tok(auth.Admin), []byte(`{"name":"Lite","cycleStartDay":1,"seats":1}`)), 200},
		{"given an invalid plan, when PUT /v1/plan, then 422", apiRequest("PUT", "/v1/plan", tok(auth.Admin), []byte(`{"name":"X","cycleStartDay":31,"seats":1,"packages":{"fax":1},"timeZone":"Mars/Olympus"}`)), 422},
		{"given an unknown field, when PUT /v1/plan, then 400", apiRequest("PUT", "/v1/plan", tok(auth.Admin), []byte(`{"name":"X","cycleStartDay":1,"seats":1,"color":"red"}`)), 400},
		{"given text/plain, when PUT /v1/plan, then 415", apiRequest("PUT", "/v1/plan", tok(auth.Admin), planJSON, "Content-Type", "text/plain"), 415},
		{"given a 17 KiB body, when PUT /v1/plan, then 413", apiRequest("PUT", "/v1/plan", tok(auth.Admin), append([]byte(`{"name":"`+strings.Repeat("x", 17<<10)), '"', '}')), 413},
		{"given an unknown route, when GET, then 404", apiRequest("GET", "/v1/nothing", tok(auth.Admin), nil), 404},
		{"given a known path, when called with another method, then 405 with Allow", apiRequest("DELETE", "/v1/home", tok(auth.Admin), nil), 405},
		{"given the plan path, when called with GET, then 405 with Allow", apiRequest("GET", "/v1/plan", tok(auth.Admin), nil), 405},
		{"given no Origin, when OPTIONS /v1/home, then a bare 204", apiRequest("OPTIONS", "/v1/home", "", nil), 204},
		{"given an allowed origin but no requested method, when OPTIONS /v1/consumption, then a bare 204", apiRequest("OPTIONS", "/v1/consumption", "", nil, "Origin", "http://localhost:5173"), 204},
		{"given an unknown path, when preflighted, then 404", apiRequest("OPTIONS", "/v1/nothing", "", nil, "Origin", "http://localhost:5173", "Access-Control-Request-Method", "GET"), 404},
		{"given dates in year 9999, when GET /v1/consumption, then 400 (not a DynamoDB error)", apiRequest("GET", "/v1/consumption?from=9999-12-01&to=9999-12-31", tok(auth.Admin), nil), 400},
		{"given the last date allowed, when GET /v1/consumption, then 200", apiRequest("GET", "/v1/consumption?from=9999-12-01&to=9999-12-30", tok(auth.Admin), nil), 200},
		{"given an integral limit written 50.0, when GET /v1/consumption, then 200", apiRequest("GET", "/v1/consumption?limit=50.0", tok(auth.Admin), nil), 200},
		{"given an empty to, when GET /v1/consumption, then 400 (not the default)", apiRequest("GET", "/v1/consumption?to=", tok(auth.Admin), nil), 400},
		{"given a fractional limit, when GET /v1/consumption, then 400", apiRequest("GET", "/v1/consumption?limit=50.5", tok(auth.Admin), nil), 400},
		{"given an allowed origin, when preflighting PUT /v1/plan, then 204", apiRequest("OPTIONS", "/v1/plan", "", nil, "Origin", "http://localhost:5173", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "authorization,content-type"), 204},
		{"given a disallowed origin, when preflighting GET /v1/home, then 204 without CORS headers", apiRequest("OPTIONS", "/v1/home", "", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "GET"), 204},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := call(t, p.Runner, c.req)
			if rec.Code != c.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.want, rec.Body)
			}
		})
	}

	t.Run("given more ledger entries than a page, when following nextCursor, then every page matches and the pages add up", func(t *testing.T) {
		from, to := fixtureNow.AddDate(0, 0, -45).Format("2006-01-02"), "2026-11-20"
		seen := map[string]bool{}
		pages := 0
		cursor := ""
		for {
			target := "/v1/consumption?from=" + from + "&to=" + to + "&limit=4"
			if cursor != "" {
				target += "&cursor=" + cursor
			}
			rec := call(t, p.Runner, apiRequest("GET", target, tok(auth.Admin), nil))
			if rec.Code != 200 {
				t.Fatalf("page %d: status %d: %s", pages, rec.Code, rec.Body)
			}
			var page struct {
				Ledger []struct {
					ContactID, EventID, Lane string
				}
				NextCursor *string
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
				t.Fatal(err)
			}
			pages++
			if len(page.Ledger) > 4 {
				t.Fatalf("page of %d entries, limit 4", len(page.Ledger))
			}
			for _, e := range page.Ledger {
				k := e.ContactID + "/" + e.EventID + "/" + e.Lane
				if seen[k] {
					t.Fatalf("entry %s on two pages", k)
				}
				seen[k] = true
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
			if pages > 200 {
				t.Fatal("pagination does not end")
			}
		}
		if len(seen) != len(a.Want.Debits) || pages < 2 {
			t.Fatalf("%d entries on %d pages, want %d debits on several pages", len(seen), pages, len(a.Want.Debits))
		}
	})
}

// TestOpenAPIContractRejectsWrongAnswers: given real answers of the API,
// when they are altered the way a regression would alter them, then the
// contract check rejects each one (and accepts the unaltered answers), so a
// response that drifts from docs/openapi.yaml cannot pass.
func TestOpenAPIContractRejectsWrongAnswers(t *testing.T) {
	c := loadContract(t)
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	a := loadOrg(t, p, "negative-a", "negative-a", "", 6, 21)
	get := func(pr auth.Profile, target string, hdr ...string) (*http.Request, *httptest.ResponseRecorder) {
		req := apiRequest("GET", target, p.Token(t, a.ID, pr), nil, hdr...)
		rec := httptest.NewRecorder()
		p.Runner.ServeHTTP(rec, req)
		return req, rec
	}
	type answer struct {
		req    *http.Request
		status int
		header http.Header
		body   []byte
	}
	real := func(req *http.Request, rec *httptest.ResponseRecorder) answer {
		return answer{req, rec.Code, rec.Header().Clone(), rec.Body.Bytes()}
	}
	adminHome := real(get(auth.Admin, "/v1/home"))
	viewerHome := real(get(auth.Viewer, "/v1/home"))
	operatorHome := real(get(auth.Operator, "/v1/home"))
	consumption := real(get(auth.Admin, "/v1/consumption?limit=2"))
	forbidden := real(get(auth.Agent, "/v1/home"))
	notModified := real(get(auth.Admin, "/v1/home", "If-None-Match", adminHome.header.Get("ETag")))
	for _, x := range []answer{adminHome, viewerHome, operatorHome, consumption, forbidden, notModified} {
		if err := c.check(x.req, x.status, x.header, x.body); err != nil {
			t.Fatalf("the unaltered %s answer (%d) is rejected: %v", x.req.URL, x.status, err)
		}
	}
	// edit decodes a JSON body, lets f change it and re-encodes it.
	edit := func(x answer, f func(m map[string]any)) answer {
		var m map[string]any
		if err := json.Unmarshal(x.body, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		x.body = b
		return x
	}
	withHeader := func(x answer, k, v string) answer {
		x.header = x.header.Clone()
		if v == "" {
			x.header.Del(k)
		} else {
			x.header.Set(k, v)
		}
		return x
	}
	metrics := func(m map[string]any) map[string]any { return m["metrics"].(map[string]any) }
	cases := []struct {
		name string
		x    answer
	}{
		{"given a home without asOf, when checked, then rejected", edit(adminHome, func(m map[string]any) { delete(m, "asOf") })},
		{"given a home whose asOf is a number, when checked, then rejected", edit(adminHome, func(m map[string]any) { m["asOf"] = 5 })},
		{"given a home with an undocumented field, when checked, then rejected", edit(adminHome, func(m map[string]any) { m["debug"] = true })},
		{"given a Viewer's home with quickActions, when checked, then rejected", edit(viewerHome, func(m map[string]any) { m["quickActions"] = home.QuickActions })},
		{"given an Operator's home without quickActions, when checked, then rejected", edit(operatorHome, func(m map[string]any) { delete(m, "quickActions") })},
		{"given an Operator's home with an executable first step, when checked, then rejected", edit(operatorHome, func(m map[string]any) {
			m["firstSteps"].([]any)[2].(map[string]any)["canExecute"] = true
		})},
		{"given an Admin's home with a read-only first step, when checked, then rejected", edit(adminHome, func(m map[string]any) {
			m["firstSteps"].([]any)[0].(map[string]any)["canExecute"] = false
		})},
		{"given first steps out of order, when checked, then rejected", edit(adminHome, func(m map[string]any) {
			s := m["firstSteps"].([]any)
			s[0], s[1] = s[1], s[0]
		})},
		{"given a changePercent as a string, when checked, then rejected", edit(adminHome, func(m map[string]any) {
			metrics(m)["contactsReached"].(map[string]any)["changePercent"] = "12.5"
		})},
		{"given a comparison without changePercent, when checked, then rejected", edit(adminHome, func(m map[string]any) {
			delete(metrics(m)["contactsInSupport"].(map[string]any), "changePercent")
		})},
		{"given a satisfaction index over 100, when checked, then rejected", edit(adminHome, func(m map[string]any) {
			metrics(m)["satisfaction"].(map[string]any)["index"] = 250
		})},
		{"given 29 days of daily volume, when checked, then rejected", edit(adminHome, func(m map[string]any) {
			dv := metrics(m)["dailyVolume"].([]any)
			metrics(m)["dailyVolume"] = dv[1:]
		})},
		{"given a negative count, when checked, then rejected", edit(adminHome, func(m map[string]any) { metrics(m)["contactBase"] = -1 })},
		{"given an unknown profile in the payload, when checked, then rejected", edit(adminHome, func(m map[string]any) { m["profile"] = "Agent" })},
		{"given a home without its ETag, when checked, then rejected", withHeader(adminHome, "ETag", "")},
		{"given a home cacheable by shared caches, when checked, then rejected", withHeader(adminHome, "Cache-Control", "public, max-age=60")},
		{"given a home as text/html, when checked, then rejected", withHeader(adminHome, "Content-Type", "text/html")},
		{"given a 304 with a body, when checked, then rejected", answer{notModified.req, 304, notModified.header, []byte("{}")}},
		{"given a 304 without its ETag, when checked, then rejected", withHeader(notModified, "ETag", "")},
		{"given consumption without nextCursor, when checked, then rejected", edit(consumption, func(m map[string]any) { delete(m, "nextCursor") })},
		{"given a ledger entry of an unknown lane, when checked, then rejected", edit(consumption, func(m map[string]any) {
			m["ledger"] = []any{map[string]any{"contactId": "c-1", "lane": "fax", "channel": "sms", "windowStart": "2026-11-20T10:00:00Z",
				"windowEnd": "2026-11-21T10:00:00Z", "date": "2026-11-20", "eventId": "e", "eventSource": "inbox", "eventType": "message.sent"}}
		})},
		{"given a problem without status, when checked, then rejected", edit(forbidden, func(m map[string]any) { delete(m, "status") })},
		{"given a 403 as application/json, when checked, then rejected", withHeader(forbidden, "Content-Type", "application/json")},
		{"given an undocumented status, when checked, then rejected", answer{adminHome.req, http.StatusTeapot, forbidden.header, forbidden.body}},
		{"given a problem on an undocumented route with status 200, when checked, then rejected", answer{apiRequest("GET", "/v1/nothing", "", nil), 200, forbidden.header, forbidden.body}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.check(tc.x.req, tc.x.status, tc.x.header, tc.x.body)
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.x.body)
			}
			t.Logf("rejected: %.300s", err)
		})
	}
	t.Run("given nulls where the document allows them, when checked, then accepted", func(t *testing.T) {
		x := edit(adminHome, func(m map[string]any) {
			m["asOf"] = nil
			metrics(m)["contactsReached"].(map[string]any)["changePercent"] = nil
			metrics(m)["satisfaction"].(map[string]any)["index"] = nil
			ad := metrics(m)["attendanceDistribution"].(map[string]any)
			ad["commercialShare"], ad["supportShare"] = nil, nil
		})
		if err := c.check(x.req, x.status, x.header, x.body); err != nil {
			t.Fatal(err)
		}
	})
}

// --- webhooks ---

// flakyPublisher accepts every event unless told to fail.
type flakyPublisher struct {
	mu   sync.Mutex
	fail bool
}

func (f *flakyPublisher) Publish(_ context.Context, evs []contract1.Event) ([]queue.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res := make([]queue.Result, len(evs))
	if f.fail {
		for i := range res {
			res[i].Err = queue.ErrUnavailable
		}
		return res, &queue.PublishError{Failed: len(evs), Total: len(evs), Cause: queue.ErrUnavailable}
	}
	for i := range res {
		res[i].MessageID = strconv.Itoa(i)
	}
	return res, nil
}

type oneAccount struct{}

func (oneAccount) OrgFor(_ context.Context, p webhook.Provider, account string) (string, bool, error) {
	if p == webhook.WhatsApp && account == "106540352242922" {
		return "org-acme", true, nil
	}
	return "", false, nil
}

// TestOpenAPIContractWebhooks: given the webhook handler with its real
// logic (an in-memory queue), when producers and Meta call it, then every
// answer matches the document's webhook operations.
func TestOpenAPIContractWebhooks(t *testing.T) {
	loadContract(t)
	now := time.Date(2025, 6, 8, 21, 0, 0, 0, time.UTC) // after the samples' times
	secret := webhook.Secret("producer-secret-0123456789abcdef")
	const metaSecret, verify = "meta-app-secret-0123456789abcdef", "verify-token-for-contract"
	pub := &flakyPublisher{}
	h, err := webhook.New(webhook.Config{
		ProducerSecrets: map[string][]webhook.Secret{"org-acme": {secret}},
		MetaAppSecret:   webhook.Secret(metaSecret), MetaVerifyToken: webhook.Secret(verify),
	}, webhook.Deps{Publisher: pub, Accounts: oneAccount{}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	sample := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	single, batch, invalid, whatsapp := sample("producer-event.json"), sample("producer-batch.json"), sample("producer-batch-invalid.json"), sample("webhook-whatsapp.json")
	seq := 0
	signed := func(ct string, body []byte, id string) *http.Request {
		if id == "" {
			seq++
			id = fmt.Sprintf("msg-contract-%d", seq)
		}
		req := httptest.NewRequest("POST", "/v1/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", webhook.SignProducer(secret, id, now.Unix(), body))
		req.Header.Set("webhook-org", "org-acme")
		return req
	}
	meta := func(provider string, body []byte, key string) *http.Request {
		req := httptest.NewRequest("POST", "/v1/webhooks/"+provider, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		m := hmac.New(sha256.New, []byte(key))
		m.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
		return req
	}
	stale := signed(webhook.ContentTypeCloudEvent, single, "")
	stale.Header.Set("webhook-timestamp", strconv.FormatInt(now.Add(-time.Hour).Unix(), 10))
	dupInBatch := []byte("[" + string(single) + "," + string(single) + "]")
	big := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), 300<<10)...)
	cases := []struct {
		name  string
		req   *http.Request
		fail  bool
		want  int
		check func(t *testing.T, body []byte)
	}{
		{name: "given a signed event, when posted, then 202", req: signed(webhook.ContentTypeCloudEvent, single, "replayed-1"), want: 202},
		{name: "given the same request again, when posted, then 202 all duplicates", req: signed(webhook.ContentTypeCloudEvent, single, "replayed-1"), want: 202},
		{name: "given the same webhook-id with another body, when posted, then 409", req: signed(webhook.ContentTypeCloudEventBatch, batch, "replayed-1"), want: 409},
		{name: "given a signed batch, when posted, then 202", req: signed(webhook.ContentTypeCloudEventBatch, batch, ""), want: 202},
		{name: "given a batch repeating an event, when posted, then 202 with a duplicate", req: signed(webhook.ContentTypeCloudEventBatch, dupInBatch, ""), want: 202},
		{name: "given a batch with invalid events, when posted, then 422 naming the fields", req: signed(webhook.ContentTypeCloudEventBatch, invalid, ""), want: 422},
		{name: "given a batch that is not an array, when posted, then 400", req: signed(webhook.ContentTypeCloudEventBatch, single, ""), want: 400},
		{name: "given a stale timestamp, when posted, then 401", req: stale, want: 401},
		{name: "given plain JSON, when posted, then 415", req: signed("application/json", single, ""), want: 415},
		{name: "given 300 KiB, when posted, then 413", req: signed(webhook.ContentTypeCloudEvent, big, ""), want: 413},
		{name: "given the queue down, when a batch is posted, then 503 with results", req: signed(webhook.ContentTypeCloudEventBatch, batch, ""), fail: true, want: 503},
		{name: "given Meta's handshake, when verified, then 200 with the challenge", req: httptest.NewRequest("GET", "/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token="+verify+"&hub.challenge=1158201444", nil), want: 200},
		{name: "given a wrong verify token, when verified, then 403", req: httptest.NewRequest("GET", "/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", nil), want: 403},
		{name: "given an unknown provider, when verified, then 404", req: httptest.NewRequest("GET", "/v1/webhooks/telegram?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1", nil), want: 404},
		{name: "given a signed WhatsApp delivery, when posted, then 200 with counts", req: meta("whatsapp", whatsapp, metaSecret), want: 200},
		{name: "given a delivery signed with another secret, when posted, then 401", req: meta("whatsapp", whatsapp, "another-secret-0123456789abcdef"), want: 401},
		{name: "given a WhatsApp payload on the messenger route, when posted, then 400", req: meta("messenger", whatsapp, metaSecret), want: 400},
		{name: "given the queue down, when a delivery is posted, then 503", req: meta("whatsapp", whatsapp, metaSecret), fail: true, want: 503},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pub.mu.Lock()
			pub.fail = c.fail
			pub.mu.Unlock()
			rec := call(t, h, c.req)
			if rec.Code != c.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.want, rec.Body)
			}
		})
	}
}
