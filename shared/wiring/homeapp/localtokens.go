package homeapp

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/customercloud/home/shared/auth"
)

// localTokens is home-api's own bearer token check, on only when
// LOCAL_TOKEN_JWKS is set: `sam local start-api` does not run HTTP API JWT
// authorizers (aws/aws-sam-cli#6550), so without it every Home request would
// arrive with no claims and get 401. It verifies the token exactly as the
// local runner does (RS256 by key id, issuer, audience, expiry) against the
// given keys only, and only for a request that carries no authorizer claims:
// claims API Gateway verified always win. A missing, forged or expired token
// adds nothing, and the Home answers 401 as it does for any request without
// claims. No AWS template sets the variable (docs/DEPLOY.md).
func localTokens(v *auth.Verifier, next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gatewayClaims(r) {
			next.ServeHTTP(w, r)
			return
		}
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") && tok != "" {
			claims, err := v.Verify(strings.TrimSpace(tok))
			if err == nil {
				r = r.WithContext(auth.WithClaims(r.Context(), claims))
			} else {
				log.InfoContext(r.Context(), "local token refused", "error", err.Error())
			}
		}
		next.ServeHTTP(w, r)
	})
}

// gatewayClaims reports whether API Gateway's JWT authorizer passed claims.
func gatewayClaims(r *http.Request) bool {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	return ok && rc.Authorizer != nil && rc.Authorizer.JWT != nil && len(rc.Authorizer.JWT.Claims) > 0
}
