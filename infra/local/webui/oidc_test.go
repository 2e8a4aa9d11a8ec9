package webui_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/customercloud/home/shared/auth"
)

// issuer plays the OpenID Connect provider the API's JWT authorizer trusts
// (a Cognito user pool in AWS): discovery, the authorization endpoint
// (which signs the user in at once) and the token endpoint, which checks
// the PKCE verifier against the challenge before it hands out an ID token.
type issuer struct {
	srv      *httptest.Server
	mint     func() (string, error)
	clientID string
	mu       sync.Mutex
	pending  map[string][2]string // code → challenge, redirect_uri
	verified atomic.Int32
	refused  atomic.Int32
}

func newIssuer(t *testing.T, clientID string, mint func() (string, error)) *issuer {
	t.Helper()
	is := &issuer{mint: mint, clientID: clientID, pending: map[string][2]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": is.srv.URL,
			"authorization_endpoint": is.srv.URL + "/oauth2/authorize", "token_endpoint": is.srv.URL + "/oauth2/token"})
	})
	mux.HandleFunc("GET /oauth2/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != clientID || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) < 43 || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
			is.refused.Add(1)
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := "code-" + q.Get("state")
		is.mu.Lock()
		is.pending[code] = [2]string{q.Get("code_challenge"), q.Get("redirect_uri")}
		is.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_ = r.ParseForm()
		is.mu.Lock()
		p, ok := is.pending[r.PostForm.Get("code")]
		delete(is.pending, r.PostForm.Get("code"))
		is.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("client_id") != clientID ||
			r.PostForm.Get("redirect_uri") != p[1] || base64.RawURLEncoding.EncodeToString(sum[:]) != p[0] {
			is.refused.Add(1)
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		tok, err := is.mint()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		is.verified.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id_token": tok, "access_token": "opaque", "token_type": "Bearer", "expires_in": 3600})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

// awsPage hosts web/dist on its own origin as CloudFront does, with a
// config.json naming the API and the issuer. Its origin is known before it
// serves, so the API's CORS can allow it.
type awsPage struct {
	srv               *httptest.Server
	origin            string
	apiURL, issuerURL string
}

func newAWSPage(t *testing.T, dist string) *awsPage {
	t.Helper()
	p := &awsPage{}
	files := http.FileServer(http.Dir(dist))
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/config.json" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"api": p.apiURL, "auth": "oidc", "issuer": p.issuerURL, "clientId": "web-client", "scope": "openid email profile"})
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	p.origin = "http://" + p.srv.Listener.Addr().String()
	return p
}

// signsInWithOIDC: given the page hosted on its own origin as in AWS and the
// API on another origin whose CORS allows the page, when a user opens the
// page with no token, then the page runs the authorization code flow with
// PKCE (S256), exchanges the code with its verifier, calls the API with the
// ID token across origins, and draws the Home; the code leaves the address
// bar.
func signsInWithOIDC(t *testing.T, b *browser, s *site, page *awsPage, org string) {
	is := newIssuer(t, "web-client", func() (string, error) {
		return s.p.Key.Mint(auth.TokenRequest{Org: org, Profile: string(auth.Operator), TTL: time.Hour}, time.Now())
	})
	page.apiURL, page.issuerURL = s.URL, is.srv.URL
	page.srv.Start()

	tb := b.tab(t)
	var loc string
	tb.run(t, chromedp.EmulateViewport(1366, 768), chromedp.Navigate(page.origin+"/"),
		chromedp.WaitVisible(`html[data-state="ready"]`, chromedp.ByQuery), chromedp.Location(&loc))
	var got struct {
		Profile  string `json:"profile"`
		Sections int    `json:"sections"`
	}
	tb.eval(t, `({profile: document.querySelector('main').dataset.profile, sections: document.querySelectorAll('[data-section]').length})`, &got)
	if got.Profile != "Operator" || got.Sections != 4 {
		t.Errorf("after the OIDC sign-in the page shows %+v", got)
	}
	if is.verified.Load() != 1 || is.refused.Load() != 0 {
		t.Errorf("the issuer verified %d PKCE exchanges and refused %d requests", is.verified.Load(), is.refused.Load())
	}
	if strings.Contains(loc, "code=") || strings.Contains(loc, "state=") {
		t.Errorf("the code is still in the address bar: %s", loc)
	}
	checkHooks(t, tb, s.home(t, org, auth.Operator))
	noConsoleErrors(t, tb)
	tb.screenshot(t, filepath.Join(b.shot, "oidc-operator-desktop.png"))
}
