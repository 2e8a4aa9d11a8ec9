package home_test

import (
	"bytes"
	"context"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testenv"
)

// dumpDOM loads url in headless chromium and returns the DOM once the
// page's scripts and fetches have settled.
func dumpDOM(t *testing.T, bin, url string) string {
	t.Helper()
	profile, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-dev-shm-usage", "--no-proxy-server", "--no-default-browser-check",
		"--user-data-dir="+profile, "--virtual-time-budget=5000", "--dump-dom", url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\nstderr:\n%s", url, err, stderr.String())
	}
	return stdout.String()
}

// The page fetches the Home from the API's origin with the bearer token,
// then again with the ETag it could read (exposed by CORS), and writes what
// happened into #out.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Home</title></head>
<body><pre id="out">pending</pre>
<script>
const api = {{.API}}, token = {{.Token}};
const out = document.getElementById("out");
(async () => {
  try {
    const r = await fetch(api + "/v1/home", {headers: {"Authorization": "Bearer " + token}});
    const body = await r.json();
    const etag = r.headers.get("ETag");
    const again = await fetch(api + "/v1/home", {headers: {"Authorization": "Bearer " + token, "If-None-Match": etag}});
    out.textContent = "status=" + r.status + " organization=" + body.organization + " profile=" + body.profile +
      " steps=" + body.firstSteps.length + " etag=" + (etag ? "readable" : "hidden") + " conditional=" + again.status;
  } catch (e) {
    out.textContent = "fetch-error=" + e.name + ": " + e.message;
  }
})();
</script></body></html>`))

// seenRequest is a request the API server received.
type seenRequest struct{ method, origin string }

// TestBrowserCallsTheAPIAcrossOrigins: given a page on one origin and the
// API (the local API Gateway and the real handler) on another whose CORS
// allow-list holds the page's origin, when headless chromium runs the page,
// then the page reads the Home (200, its organization, the ETag and a 304);
// and when the same page is served from an origin not on the list, then the
// browser's fetch fails and the API never receives the GET.
func TestBrowserCallsTheAPIAcrossOrigins(t *testing.T) {
	bin := testenv.Chromium(t)
	loadContract(t) // here, not first in a server goroutine
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	a := loadOrg(t, p, "browser-a", "browser-a", "", 3, 71)
	tok := p.Token(t, a.ID, auth.Admin)

	var apiURL string
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := pageTemplate.Execute(w, struct{ API, Token string }{apiURL, tok}); err != nil {
			t.Errorf("page: %v", err)
		}
	})
	// The pages' listeners exist before they serve, so their origins are
	// known to the API's allow-list before any page can be asked for.
	allowed := httptest.NewUnstartedServer(page)
	defer allowed.Close()
	other := httptest.NewUnstartedServer(page) // another port: another origin
	defer other.Close()
	pageOrigin, foreignOrigin := "http://"+allowed.Listener.Addr().String(), "http://"+other.Listener.Addr().String()

	proxy := wiring.Proxy(p.API)
	var routes []runner.Route
	for _, r := range resources.HomeAPI.Routes {
		routes = append(routes, runner.Route{Route: r, Handler: proxy})
	}
	gw := runner.New(runner.Config{Routes: routes, Verifier: p.Key.Verifier(), CORSOrigins: []string{pageOrigin},
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	var mu sync.Mutex
	var seen []seenRequest
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.Header.Get("Origin")})
		mu.Unlock()
		// Answer through the contract check, like every test of this package.
		rec := call(t, gw, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	defer api.Close()
	apiURL = api.URL
	allowed.Start()
	other.Start()
	requestsFrom := func(origin string) []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, s := range seen {
			if s.origin == origin {
				out = append(out, s.method)
			}
		}
		return out
	}

	cases := []struct {
		name     string
		page     string
		want     []string
		wantSeen func(methods []string) bool
	}{
		{
			name: "given a page on an allowed origin, when chromium runs it, then it reads the Home, its ETag and a 304",
			page: pageOrigin,
			want: []string{"status=200", "organization=" + a.ID, "profile=Admin", "steps=5", "etag=readable", "conditional=304"},
			wantSeen: func(m []string) bool {
				return strings.Count(strings.Join(m, " "), "GET") == 2
			},
		},
		{
			name: "given a page on an origin not allowed, when chromium runs it, then the fetch fails and no GET reaches the API",
			page: foreignOrigin,
			want: []string{"fetch-error=TypeError"},
			wantSeen: func(m []string) bool {
				for _, x := range m {
					if x != http.MethodOptions {
						return false
					}
				}
				return len(m) > 0
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dom := dumpDOM(t, bin, c.page+"/")
			if i := strings.Index(dom, `<pre id="out">`); i >= 0 {
				t.Logf("page says: %.300s", dom[i:])
			}
			for _, w := range c.want {
				if !strings.Contains(dom, w) {
					t.Fatalf("the DOM lacks %q:\n%s", w, dom)
				}
			}
			if m := requestsFrom(c.page); !c.wantSeen(m) {
				t.Fatalf("the API saw %v from %s", m, c.page)
			}
		})
	}
}
