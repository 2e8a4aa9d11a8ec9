package home_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customercloud/home/shared/auth"
	contract1 "github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/tests/pipeline"
)

// These tests go through p.Runner: the local API Gateway (JWT authorizer,
// CORS, payload 2.0 events) in front of the real handler on DynamoDB Local.
// Every answer is also checked against docs/openapi.yaml by call.

const allowedOrigin = "http://localhost:5173" // the pipeline runner's CORS allow-list

func decodeMap(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, rec.Body)
	}
	return m
}

func decodePayload(t *testing.T, rec *httptest.ResponseRecorder) home.Payload {
	t.Helper()
	var p home.Payload
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("body is not a Home payload: %v\n%s", err, rec.Body)
	}
	return p
}

// sameComparison compares two comparisons' values (not their pointers).
func sameComparison(a, b metrics.Comparison) bool {
	pa, pb := a.ChangePercent, b.ChangePercent
	if (pa == nil) != (pb == nil) || pa != nil && math.Abs(*pa-*pb) > 0.005 {
		return false
	}
	return a.Current == b.Current && a.Previous == b.Previous && a.Change == b.Change
}

// problemFields checks a problem+json answer of the given status and
// returns the fields it names.
func problemFields(t *testing.T, rec *httptest.ResponseRecorder, status int) []string {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var pr struct {
		Status int
		Errors []struct{ Field, Reason string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &pr); err != nil || pr.Status != status {
		t.Fatalf("problem %s: %v", rec.Body, err)
	}
	var fs []string
	for _, e := range pr.Errors {
		fs = append(fs, e.Field)
	}
	sort.Strings(fs)
	return fs
}

// TestHomeShapedByProfile: given an organization with activity, when each
// access profile asks for its Home, then the payload is shaped by the
// profile (docs/PRODUCT.md, "Who sees what") and everyone who may see it
// sees the same figures.
func TestHomeShapedByProfile(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	a := loadOrg(t, p, "shape-a", "shape-a", "", 6, 31)
	var adminMetrics json.RawMessage
	cases := []struct {
		name         string
		profile      auth.Profile
		wantStatus   int
		wantProfile  string
		canExecute   bool
		quickActions bool
	}{
		{"given an Admin, when GET /v1/home, then first steps are executable and quick actions shown", auth.Admin, 200, "Admin", true, true},
		{"given an Operator, when GET /v1/home, then first steps are read-only and quick actions shown", auth.Operator, 200, "Operator", false, true},
		{"given an AdvancedAgent, when GET /v1/home, then first steps are read-only and no quick actions", auth.AdvancedAgent, 200, "AdvancedAgent", false, false},
		{"given the profile spelled 'Advanced Agent', when GET /v1/home, then it is the AdvancedAgent Home", "Advanced Agent", 200, "AdvancedAgent", false, false},
		{"given a Viewer, when GET /v1/home, then first steps are read-only and no quick actions", auth.Viewer, 200, "Viewer", false, false},
		{"given an Agent, when GET /v1/home, then 403", auth.Agent, 403, "", false, false},
		{"given an unknown profile, when GET /v1/home, then 403", "Superuser", 403, "", false, false},
		{"given a profile in the wrong case, when GET /v1/home, then 403", "admin", 403, "", false, false},
		{"given no profile claim, when GET /v1/home, then 403", "", 403, "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := call(t, p.Runner, apiRequest("GET", "/v1/home", p.Token(t, a.ID, c.profile), nil))
			if c.wantStatus != 200 {
				problemFields(t, rec, c.wantStatus)
				return
			}
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			raw := decodeMap(t, rec)
			got := decodePayload(t, rec)
			if got.Organization != a.ID || got.Profile != c.wantProfile {
				t.Fatalf("organization/profile %q/%q, want %q/%q", got.Organization, got.Profile, a.ID, c.wantProfile)
			}
			var steps []string
			for _, s := range got.FirstSteps {
				steps = append(steps, s.Step)
				if s.CanExecute != c.canExecute {
					t.Errorf("step %s canExecute %v, want %v", s.Step, s.CanExecute, c.canExecute)
				}
			}
			if want := []string{"connect_integration", "import_contacts", "enable_channel", "invite_users", "send_first_message"}; !slices.Equal(steps, want) {
				t.Errorf("first steps %v, want %v", steps, want)
			}
			_, present := raw["quickActions"]
			if present != c.quickActions {
				t.Fatalf("quickActions present %v, want %v", present, c.quickActions)
			}
			if c.quickActions && !slices.Equal(got.QuickActions, home.QuickActions) {
				t.Errorf("quickActions %v, want %v", got.QuickActions, home.QuickActions)
			}
			if got.Metrics.ContactBase != a.Want.Metrics.ContactBase || !sameComparison(got.Metrics.ContactsReached, a.Want.Metrics.ContactsReached) {
				t.Errorf("metrics differ from the recount: base %d reached %d/%d, want %d %d/%d", got.Metrics.ContactBase,
					got.Metrics.ContactsReached.Current, got.Metrics.ContactsReached.Previous, a.Want.Metrics.ContactBase,
					a.Want.Metrics.ContactsReached.Current, a.Want.Metrics.ContactsReached.Previous)
			}
			m, _ := json.Marshal(raw["metrics"])
			if adminMetrics == nil {
				adminMetrics = m
			} else if !bytes.Equal(m, adminMetrics) {
				t.Errorf("%s sees other metrics than the Admin", c.profile)
			}
		})
	}
}

// TestAdminOnlyRoutes: given every profile, when it reads consumption or
// changes the plan, then only the Admin may, and a refused change changes
// nothing.
func TestAdminOnlyRoutes(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	a := loadOrg(t, p, "admin-a", "admin-a", "", 4, 41)
	current, _ := json.Marshal(a.Plan)
	hijack := []byte(`{"name":"Hijacked","cycleStartDay":1,"includedInteractionz":999999,"seats":500}`)
	var cases []struct {
		name string
		req  *http.Request
		want int
	}
	add := func(name string, req *http.Request, want int) {
		cases = append(cases, struct {
			name string
			req  *http.Request
			want int
		}{name, req, want})
	}
	for _, pr := range []auth.Profile{auth.Admin, auth.Operator, auth.AdvancedAgent, auth.Viewer, auth.Agent, "Superuser"} {
		want, verdict := 403, "403"
		body := hijack
		if pr == auth.Admin {
			want, verdict, body = 200, "200", current
		}
		tok := p.Token(t, a.ID, pr)
		add(fmt.Sprintf("given a %s, when GET /v1/consumption, then %s", pr, verdict), apiRequest("GET", "/v1/consumption", tok, nil), want)
		add(fmt.Sprintf("given a %s, when PUT /v1/plan, then %s", pr, verdict), apiRequest("PUT", "/v1/plan", tok, body), want)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := call(t, p.Runner, c.req)
			if c.want != 200 {
				problemFields(t, rec, c.want)
				return
			}
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("given the refused plan changes, when the Admin reads the Home, then the plan is unchanged", func(t *testing.T) {
		got := decodePayload(t, call(t, p.Runner, apiRequest("GET", "/v1/home", p.Token(t, a.ID, auth.Admin), nil)))
		if got.ActivePlan.Name != a.Plan.Name || got.ActivePlan.Seats.Licensed != a.Plan.Seats {
			t.Fatalf("plan %q with %d seats, want %q with %d", got.ActivePlan.Name, got.ActivePlan.Seats.Licensed, a.Plan.Name, a.Plan.Seats)
		}
	})
}

// TestOrganizationsAreIsolated: given two organizations with different
// activity whose events even reuse the same (source, id) pairs, when each
// one's users read their Home and consumption, then each sees exactly its
// own data, whatever the request says about the other.
func TestOrganizationsAreIsolated(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	// Both streams are generated with the ids of "iso-a": B's events carry
	// the same (source, id) pairs as A's, on other contacts.
	a := loadOrg(t, p, "iso-a", "iso-a", "a-", 6, 51)
	b := loadOrg(t, p, "iso-b", "iso-a", "b-", 11, 52)
	if a.Want.Metrics.ContactBase == b.Want.Metrics.ContactBase {
		t.Fatalf("the fixtures must differ (contact base %d both)", a.Want.Metrics.ContactBase)
	}
	from := fixtureNow.AddDate(0, 0, -45).Format("2006-01-02")
	ledger := func(t *testing.T, tok, extra string) map[string]bool {
		seen := map[string]bool{}
		cursor := ""
		for range 100 {
			target := "/v1/consumption?from=" + from + "&to=2026-11-20&limit=50" + extra
			if cursor != "" {
				target += "&cursor=" + cursor
			}
			rec := call(t, p.Runner, apiRequest("GET", target, tok, nil))
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var c home.Consumption
			if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
				t.Fatal(err)
			}
			for _, e := range c.Ledger {
				seen[e.ContactID+"/"+e.EventID] = true
			}
			if c.NextCursor == nil {
				return seen
			}
			cursor = *c.NextCursor
		}
		t.Fatal("pagination does not end")
		return nil
	}
	cases := []struct {
		name  string
		own   loadedOrg
		other loadedOrg
		extra string            // query added to every request
		hdr   map[string]string // headers added to every request
	}{
		{name: "given A's token, when reading, then A's data only", own: a, other: b},
		{name: "given B's token, when reading, then B's data only", own: b, other: a},
		{name: "given A's token naming B in the query, when reading, then still A's data only", own: a, other: b, extra: "&org=iso-b&orgId=iso-b&custom:orgId=iso-b"},
		{name: "given A's token naming B in headers, when reading, then still A's data only", own: a, other: b,
			hdr: map[string]string{"X-Org-Id": "iso-b", "X-Amzn-Oidc-Data": "iso-b", "Custom-OrgId": "iso-b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := p.Token(t, c.own.ID, auth.Admin)
			req := apiRequest("GET", "/v1/home?"+strings.TrimPrefix(c.extra, "&"), tok, nil)
			for k, v := range c.hdr {
				req.Header.Set(k, v)
			}
			got := decodePayload(t, call(t, p.Runner, req))
			w := c.own.Want
			loc, _ := localdate.Load(c.own.Plan.TimeZone)
			cycle := c.own.Plan.Cycle(localdate.Of(fixtureNow, loc)).From.String()
			if got.Organization != c.own.ID || got.ActivePlan.Name != c.own.Plan.Name {
				t.Fatalf("organization %q plan %q, want %q %q", got.Organization, got.ActivePlan.Name, c.own.ID, c.own.Plan.Name)
			}
			if got.Metrics.ContactBase != w.Metrics.ContactBase || !sameComparison(got.Metrics.ContactsReached, w.Metrics.ContactsReached) ||
				got.ActivePlan.Interactionz.Cycle != w.CycleTotals[cycle] || got.ActivePlan.Seats.Used != w.Users {
				t.Fatalf("figures: base %d reached %d/%d cycle %d seats %d; want %d %d/%d %d %d", got.Metrics.ContactBase, got.Metrics.ContactsReached.Current,
					got.Metrics.ContactsReached.Previous, got.ActivePlan.Interactionz.Cycle, got.ActivePlan.Seats.Used, w.Metrics.ContactBase,
					w.Metrics.ContactsReached.Current, w.Metrics.ContactsReached.Previous, w.CycleTotals[cycle], w.Users)
			}
			want := map[string]bool{}
			for _, d := range w.Debits {
				want[d.Contact+"/"+d.EventID] = true
			}
			seen := ledger(t, tok, c.extra)
			for k := range seen {
				if !strings.HasPrefix(k, c.own.Prefix) {
					t.Fatalf("ledger entry %s is not of %s", k, c.own.ID)
				}
			}
			if !reflect.DeepEqual(seen, want) {
				t.Fatalf("ledger has %d entries, the recount %d", len(seen), len(want))
			}
		})
	}
}

// --- tokens ---

func otherKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestBadTokensAreRejected: given tokens that are missing, malformed,
// expired, premature, forged or meant for someone else, when they are
// presented, then the gateway (or, for a token that is not ours, the
// handler) answers 401 problem+json with WWW-Authenticate, on every route.
func TestBadTokensAreRejected(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	const org = "tokens-a"
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": auth.LocalIssuer, "aud": auth.LocalAudience, "sub": "u-1",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			resources.ClaimOrg: org, resources.ClaimProfile: "Admin"}
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(m, c)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatalf("sign %s: %v", m.Alg(), err)
		}
		return s
	}
	kid := p.Key.KID
	good := sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(nil))
	pubDER, err := x509.MarshalPKIXPublicKey(&p.Key.Key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	// A Viewer token whose payload is rewritten to Admin, signature kept.
	viewer := strings.Split(sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c[resources.ClaimProfile] = "Viewer" })), ".")
	adminPayload, _ := json.Marshal(claims(nil))
	tampered := viewer[0] + "." + base64.RawURLEncoding.EncodeToString(adminPayload) + "." + viewer[2]

	cases := []struct {
		name   string
		header string // the whole Authorization header ("" for none)
	}{
		{"given no Authorization header", ""},
		{"given an expired token", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) {
			c["iat"], c["nbf"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-2*time.Hour).Unix(), now.Add(-10*time.Minute).Unix()
		}))},
		{"given a token not yet valid", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) {
			c["nbf"] = now.Add(10 * time.Minute).Unix()
		}))},
		{"given a token without expiry", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"given a token signed by another key under the trusted key id", "Bearer " + sign(jwt.SigningMethodRS256, otherKey(t), kid, claims(nil))},
		{"given an unsigned token (alg none)", "Bearer " + sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, claims(nil))},
		{"given an HS256 token keyed with the public key", "Bearer " + sign(jwt.SigningMethodHS256, pubPEM, kid, claims(nil))},
		{"given an HS256 token keyed with the public key's DER", "Bearer " + sign(jwt.SigningMethodHS256, pubDER, kid, claims(nil))},
		{"given an RS384 token by the trusted key", "Bearer " + sign(jwt.SigningMethodRS384, p.Key.Key, kid, claims(nil))},
		{"given a token for another audience", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c["aud"] = "another-app" }))},
		{"given a token from another issuer", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }))},
		{"given a token with an unknown key id", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, "unknown-kid", claims(nil))},
		{"given a token without a key id", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, "", claims(nil))},
		{"given a Viewer token rewritten to Admin", "Bearer " + tampered},
		{"given garbage", "Bearer garbage"},
		{"given three garbage segments", "Bearer aaa.bbb.ccc"},
		{"given an empty bearer", "Bearer "},
		{"given the token without the Bearer scheme", good},
		{"given another scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:admin"))},
		{"given a valid token without the organization claim", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { delete(c, resources.ClaimOrg) }))},
		// Defense in depth: a signed organization claim is still an id.
		{"given an organization claim addressing another key space", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c[resources.ClaimOrg] = org + "#C#3" }))},
		{"given an organization claim with a NUL", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c[resources.ClaimOrg] = org + "\x00" }))},
		{"given an array organization claim", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c[resources.ClaimOrg] = []string{org} }))},
		{"given a number organization claim", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c[resources.ClaimOrg] = 42 }))},
		{"given an object organization claim", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c[resources.ClaimOrg] = map[string]string{"id": org} }))},
	}
	routes := []struct {
		method, path string
		body         []byte
	}{{"GET", "/v1/home", nil}, {"GET", "/v1/consumption", nil}, {"PUT", "/v1/plan", []byte(`{"name":"X","cycleStartDay":1,"seats":1}`)}}
	t.Run("given a well-formed token, when GET /v1/home, then 200 (the control)", func(t *testing.T) {
		rec := call(t, p.Runner, apiRequest("GET", "/v1/home", good, nil))
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
	for _, c := range []struct{ name, header string }{
		{"given an array profile claim", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c[resources.ClaimProfile] = []string{"Admin"} }))},
		{"given a number profile claim", "Bearer " + sign(jwt.SigningMethodRS256, p.Key.Key, kid, claims(func(c jwt.MapClaims) { c[resources.ClaimProfile] = 1 }))},
	} {
		for _, r := range routes {
			t.Run(fmt.Sprintf("%s, when %s %s, then 403", c.name, r.method, r.path), func(t *testing.T) {
				problemFields(t, call(t, p.Runner, apiRequest(r.method, r.path, "", r.body, "Authorization", c.header)), http.StatusForbidden)
			})
		}
	}
	for _, c := range cases {
		for _, r := range routes {
			t.Run(fmt.Sprintf("%s, when %s %s, then 401", c.name, r.method, r.path), func(t *testing.T) {
				req := apiRequest(r.method, r.path, "", r.body, "Authorization", c.header)
				rec := call(t, p.Runner, req)
				problemFields(t, rec, http.StatusUnauthorized)
				if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Fatalf("WWW-Authenticate %q", got)
				}
			})
		}
	}
}

// TestConditionalRequests: given a Home, when it is asked again with its
// ETag, then 304 until the data changes, and the answers are private.
func TestConditionalRequests(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	a := loadOrg(t, p, "etag-a", "etag-a", "", 4, 61)
	admin, viewer := p.Token(t, a.ID, auth.Admin), p.Token(t, a.ID, auth.Viewer)
	first := call(t, p.Runner, apiRequest("GET", "/v1/home", admin, nil))
	etag := first.Header().Get("ETag")
	if first.Code != 200 || etag == "" {
		t.Fatalf("status %d, ETag %q", first.Code, etag)
	}
	viewerTag := call(t, p.Runner, apiRequest("GET", "/v1/home", viewer, nil)).Header().Get("ETag")
	cases := []struct {
		name        string
		token       string
		ifNoneMatch string
		want        int
	}{
		{"given the current ETag, when GET /v1/home, then 304", admin, etag, 304},
		{"given the weak form of the ETag, when GET /v1/home, then 304", admin, "W/" + etag, 304},
		{"given a list holding the ETag, when GET /v1/home, then 304", admin, `"stale", ` + etag, 304},
		{"given If-None-Match *, when GET /v1/home, then 304", admin, "*", 304},
		{"given another ETag, when GET /v1/home, then 200", admin, `"stale"`, 200},
		{"given no If-None-Match, when GET /v1/home, then 200", admin, "", 200},
		{"given the Admin's ETag on a Viewer's request, when GET /v1/home, then 200 (the bodies differ)", viewer, etag, 200},
		{"given the Viewer's own ETag, when GET /v1/home, then 304", viewer, viewerTag, 304},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := call(t, p.Runner, apiRequest("GET", "/v1/home", c.token, nil, "If-None-Match", c.ifNoneMatch))
			if rec.Code != c.want {
				t.Fatalf("status %d, want %d", rec.Code, c.want)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "private, no-cache" {
				t.Fatalf("Cache-Control %q", cc)
			}
			if v := rec.Header().Get("Vary"); !strings.Contains(v, "Authorization") {
				t.Fatalf("Vary %q", v)
			}
			if c.want == 304 && (rec.Body.Len() != 0 || rec.Header().Get("ETag") == "") {
				t.Fatalf("304 with body %q, ETag %q", rec.Body, rec.Header().Get("ETag"))
			}
			if c.want == 200 && c.token == admin && rec.Header().Get("ETag") != etag {
				t.Fatalf("unchanged data, ETag %q then %q", etag, rec.Header().Get("ETag"))
			}
		})
	}
	t.Run("given a new billable message, when GET /v1/home with the old ETag, then 200 with a new ETag that then gives 304", func(t *testing.T) {
		before := decodePayload(t, first)
		p.Deliver(t, []contract1.Event{{SpecVersion: "1.0", ID: "etag-change-1", Source: "chatbot", Type: contract1.MessageReceived,
			Time: fixtureNow.Add(-time.Minute), OrgID: a.ID, Data: contract1.Data{ContactID: "etag-new", Channel: "whatsapp", RoutedTo: contract1.RoutedHuman}}})
		rec := call(t, p.Runner, apiRequest("GET", "/v1/home", admin, nil, "If-None-Match", etag))
		if rec.Code != 200 {
			t.Fatalf("status %d after a change", rec.Code)
		}
		next := rec.Header().Get("ETag")
		if next == "" || next == etag {
			t.Fatalf("ETag %q did not change (was %q)", next, etag)
		}
		if got := decodePayload(t, rec).ActivePlan.Interactionz.Today; got != before.ActivePlan.Interactionz.Today+1 {
			t.Fatalf("interactionz today %d, want %d", got, before.ActivePlan.Interactionz.Today+1)
		}
		if again := call(t, p.Runner, apiRequest("GET", "/v1/home", admin, nil, "If-None-Match", next)); again.Code != 304 {
			t.Fatalf("the new ETag gives %d", again.Code)
		}
	})
}

// TestCORS: given the gateway's allow-list, when browsers preflight and
// call from allowed and other origins, then only allowed origins get the
// CORS headers, and a preflight needs no token.
func TestCORS(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	tok := p.Token(t, "cors-a", auth.Admin)
	preflight := func(path, origin, method, headers string) *http.Request {
		return apiRequest("OPTIONS", path, "", nil, "Origin", origin, "Access-Control-Request-Method", method, "Access-Control-Request-Headers", headers)
	}
	has := func(list, item string) bool {
		for _, v := range strings.Split(list, ",") {
			if strings.EqualFold(strings.TrimSpace(v), item) {
				return true
			}
		}
		return false
	}
	cases := []struct {
		name    string
		req     *http.Request
		status  int
		allowed bool
		check   func(t *testing.T, h http.Header)
	}{
		{name: "given an allowed origin, when preflighting GET /v1/home without a token, then the allow headers", status: 204, allowed: true,
			req: preflight("/v1/home", allowedOrigin, "GET", "authorization,if-none-match"),
			check: func(t *testing.T, h http.Header) {
				if !has(h.Get("Access-Control-Allow-Methods"), "GET") || !has(h.Get("Access-Control-Allow-Headers"), "authorization") ||
					!has(h.Get("Access-Control-Allow-Headers"), "if-none-match") || h.Get("Access-Control-Max-Age") == "" {
					t.Fatalf("preflight headers %v", h)
				}
			}},
		{name: "given an allowed origin, when preflighting PUT /v1/plan, then PUT and content-type are allowed", status: 204, allowed: true,
			req: preflight("/v1/plan", allowedOrigin, "PUT", "authorization,content-type"),
			check: func(t *testing.T, h http.Header) {
				if !has(h.Get("Access-Control-Allow-Methods"), "PUT") || !has(h.Get("Access-Control-Allow-Headers"), "content-type") {
					t.Fatalf("preflight headers %v", h)
				}
			}},
		{name: "given a disallowed origin, when preflighting, then no CORS header", status: 204, req: preflight("/v1/home", "https://evil.example", "GET", "authorization")},
		{name: "given the allowed host on another port, when preflighting, then no CORS header", status: 204, req: preflight("/v1/home", "http://localhost:5174", "GET", "authorization")},
		{name: "given the allowed origin over https, when preflighting, then no CORS header", status: 204, req: preflight("/v1/home", "https://localhost:5173", "GET", "authorization")},
		{name: "given a null origin, when preflighting, then no CORS header", status: 204, req: preflight("/v1/home", "null", "GET", "authorization")},
		{name: "given an allowed origin, when GET /v1/home, then the origin is allowed, the ETag exposed and Vary names Origin", status: 200, allowed: true,
			req: apiRequest("GET", "/v1/home", tok, nil, "Origin", allowedOrigin),
			check: func(t *testing.T, h http.Header) {
				if !has(h.Get("Access-Control-Expose-Headers"), "etag") || !has(h.Get("Vary"), "Origin") || !has(h.Get("Vary"), "Authorization") {
					t.Fatalf("headers %v", h)
				}
			}},
		{name: "given a disallowed origin, when GET /v1/home, then no CORS header (the browser withholds the answer)", status: 200,
			req: apiRequest("GET", "/v1/home", tok, nil, "Origin", "https://evil.example")},
		{name: "given an allowed origin without a token, when GET /v1/home, then a 401 the page can read", status: 401, allowed: true,
			req: apiRequest("GET", "/v1/home", "", nil, "Origin", allowedOrigin)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := call(t, p.Runner, c.req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			h := rec.Header()
			if c.allowed {
				if got := h.Get("Access-Control-Allow-Origin"); got != allowedOrigin {
					t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, allowedOrigin)
				}
			} else {
				for k := range h {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Fatalf("%s: %q sent to a disallowed origin", k, h.Get(k))
					}
				}
			}
			if c.check != nil {
				c.check(t, h)
			}
		})
	}
}

// TestPutPlan: given an Admin, when plans are PUT, then a valid plan is
// stored and shown by the Home at once, and an invalid one is refused with
// every field at fault named, changing nothing.
func TestPutPlan(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	const org = "plan-a"
	tok := p.Token(t, org, auth.Admin)
	valid := plan.Plan{Name: "Enterprise", CycleStartDay: 25, IncludedInteractionz: 5000, Seats: 12,
		Packages: map[string]int{"sms": 20000, "whatsapp": 8000}, TimeZone: "America/Manaus"}
	validJSON, _ := json.Marshal(valid)
	put := func(body []byte, hdr ...string) *http.Request {
		return apiRequest("PUT", "/v1/plan", tok, body, hdr...)
	}
	cases := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantFields []string
	}{
		{name: "given a valid plan, when PUT, then 200 and the plan back", req: put(validJSON), wantStatus: 200},
		{name: "given cycleStartDay 0, when PUT, then 422 naming cycleStartDay", wantStatus: 422, wantFields: []string{"cycleStartDay"},
			req: put([]byte(`{"name":"X","cycleStartDay":0,"seats":1}`))},
		{name: "given cycleStartDay 29, when PUT, then 422 naming cycleStartDay", wantStatus: 422, wantFields: []string{"cycleStartDay"},
			req: put([]byte(`{"name":"X","cycleStartDay":29,"seats":1}`))},
		{name: "given a fax package, when PUT, then 422 naming packages.fax", wantStatus: 422, wantFields: []string{"packages.fax"},
			req: put([]byte(`{"name":"X","cycleStartDay":1,"seats":1,"packages":{"sms":10,"fax":5}}`))},
		{name: "given a negative package, when PUT, then 422 naming packages.sms", wantStatus: 422, wantFields: []string{"packages.sms"},
			req: put([]byte(`{"name":"X","cycleStartDay":1,"seats":1,"packages":{"sms":-1}}`))},
		{name: "given an unknown time zone, when PUT, then 422 naming timeZone", wantStatus: 422, wantFields: []string{"timeZone"},
			req: put([]byte(`{"name":"X","cycleStartDay":1,"seats":1,"timeZone":"Mars/Olympus"}`))},
		{name: "given three faults, when PUT, then 422 naming all three", wantStatus: 422, wantFields: []string{"cycleStartDay", "packages.fax", "timeZone"},
			req: put([]byte(`{"name":"X","cycleStartDay":31,"seats":1,"packages":{"fax":1},"timeZone":"Nowhere/City"}`))},
		{name: "given no name and no seats, when PUT, then 422 naming name and seats", wantStatus: 422, wantFields: []string{"name", "seats"},
			req: put([]byte(`{"cycleStartDay":1}`))},
		{name: "given an unknown field, when PUT, then 400 naming it", wantStatus: 400, wantFields: []string{"color"},
			req: put([]byte(`{"name":"X","cycleStartDay":1,"seats":1,"color":"red"}`))},
		{name: "given cycleStartDay as a string, when PUT, then 400 naming it", wantStatus: 400, wantFields: []string{"cycleStartDay"},
			req: put([]byte(`{"name":"X","cycleStartDay":"5","seats":1}`))},
		{name: "given a body that is not JSON, when PUT, then 400 naming the body", wantStatus: 400, wantFields: []string{"body"},
			req: put([]byte(`name=X`))},
		{name: "given an empty body, when PUT, then 400 naming the body", wantStatus: 400, wantFields: []string{"body"},
			req: put([]byte{})},
		{name: "given an array, when PUT, then 400 naming the body", wantStatus: 400, wantFields: []string{"body"},
			req: put([]byte(`[]`))},
		{name: "given trailing data after the object, when PUT, then 400 naming the body", wantStatus: 400, wantFields: []string{"body"},
			req: put(append(append([]byte{}, validJSON...), []byte(` {"name":"Other"}`)...))},
		{name: "given trailing garbage after the object, when PUT, then 400 naming the body", wantStatus: 400, wantFields: []string{"body"},
			req: put(append(append([]byte{}, validJSON...), 'x'))},
		{name: "given timeZone Local (the host's zone), when PUT, then 422 naming timeZone", wantStatus: 422, wantFields: []string{"timeZone"},
			req: put([]byte(`{"name":"X","cycleStartDay":1,"seats":1,"timeZone":"Local"}`))},
		{name: "given a name with a right-to-left override, when PUT, then 422 naming name", wantStatus: 422, wantFields: []string{"name"},
			req: put([]byte(`{"name":"Gold\u202eevil","cycleStartDay":1,"seats":1}`))},
		{name: "given a name with a NUL, when PUT, then 422 naming name", wantStatus: 422, wantFields: []string{"name"},
			req: put([]byte(`{"name":"Gold\u0000","cycleStartDay":1,"seats":1}`))},
		{name: "given a name with a newline, when PUT, then 422 naming name", wantStatus: 422, wantFields: []string{"name"},
			req: put([]byte(`{"name":"Gold\nPlan","cycleStartDay":1,"seats":1}`))},
		{name: "given a null timeZone, when PUT, then 400 naming timeZone", wantStatus: 400, wantFields: []string{"timeZone"},
			req: put([]byte(`{"name":"X","cycleStartDay":1,"seats":1,"timeZone":null}`))},
		{name: "given a null package, when PUT, then 400 naming packages.sms", wantStatus: 400, wantFields: []string{"packages.sms"},
			req: put([]byte(`{"name":"X","cycleStartDay":1,"seats":1,"packages":{"sms":null}}`))},
		{name: "given a null body, when PUT, then 400 naming the body", wantStatus: 400, wantFields: []string{"body"},
			req: put([]byte(`null`))},
		{name: "given seats as 1.5, when PUT, then 400 naming seats", wantStatus: 400, wantFields: []string{"seats"},
			req: put([]byte(`{"name":"X","cycleStartDay":1,"seats":1.5}`))},
		{name: "given no Content-Type, when PUT, then 415", wantStatus: 415, req: put(validJSON, "Content-Type", "")},
		{name: "given application/jsonx, when PUT, then 415", wantStatus: 415, req: put(validJSON, "Content-Type", "application/jsonx")},
		{name: "given text/plain, when PUT, then 415", wantStatus: 415, req: put(validJSON, "Content-Type", "text/plain")},
		{name: "given application/xml, when PUT, then 415", wantStatus: 415, req: put([]byte(`<plan/>`), "Content-Type", "application/xml")},
		{name: "given 17 KiB, when PUT, then 413", wantStatus: 413,
			req: put([]byte(`{"name":"` + strings.Repeat("x", 17<<10) + `","cycleStartDay":1,"seats":1}`))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := call(t, p.Runner, c.req)
			if c.wantStatus == 200 {
				if rec.Code != 200 {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				var got plan.Plan
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || !reflect.DeepEqual(got, valid) {
					t.Fatalf("plan back %+v (%v), want %+v", got, err, valid)
				}
				return
			}
			fields := problemFields(t, rec, c.wantStatus)
			if c.wantFields != nil && !slices.Equal(fields, c.wantFields) {
				t.Fatalf("fields %v, want %v: %s", fields, c.wantFields, rec.Body)
			}
		})
	}
	t.Run("given integral numbers written 9714.0 and 1e1, when PUT, then 200 with them as integers", func(t *testing.T) {
		rec := call(t, p.Runner, put([]byte(`{"name":"Integral","cycleStartDay":1.0,"includedInteractionz":9714.0,"seats":1e1,"packages":{"sms":2.0E2}}`)))
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var got plan.Plan
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.IncludedInteractionz != 9714 || got.Seats != 10 || got.Packages["sms"] != 200 {
			t.Fatalf("plan back %+v (%v)", got, err)
		}
		// Put the valid plan back for the Home check below.
		if rec := call(t, p.Runner, put(validJSON)); rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
	t.Run("given the valid plan then refused ones, when the Home is read, then it shows the valid plan", func(t *testing.T) {
		got := decodePayload(t, call(t, p.Runner, apiRequest("GET", "/v1/home", p.Token(t, org, auth.Viewer), nil)))
		loc, _ := localdate.Load(valid.TimeZone)
		cyc := valid.Cycle(localdate.Of(fixtureNow, loc))
		ap := got.ActivePlan
		pk := map[string]int{}
		for _, x := range ap.Packages {
			pk[x.Channel] = x.Volume
		}
		if ap.Name != valid.Name || got.TimeZone != valid.TimeZone || ap.Seats.Licensed != valid.Seats ||
			ap.Interactionz.Included != int64(valid.IncludedInteractionz) || !reflect.DeepEqual(pk, valid.Packages) ||
			ap.Cycle.Start != cyc.From.String() || ap.Cycle.End != cyc.To.String() {
			t.Fatalf("Home plan %+v in %s, want %+v (cycle %s..%s)", ap, got.TimeZone, valid, cyc.From, cyc.To)
		}
	})
}
