package runner_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
)

// gateway is the runner's API Gateway in front of handlers that echo the
// path and provider they were given, through the same adapter as Lambda.
func gateway(t *testing.T) *runner.Runner {
	t.Helper()
	echo := wiring.Proxy(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"path": r.URL.Path})
	}))
	var routes []runner.Route
	for _, r := range resources.Webhook.Routes {
		routes = append(routes, runner.Route{Route: r, Handler: echo})
	}
	return runner.New(runner.Config{Routes: routes, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
}

// TestGatewayHTTPBehaviour: given the local API Gateway, when it is called
// with odd paths and methods, then no input gives a 5xx: a path with
// control characters reaches the handler, a method the path lacks is 405
// with Allow, and an OPTIONS that is not a preflight is a bare 204.
func TestGatewayHTTPBehaviour(t *testing.T) {
	gw := gateway(t)
	cases := []struct {
		scenario, method, target string
		status                   int
		allow, path              string
	}{
		{"a provider with a control character", "GET", "/v1/webhooks/%01", 200, "", "/v1/webhooks/\x01"},
		{"a provider with a NUL and a newline", "POST", "/v1/webhooks/a%00b%0A", 200, "", "/v1/webhooks/a\x00b\n"},
		{"a provider with an escaped slash and question mark", "GET", "/v1/webhooks/a%2Fb%3Fc", 200, "", "/v1/webhooks/a/b?c"},
		{"a method the path lacks", "DELETE", "/v1/webhooks/whatsapp", 405, "GET, OPTIONS, POST", ""},
		{"PUT on the events path", "PUT", "/v1/events", 405, "OPTIONS, POST", ""},
		{"OPTIONS without Origin", "OPTIONS", "/v1/events", 204, "", ""},
		{"an unknown path", "GET", "/v1/nothing", 404, "", ""},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			rec := httptest.NewRecorder()
			gw.ServeHTTP(rec, httptest.NewRequest(c.method, c.target, nil))
			if rec.Code != c.status {
				t.Fatalf("%s %s = %d, want %d: %s", c.method, c.target, rec.Code, c.status, rec.Body)
			}
			if got := rec.Header().Get("Allow"); got != c.allow {
				t.Fatalf("Allow %q, want %q", got, c.allow)
			}
			if c.path != "" {
				var got map[string]string
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got["path"] != c.path {
					t.Fatalf("handler saw %q (%v), want %q", got["path"], err, c.path)
				}
			}
			if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("Content-Type %q, want a problem document", rec.Header().Get("Content-Type"))
			}
		})
	}
}

// TestProxyRefusesNoEventAsAnError: given API Gateway events the Lambda
// adapter cannot turn into a request (a decoded control character in
// rawPath, a body that is not the base64 it claims), when the function
// proxies them, then it answers (the handler, or a 400 problem) and never
// returns an error, which API Gateway would turn into a 500.
func TestProxyRefusesNoEventAsAnError(t *testing.T) {
	h := wiring.Proxy(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	for _, c := range []struct {
		scenario string
		ev       events.APIGatewayV2HTTPRequest
		status   int
	}{
		{"a rawPath with a decoded control character", events.APIGatewayV2HTTPRequest{RawPath: "/v1/webhooks/\x01",
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}}, 404},
		{"a body that is not base64", events.APIGatewayV2HTTPRequest{RawPath: "/v1/events", Body: "%%%", IsBase64Encoded: true,
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}}, 400},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			resp, err := h(context.Background(), c.ev)
			if err != nil || resp.StatusCode != c.status {
				t.Fatalf("proxy = %d, %v; want %d and no error", resp.StatusCode, err, c.status)
			}
		})
	}
}
