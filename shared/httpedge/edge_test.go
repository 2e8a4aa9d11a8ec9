package httpedge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// TestProblemHeaders: given any document of the edge (a problem, a JSON
// answer, a hand-built gateway answer), when written, then it is typed,
// never sniffed and never stored.
func TestProblemHeaders(t *testing.T) {
	for name, write := range map[string]func(http.ResponseWriter){
		"a problem": func(w http.ResponseWriter) {
			WriteProblem(w, 400, "invalid query", Field{Field: "to", Reason: "must not be before from"})
		},
		"a 401":       Unauthorized,
		"a JSON body": func(w http.ResponseWriter) { WriteJSON(w, 202, "application/json", map[string]int{"accepted": 1}) },
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			write(rec)
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("then nosniff and no-store, got %v", rec.Header())
			}
		})
	}
	h := ProblemHeaders()
	if h["Content-Type"] != ProblemContentType || h["X-Content-Type-Options"] != "nosniff" || h["Cache-Control"] != "no-store" {
		t.Fatalf("hand-built problem headers %v", h)
	}
}

// TestProblemBody: given a 401, when written, then it is the RFC 9457
// document with the standard title and the Bearer challenge.
func TestProblemBody(t *testing.T) {
	rec := httptest.NewRecorder()
	Unauthorized(rec)
	want := `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"a valid bearer token is required"}` + "\n"
	if rec.Code != 401 || rec.Body.String() != want || rec.Header().Get("WWW-Authenticate") != "Bearer" || rec.Header().Get("Content-Type") != ProblemContentType {
		t.Fatalf("got %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	if got := string(ProblemBody(400, "x")); got != `{"type":"about:blank","title":"Bad Request","status":400,"detail":"x"}` {
		t.Fatalf("ProblemBody %s", got)
	}
}

// TestRequestID: given where a request comes from, when named, then API
// Gateway's id wins, then Lambda's, then a sane caller id, else a fresh one.
func TestRequestID(t *testing.T) {
	var acc core.RequestAccessorV2
	gwReq, err := acc.EventToRequestWithContext(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath: "/", RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "gw-1"}})
	if err != nil {
		t.Fatal(err)
	}
	gw := gwReq.Context()
	lc := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-1"})
	cases := []struct {
		scenario string
		ctx      context.Context
		header   string
		want     string
	}{
		{"behind API Gateway, with a caller id too", gw, "mine", "gw-1"},
		{"in Lambda without a gateway", lc, "mine", "lambda-1"},
		{"a caller id", context.Background(), "mine-1", "mine-1"},
		{"a caller id with a space", context.Background(), "a b", ""},
		{"a caller id of 129 bytes", context.Background(), strings.Repeat("a", 129), ""},
		{"nothing", context.Background(), "", ""},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil).WithContext(c.ctx)
			if c.header != "" {
				r.Header.Set(HeaderRequestID, c.header)
			}
			got := RequestID(r)
			if c.want != "" && got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if c.want == "" && (len(got) != 32 || got == NewRequestID()) {
				t.Fatalf("then a fresh 32-hex id, got %q", got)
			}
		})
	}
}

// TestHeaderList: given a list the Lambda adapter split at its commas,
// when read, then it is whole again.
func TestHeaderList(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Webhook-Signature", "v1")
	r.Header.Add("Webhook-Signature", "abc=")
	if got := HeaderList(r, "Webhook-Signature"); got != "v1,abc=" {
		t.Fatalf("got %q", got)
	}
}

// TestAccessLog: given a handler that annotates and logs mid-request, when
// served, then its lines carry the request id and one access line ends the
// request with the status, at a level by status, and what was annotated.
func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&buf, nil))
	var seen string
	h := AccessLog(base, func(*http.Request) string { return "/v1/x" }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestIDFrom(r.Context())
		Annotate(r.Context(), "org", "o1")
		Log(r.Context()).Warn("mid")
		WriteProblem(w, 404, "no such route")
	}))
	r := httptest.NewRequest("GET", "/v1/x?secret=1", nil)
	r.Header.Set(HeaderRequestID, "rid-7")
	h.ServeHTTP(httptest.NewRecorder(), r)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if seen != "rid-7" || len(lines) != 2 {
		t.Fatalf("id %q, lines %q", seen, lines)
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil {
		t.Fatal(err)
	}
	if last["msg"] != "request" || last["level"] != "WARN" || last["status"] != float64(404) || last["org"] != "o1" ||
		last["requestId"] != "rid-7" || last["path"] != "/v1/x" || last["durationMs"] == nil {
		t.Fatalf("access line %v", last)
	}
	if !strings.Contains(lines[0], `"requestId":"rid-7"`) || !strings.Contains(lines[0], `"org":"o1"`) {
		t.Fatalf("mid-request line %s", lines[0])
	}
}

// TestProblemsWrite: given what a handler returns, when answered, then a
// domain error gets its kind's status, detail, fields and headers, and any
// other error a 500 that says nothing of it but, where the server's
// documents carry it, the request id.
func TestProblemsWrite(t *testing.T) {
	cases := map[string]struct {
		err     error
		p       Problems
		status  int
		body    string
		headers map[string]string
	}{
		"a validation error": {
			err:    Fail(Invalid, "invalid query", Field{Field: "limit", Reason: "must be 1-500"}),
			status: 400,
			body:   `{"type":"about:blank","title":"Bad Request","status":400,"detail":"invalid query","errors":[{"field":"limit","reason":"must be 1-500"}]}` + "\n",
		},
		"a wrapped not-found": {
			err:    fmt.Errorf("read: %w", Fail(NotFound, "no such export")),
			status: 404,
			body:   `{"type":"about:blank","title":"Not Found","status":404,"detail":"no such export"}` + "\n",
		},
		"a typed batch error with the request id": {
			err:    Fail(Unprocessable, "1 of 2 events are invalid", Field{Field: "id", Reason: "required"}.At(1)).Typed("urn:x:invalid"),
			p:      Problems{RequestID: true},
			status: 422,
			body:   `{"type":"urn:x:invalid","title":"Unprocessable Entity","status":422,"detail":"1 of 2 events are invalid","requestId":"rid-1","errors":[{"index":1,"field":"id","reason":"required"}]}` + "\n",
		},
		"a 401": {
			err:     ErrUnauthorized(),
			status:  401,
			body:    `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"a valid bearer token is required"}` + "\n",
			headers: map[string]string{"WWW-Authenticate": "Bearer"},
		},
		"an unknown error": {
			err:    errors.New("dynamodb: secret table layout"),
			p:      Problems{RequestID: true},
			status: 500,
			body:   `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"` + InternalDetail + `","requestId":"rid-1"}` + "\n",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			h := AccessLog(log, func(*http.Request) string { return "r" }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.p.Write(w, r, c.err)
			}))
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/x", nil)
			req.Header.Set(HeaderRequestID, "rid-1")
			h.ServeHTTP(rec, req)
			if rec.Code != c.status || rec.Body.String() != c.body || rec.Header().Get("Content-Type") != ProblemContentType {
				t.Fatalf("then %d %s, got %d %v %s", c.status, c.body, rec.Code, rec.Header(), rec.Body)
			}
			for k, v := range c.headers {
				if rec.Header().Get(k) != v {
					t.Fatalf("then %s: %s, got %v", k, v, rec.Header())
				}
			}
			if c.status == 500 && !strings.Contains(logs.String(), "secret table layout") {
				t.Fatalf("then the error text is logged, got %s", logs.String())
			}
		})
	}
}
