package homeapp_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring/homeapp"
	"github.com/customercloud/home/tests/testenv"
)

// homeLambda builds home-api as its Lambda main does, against a fresh table,
// with LOCAL_TOKEN_JWKS set to jwks ("" leaves the switch off, as in AWS).
func homeLambda(t *testing.T, jwks string) func(events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	stack := testenv.Stack(t)
	env := map[string]string{
		resources.EnvTableName:        stack.NewTable(t),
		resources.EnvDynamoDBEndpoint: stack.DynamoDBEndpoint,
		"AWS_REGION":                  "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		resources.EnvLocalTokenJWKS: jwks,
	}
	h, err := homeapp.New(context.Background(), func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httpadapter.NewV2(h).ProxyWithContext
	return func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
		resp, err := proxy(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
}

// request is GET path as `sam local start-api` passes it: the bearer token in
// the header and, unless claims are given, no authorizer context.
func request(path, token string, claims map[string]string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET " + path, RawPath: path, Headers: map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "r-1", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: path},
		},
	}
	if token != "" {
		ev.Headers["authorization"] = "Bearer " + token
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	return ev
}

func mint(t *testing.T, k *auth.LocalKey, profile string, now time.Time, ttl time.Duration) string {
	t.Helper()
	tok, err := k.Mint(auth.TokenRequest{Org: "acme", Profile: profile, TTL: ttl}, now)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestLocalTokensOffAsInAWS: given home-api without LOCAL_TOKEN_JWKS (every
// AWS template), when a request brings a valid local token but no authorizer
// claims, then it gets 401: the handler trusts only the gateway's claims.
func TestLocalTokensOffAsInAWS(t *testing.T) {
	key, err := auth.LoadOrCreateLocalKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	call := homeLambda(t, "")
	resp := call(request("/v1/home", mint(t, key, "Admin", time.Now(), time.Hour), nil))
	if resp.StatusCode != http.StatusUnauthorized || resp.Headers["Content-Type"] != "application/problem+json" {
		t.Fatalf("then 401 problem+json; got %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
}

// TestLocalTokensOn: given home-api with the local key set (sam local), when
// requests bring tokens and no authorizer claims, then valid tokens act as
// their profile and missing, forged or expired ones get 401; and claims the
// gateway verified still win over any bearer token.
func TestLocalTokensOn(t *testing.T) {
	key, err := auth.LoadOrCreateLocalKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, err := auth.LoadOrCreateLocalKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := key.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	call := homeLambda(t, string(jwks))
	now := time.Now()
	cases := []struct {
		name   string
		path   string
		token  string
		claims map[string]string
		want   int
	}{
		{"valid Admin token", "/v1/home", mint(t, key, "Admin", now, time.Hour), nil, http.StatusOK},
		{"valid Agent token", "/v1/home", mint(t, key, "Agent", now, time.Hour), nil, http.StatusForbidden},
		{"no token", "/v1/home", "", nil, http.StatusUnauthorized},
		{"forged: another key", "/v1/home", mint(t, other, "Admin", now, time.Hour), nil, http.StatusUnauthorized},
		{"expired", "/v1/home", mint(t, key, "Admin", now.Add(-2*time.Hour), time.Hour), nil, http.StatusUnauthorized},
		{"tampered", "/v1/home", mint(t, key, "Admin", now, time.Hour) + "x", nil, http.StatusUnauthorized},
		{"gateway claims win", "/v1/consumption", mint(t, key, "Admin", now, time.Hour),
			map[string]string{resources.ClaimOrg: "acme", resources.ClaimProfile: "Operator"}, http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := call(request(c.path, c.token, c.claims))
			if resp.StatusCode != c.want {
				t.Fatalf("then %d; got %d %s", c.want, resp.StatusCode, resp.Body)
			}
			if c.want >= 400 && resp.Headers["Content-Type"] != "application/problem+json" {
				t.Errorf("then problem+json; got %v", resp.Headers)
			}
		})
	}
}

// TestLocalTokensBadKeySet: given a LOCAL_TOKEN_JWKS that is not a key set,
// when home-api is built, then it fails at init, naming the variable.
func TestLocalTokensBadKeySet(t *testing.T) {
	get := func(k string) string {
		return map[string]string{resources.EnvTableName: "t", resources.EnvLocalTokenJWKS: `{"keys":[]}`}[k]
	}
	_, err := homeapp.New(context.Background(), get, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), resources.EnvLocalTokenJWKS) {
		t.Fatalf("then an error naming %s; got %v", resources.EnvLocalTokenJWKS, err)
	}
}
