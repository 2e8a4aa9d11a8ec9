// Package home serves the Home API: GET /v1/home (the whole Home page for
// the caller's organization, shaped by profile), GET /v1/consumption and
// PUT /v1/plan (Admin only). It is a plain net/http handler, run in Lambda
// through the API Gateway adapter and locally by the runner.
package home

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/records"
)

// Store is what the API reads and writes.
type Store interface {
	GetProfile(ctx context.Context, org string) (records.Profile, error)
	HomeFigures(ctx context.Context, org, today, cycleStart string) (records.HomeFigures, error)
	PutPlan(ctx context.Context, org string, p plan.Plan) error
	DayTotals(ctx context.Context, org, from, to string) ([]consumption.DayTotal, error)
	Ledger(ctx context.Context, org string, from, to time.Time, cursor string, limit int32) ([]consumption.LedgerEntry, string, error)
	Aggregates(ctx context.Context, org string, today localdate.Date) (metrics.Aggregates, error)
	PutWebhookSubscription(ctx context.Context, org string, w records.WebhookSubscription) error
	LedgerStream(ctx context.Context, org string, from, to time.Time, fn func([]consumption.LedgerEntry) error) (records.StreamStats, error)
	CreateExport(ctx context.Context, org string, r records.Export) error
	GetExport(ctx context.Context, org, id string) (records.Export, error)
}

// Config is what the API is built from; New validates it.
type Config struct {
	Store Store
	Log   *slog.Logger
	// Now is the clock; nil is time.Now (tests set it).
	Now func() time.Time
	// Exports, when set, turns on POST /v1/consumption/exports and its
	// status route.
	Exports Exports
}

// Validate says what is missing.
func (c Config) Validate() error {
	return config.Check("home", config.Required("Store", c.Store != nil), config.Required("Log", c.Log != nil))
}

// API is the Home API handler.
type API struct {
	st  Store
	log *slog.Logger
	now func() time.Time
	mux *http.ServeMux
	// edge is mux behind the access log.
	edge http.Handler
	// exports, when set, serves the asynchronous usage exports.
	exports Exports
}

// New builds the API.
func New(cfg Config) (*API, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &API{st: cfg.Store, log: cfg.Log, now: config.Clock(cfg.Now), exports: cfg.Exports, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /v1/home", a.withPrincipal(a.home))
	a.mux.HandleFunc("GET /v1/consumption", a.withPrincipal(a.adminOnly(a.consumption)))
	a.mux.HandleFunc("PUT /v1/plan", a.withPrincipal(a.adminOnly(a.putPlan)))
	a.mux.HandleFunc("GET /v1/consumption/cycles", a.withPrincipal(a.adminOnly(a.cycles)))
	a.mux.HandleFunc("PUT /v1/notifications/webhook", a.withPrincipal(a.adminOnly(a.putWebhook)))
	a.mux.HandleFunc("POST "+ExportsPath, a.withPrincipal(a.adminOnly(a.postExport)))
	a.mux.HandleFunc("GET "+ExportsPath+"/{id}", a.withPrincipal(a.adminOnly(a.getExport)))
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpedge.WriteError(w, r, httpedge.Fail(httpedge.NotFound, "no such route"))
	})
	a.edge = httpedge.AccessLog(a.log, a.route, a.mux)
	return a, nil
}

// ServeHTTP implements http.Handler: one access-log line per request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.edge.ServeHTTP(w, r) }

// route names a request for the log by the route it matched ("other" for
// none), never by its raw path.
func (a *API) route(r *http.Request) string {
	if _, pattern := a.mux.Handler(r); pattern != "/" && pattern != "" {
		return pattern
	}
	return "other"
}

// claims are the verified token's claims: from API Gateway's JWT
// authorizer context, or, under sam local start-api, which runs no
// authorizer, from home-api's own check (auth.WithClaims in homeapp).
func claims(r *http.Request) (map[string]string, bool) {
	if c, ok := auth.ClaimsFrom(r.Context()); ok {
		return c, true
	}
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.Authorizer != nil && rc.Authorizer.JWT != nil {
		return rc.Authorizer.JWT.Claims, true
	}
	return nil, false
}

// handler is a route of the API: it writes its answer, or returns the
// error withPrincipal answers for it (httpedge.WriteError: an
// *httpedge.Error as its status, anything else as a 500).
type handler func(http.ResponseWriter, *http.Request, auth.Principal) error

// withPrincipal authenticates the request, then serves it with next; any
// error of either is answered in one place, httpedge.WriteError.
func (a *API) withPrincipal(next handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.principal(w, r, next); err != nil {
			httpedge.WriteError(w, r, err)
		}
	}
}

// principal reads the caller from the verified token's claims and serves
// next for it, or says why it may not.
func (a *API) principal(w http.ResponseWriter, r *http.Request, next handler) error {
	c, ok := claims(r)
	if !ok {
		return httpedge.ErrUnauthorized()
	}
	p, err := auth.FromClaims(c)
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		return httpedge.ErrUnauthorized()
	case err != nil:
		return httpedge.Fail(httpedge.Forbidden, "this access profile cannot use this resource")
	}
	httpedge.Annotate(r.Context(), "org", p.Org, "profile", string(p.Profile))
	if p.Profile == auth.Agent {
		return httpedge.Fail(httpedge.Forbidden, "the Agent profile has no Home")
	}
	return next(w, r, p)
}

func (a *API) adminOnly(next handler) handler {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		if p.Profile != auth.Admin {
			return httpedge.Fail(httpedge.Forbidden, "only the Admin profile can use this resource")
		}
		return next(w, r, p)
	}
}

// profileToday is the first read of every route that works on dates: the
// organization's profile, now, and its local today in the plan's zone.
func (a *API) profileToday(r *http.Request, org string) (records.Profile, time.Time, localdate.Date, error) {
	prof, err := a.st.GetProfile(r.Context(), org)
	if err != nil {
		return prof, time.Time{}, 0, err
	}
	now := a.now()
	return prof, now, localdate.Of(now, prof.Plan.Location()), nil
}

// home is GET /v1/home, in two reads: the profile, whose plan and zone
// say which local day and billing cycle are current, then those figures in
// one batch read.
func (a *API) home(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	prof, now, today, err := a.profileToday(r, p.Org)
	if err != nil {
		return err
	}
	figs, err := a.st.HomeFigures(r.Context(), p.Org, today.String(), prof.Plan.Cycle(today).From.String())
	if err != nil {
		return err
	}
	body, err := json.Marshal(Build(p, prof, figs, now))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Authorization")
	if match(httpedge.HeaderList(r, "If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(body)
	return nil
}

// match implements If-None-Match's weak comparison over a list.
func match(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// ConsumptionQuery is GET /v1/consumption's input.
type ConsumptionQuery struct {
	From, To localdate.Date
	Cursor   string
	Limit    int32
}

// MaxConsumptionDays bounds a consumption query, in days (export.MaxDays,
// the one owner of the range rule): billing records are kept exactly this
// long (consumption.BillingRetention), so a query of the longest range ending
// today finds all of them.
const MaxConsumptionDays = export.MaxDays

// LastDate is the last date a consumption query may name (export.LastDate).
var LastDate = export.LastDate

// Validate checks the range (export.ValidateRange, the one rule of every
// consumption read) and page size.
func (q ConsumptionQuery) Validate() []httpedge.Field {
	fs := export.ValidateRange(q.From, q.To)
	if q.Limit < 1 || q.Limit > 500 {
		fs = append(fs, httpedge.Field{Field: "limit", Reason: "must be 1-500"})
	}
	return fs
}

// Consumption is GET /v1/consumption.
type Consumption struct {
	From       string                    `json:"from"`
	To         string                    `json:"to"`
	TimeZone   string                    `json:"timeZone"`
	Total      int64                     `json:"total"`
	Daily      []consumption.DayTotal    `json:"daily"`
	Ledger     []consumption.LedgerEntry `json:"ledger"`
	NextCursor *string                   `json:"nextCursor"`
}

func (a *API) consumption(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	prof, _, today, err := a.profileToday(r, p.Org)
	if err != nil {
		return err
	}
	loc := prof.Plan.Location()
	cyc := prof.Plan.Cycle(today)
	query := r.URL.Query()
	q := ConsumptionQuery{From: cyc.From, To: today, Limit: 100, Cursor: query.Get("cursor")}
	var fs []httpedge.Field
	// A parameter given empty (?to=) is not a default: it is refused; so
	// is one given twice (which would one mean?).
	for _, name := range []string{"from", "to", "cursor", "limit", "view"} {
		switch {
		case len(query[name]) > 1:
			fs = append(fs, httpedge.Field{Field: name, Reason: "must be given at most once"})
		case query.Has(name) && query.Get(name) == "":
			fs = append(fs, httpedge.Field{Field: name, Reason: "must not be empty"})
		}
	}
	// view picks the CSV table; it is checked whatever the Accept header.
	if v := query.Get("view"); v != "" && v != "ledger" && v != "daily" && len(query["view"]) == 1 {
		fs = append(fs, httpedge.Field{Field: "view", Reason: "must be ledger or daily"})
	}
	for _, f := range []struct {
		name string
		dst  *localdate.Date
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := query.Get(f.name); v != "" {
			d, err := localdate.Parse(v)
			if err != nil {
				fs = append(fs, httpedge.Field{Field: f.name, Reason: "must be a date YYYY-MM-DD"})
				continue
			}
			*f.dst = d
		}
	}
	if v := query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			// An integral number in another form (100.0, 1e2) is an integer.
			n, err = strconv.Atoi(string(integralNumbers(json.Number(v)).(json.Number)))
		}
		if err != nil {
			fs = append(fs, httpedge.Field{Field: "limit", Reason: "must be an integer"})
		} else {
			q.Limit = int32(max(min(n, 1<<20), -1))
		}
	}
	if len(fs) == 0 {
		fs = q.Validate()
	}
	if len(fs) > 0 {
		return httpedge.Fail(httpedge.Invalid, "invalid query", fs...)
	}
	daily, err := a.st.DayTotals(r.Context(), p.Org, q.From.String(), q.To.String())
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return a.exportCSV(w, r, p, q, loc, daily)
	}
	entries, next, err := a.st.Ledger(r.Context(), p.Org, q.From.Start(loc), q.To.AddDays(1).Start(loc), q.Cursor, q.Limit)
	if errors.Is(err, consumption.ErrBadCursor) {
		return httpedge.Fail(httpedge.Invalid, "invalid query", httpedge.Field{Field: "cursor", Reason: "not a cursor of this range"})
	}
	if err != nil {
		return err
	}
	out := Consumption{From: q.From.String(), To: q.To.String(), TimeZone: loc.String(), Daily: daily, Ledger: entries}
	if out.Daily == nil {
		out.Daily = []consumption.DayTotal{}
	}
	for _, d := range daily {
		out.Total += d.Total
	}
	if next != "" {
		out.NextCursor = &next
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, no-cache")
	_ = json.NewEncoder(w).Encode(out)
	return nil
}

// maxBody caps request bodies.
const maxBody = 16 << 10

// notJSON refuses a body of another media type than JSON.
func notJSON() error { return httpedge.Fail(httpedge.UnsupportedMedia, "send application/json") }

// readBody reads a request body of at most maxBody bytes; the error says
// why it cannot (400 unreadable, 413 too large).
func readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, httpedge.Fail(httpedge.Invalid, "unreadable body")
	}
	if len(raw) > maxBody {
		return nil, httpedge.Fail(httpedge.TooLarge, "the body is at most "+strconv.Itoa(maxBody>>10)+" KiB")
	}
	return raw, nil
}

// readJSONBody is readBody for a route whose Content-Type may be left out
// but, when given, is JSON.
func readJSONBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, notJSON()
	}
	return readBody(r)
}

// decodeJSONBody is readJSONBody's body decoded by decode, or a 400 titled
// title with decode's field errors: what the routes that take a request
// object (an export, a webhook) start from.
func decodeJSONBody[T any](r *http.Request, decode func([]byte) (T, []httpedge.Field), title string) (T, error) {
	raw, err := readJSONBody(r)
	if err != nil {
		var zero T
		return zero, err
	}
	v, fs := decode(raw)
	if len(fs) > 0 {
		return v, httpedge.Fail(httpedge.Invalid, title, fs...)
	}
	return v, nil
}

func (a *API) putPlan(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return notJSON()
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	var pl plan.Plan
	if err := decodeStrict(raw, &pl); err != nil {
		return httpedge.Fail(httpedge.Invalid, "the body must be a plan object", malformed(err))
	}
	if err := pl.Validate(); err != nil {
		return httpedge.Fail(httpedge.Unprocessable, "invalid plan", planFields(err)...)
	}
	if pl.TimeZone == "" {
		pl.TimeZone = localdate.DefaultZone
	}
	if err := a.st.PutPlan(r.Context(), p.Org, pl); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(pl)
	return nil
}

// errTrailing is a body with more after its JSON value.
var errTrailing = errors.New("trailing data after the JSON value")

// nullField is a null where the body's schema has no nullable member
// (encoding/json would quietly read it as the zero value).
type nullField struct{ field string }

func (e nullField) Error() string { return e.field + ": null is not allowed" }

// decodeStrict decodes exactly one JSON value into v: no unknown fields,
// no nulls, nothing after the value. A number written with a fraction or
// an exponent that is integral (9714.0, 1e3) is an integer, as JSON
// Schema's "integer" says, so it reaches integer fields as one.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errTrailing
	}
	if f, ok := firstNull(generic, ""); ok {
		return nullField{f}
	}
	norm, err := json.Marshal(integralNumbers(generic))
	if err != nil {
		return err
	}
	dec = json.NewDecoder(bytes.NewReader(norm))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// firstNull finds a null member of a decoded JSON value and names it by its
// dotted path ("body" for a null body).
func firstNull(v any, path string) (string, bool) {
	switch x := v.(type) {
	case nil:
		if path == "" {
			return "body", true
		}
		return path, true
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if f, ok := firstNull(x[k], strings.TrimPrefix(path+"."+k, ".")); ok {
				return f, true
			}
		}
	case []any:
		for i, e := range x {
			if f, ok := firstNull(e, path+"."+strconv.Itoa(i)); ok {
				return f, true
			}
		}
	}
	return "", false
}

// integralNumbers rewrites every integral number in a decoded JSON value
// (json.Number) in integer form; other numbers are left as written.
func integralNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = integralNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = integralNumbers(e)
		}
	case json.Number:
		s := string(x)
		if len(s) > 64 || !strings.ContainsAny(s, ".eE") {
			return x
		}
		f, _, err := big.ParseFloat(s, 10, 256, big.ToNearestEven)
		if err != nil || !f.IsInt() {
			return x
		}
		if i, acc := f.Int64(); acc == big.Exact {
			return json.Number(strconv.FormatInt(i, 10))
		}
	}
	return v
}

// malformed names the field of a body decodeStrict refused.
func malformed(err error) httpedge.Field {
	return httpedge.Field{Field: jsonField(err), Reason: "malformed or of the wrong type"}
}

func jsonField(err error) string {
	var nf nullField
	if errors.As(err, &nf) {
		return nf.field
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		if f := strings.Trim(strings.TrimPrefix(s, "json: unknown field "), `"`); f != "" {
			return f
		}
	}
	return "body"
}

func planFields(err error) []httpedge.Field {
	var out []httpedge.Field
	var joined interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var fe plan.FieldError
		if errors.As(e, &fe) {
			out = append(out, httpedge.Field{Field: fe.Field, Reason: fe.Reason})
		}
	}
	return out
}
