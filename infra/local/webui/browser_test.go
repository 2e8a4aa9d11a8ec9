package webui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/infra/local/webui"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testenv"
)

// site is the local runner serving the real Home API and the built page on
// one origin, as `make run` does, with a switch that makes GET /v1/home
// fail (a 503, or a dropped connection) and a record of its statuses.
type site struct {
	URL      string
	p        *pipeline.Pipeline
	fail     atomic.Value // "", "503" or "drop"
	mu       sync.Mutex
	statuses []int
}

func (s *site) homeStatuses() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.statuses...)
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(c int) { r.code = c; r.ResponseWriter.WriteHeader(c) }

func newSite(t testing.TB, dist string, corsOrigins ...string) *site {
	t.Helper()
	p := pipeline.New(t, pipeline.Options{NoQueue: true})
	adapter := httpadapter.NewV2(p.API)
	var routes []runner.Route
	for _, r := range resources.HomeAPI.Routes {
		routes = append(routes, runner.Route{Route: r, Handler: adapter.ProxyWithContext})
	}
	page, err := webui.New(webui.Config{Dir: dist, Key: p.Key, DefaultOrg: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	gw := runner.New(runner.Config{Routes: routes, Verifier: p.Key.Verifier(), Static: page, CORSOrigins: corsOrigins,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	s := &site{p: p}
	s.fail.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/home" {
			gw.ServeHTTP(w, r)
			return
		}
		switch s.fail.Load().(string) {
		case "503":
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		case "drop":
			if hj, ok := w.(http.Hijacker); ok {
				c, _, _ := hj.Hijack()
				_ = c.Close()
				return
			}
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		gw.ServeHTTP(rec, r)
		s.mu.Lock()
		s.statuses = append(s.statuses, rec.code)
		s.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// loadOrg gives org a plan and generated activity up to now, then rolls it
// up, so the Home has every section filled.
func (s *site) loadOrg(t testing.TB, org string, contacts int, seed uint64) {
	t.Helper()
	pl := plan.Plan{Name: "Pro", CycleStartDay: 1, IncludedInteractionz: 400, Seats: 4,
		Packages: map[string]int{"sms": 300, "whatsapp": 120, "email": 500}, TimeZone: "America/Sao_Paulo"}
	if err := s.p.Store.PutPlan(context.Background(), org, pl); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	st := gen.Generate(gen.Options{Org: org, Contacts: contacts, Days: 45, Now: time.Now().Add(-time.Minute), Intensity: 0.35, Seed: seed})
	s.p.Deliver(t, st.Events)
	defer func() {
		t.Logf("organization %s: %d events delivered and rolled up in %s", org, len(st.Events), time.Since(start).Round(time.Millisecond))
	}()
	s.p.DrainStream(t)
}

// home is the API's own answer for org as profile.
func (s *site) home(t testing.TB, org string, prof auth.Profile) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/home", nil)
	req.Header.Set("Authorization", "Bearer "+s.p.Token(t, org, prof))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("home %s/%s: %d %v", org, prof, res.StatusCode, err)
	}
	return out
}

// lookup resolves a data-metric path ("metrics.dailyVolume.3.date") in a
// decoded payload.
func lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// raw is a payload value as the page writes it in data-value.
func raw(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// numericLeaves lists every number (or null figure) under prefix.
func numericLeaves(v any, prefix string, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			numericLeaves(e, prefix+"."+k, out)
		}
	case []any:
		for i, e := range x {
			numericLeaves(e, prefix+"."+strconv.Itoa(i), out)
		}
	case float64, nil:
		*out = append(*out, prefix)
	}
}

// browser is one headless chromium for the whole test, with the page's
// language set to the platform's default.
type browser struct {
	ctx  context.Context
	ua   string
	lang string
	axe  string
	shot string
}

func newBrowser(t testing.TB) *browser {
	t.Helper()
	bin := testenv.Chromium(t)
	root := testenv.ModuleRoot(t)
	axe, err := os.ReadFile(filepath.Join(root, "web", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core (npm ci in web/, which make web does): %v", err)
	}
	// The profile is removed after chromium has exited (cleanups run last
	// registered first), and a file it leaves behind does not fail the test.
	profile, err := os.MkdirTemp("", "chromium-web-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "pt-BR"),
		chromedp.Flag("no-proxy-server", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.UserDataDir(profile))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var ua string
	if err := chromedp.Run(bctx, chromedp.Evaluate(`navigator.userAgent`, &ua)); err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(root, ".local", "screens")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{ctx: bctx, ua: ua, lang: "pt-BR,pt;q=0.9", axe: string(axe), shot: shots}
}

// tab is one page in its own tab; errs collects console errors, uncaught
// exceptions and failed loads.
type tab struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func (b *browser) tab(t testing.TB) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	ctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(tcancel)
	tb := &tab{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				tb.errs = append(tb.errs, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			tb.errs = append(tb.errs, "exception: "+e.ExceptionDetails.Text+" "+exceptionText(e.ExceptionDetails))
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError {
				tb.errs = append(tb.errs, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	// A Brazilian user's browser: Portuguese, in a time zone other than the
	// organization's, so dates prove they follow the organization's zone.
	if err := chromedp.Run(ctx, cdplog.Enable(), runtime.Enable(),
		emulation.SetUserAgentOverride(b.ua).WithAcceptLanguage(b.lang),
		emulation.SetTimezoneOverride("Asia/Tokyo")); err != nil {
		t.Fatal(err)
	}
	return tb
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

func (tb *tab) errors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.errs...)
}

func (tb *tab) run(t testing.TB, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(tb.ctx, actions...); err != nil {
		t.Fatalf("chromium: %v", err)
	}
}

// eval runs an expression (awaiting a promise) and decodes its value.
func (tb *tab) eval(t testing.TB, expr string, out any) {
	t.Helper()
	tb.run(t, chromedp.Evaluate(expr, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
}

// open loads url at a viewport and waits until the page says what it drew.
func (tb *tab) open(t testing.TB, url string, w, h int64, state string) {
	t.Helper()
	tb.run(t, chromedp.EmulateViewport(w, h), chromedp.Navigate(url),
		chromedp.WaitVisible(`html[data-state="`+state+`"]`, chromedp.ByQuery))
}

func (tb *tab) screenshot(t testing.TB, path string) {
	t.Helper()
	var buf []byte
	tb.run(t, chromedp.Sleep(300*time.Millisecond), chromedp.FullScreenshot(&buf, 100))
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KB)", path, len(buf)/1024)
}

type hook struct {
	Metric string `json:"metric"`
	Value  string `json:"value"`
	Text   string `json:"text"`
}

const hooksJS = `[...document.querySelectorAll('[data-metric]')].map(e => ({metric: e.dataset.metric, value: e.dataset.value, text: e.textContent}))`

// checkHooks: every data-value equals the API's figure, and every number
// of the plan and the metrics is on screen.
func checkHooks(t testing.TB, tb *tab, api map[string]any) {
	t.Helper()
	var hooks []hook
	tb.eval(t, hooksJS, &hooks)
	seen := map[string]bool{}
	for _, h := range hooks {
		want, ok := lookup(api, h.Metric)
		if !ok {
			t.Errorf("data-metric %q is not in the API's payload", h.Metric)
			continue
		}
		if raw(want) != h.Value {
			t.Errorf("%s: the page says %q, the API %q", h.Metric, h.Value, raw(want))
		}
		seen[h.Metric] = true
	}
	var leaves []string
	numericLeaves(api["activePlan"], "activePlan", &leaves)
	numericLeaves(api["metrics"], "metrics", &leaves)
	sort.Strings(leaves)
	for _, l := range leaves {
		if !seen[l] {
			t.Errorf("the API's figure %s is not on the page", l)
		}
	}
	t.Logf("%d figures on the page equal the API's (%d numbers in the plan and metrics)", len(hooks), len(leaves))
}

// axeScan runs axe-core in the page: no serious or critical violation.
func axeScan(t testing.TB, b *browser, tb *tab) {
	t.Helper()
	var found []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  int    `json:"nodes"`
		Target string `json:"target"`
	}
	tb.run(t, chromedp.Evaluate(b.axe, nil))
	tb.eval(t, `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.length, target: JSON.stringify(v.nodes[0] && v.nodes[0].target)})))`, &found)
	for _, v := range found {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe-core: %s (%s) %s on %d nodes, e.g. %s", v.ID, v.Impact, v.Help, v.Nodes, v.Target)
		} else {
			t.Logf("axe-core (%s, tolerated): %s", v.Impact, v.ID)
		}
	}
}

func noConsoleErrors(t testing.TB, tb *tab) {
	t.Helper()
	for _, e := range tb.errors() {
		t.Errorf("browser console: %s", e)
	}
}

// darkestStates are the UFs whose fill on the map is darkest (luminance).
const darkestJS = `(() => {
  const lum = (c) => { const m = c.match(/\d+/g).map(Number); const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
  const ps = [...document.querySelectorAll('svg.map path[data-uf]')].map(p => ({uf: p.dataset.uf, l: lum(getComputedStyle(p).fill)}));
  const min = Math.min(...ps.map(p => p.l));
  return {count: ps.length, darkest: ps.filter(p => p.l === min).map(p => p.uf)};
})()`

func dist(t testing.TB) string {
	t.Helper()
	d := filepath.Join(testenv.ModuleRoot(t), "web", "dist")
	if _, err := os.Stat(filepath.Join(d, "index.html")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("web/dist is not built (make test runs make web first): %v", err)
		}
		t.Skip("web/dist is not built: run `make web`")
	}
	return d
}

// TestHomePageInChromium: given the real API on the local stack and the
// built page on one origin, as `make run` serves them, when each profile
// signs in through the local sign-in page, then the page shows exactly the
// sections of that profile, every figure equals the API's, the map's
// darkest state is the API's top state, axe-core finds nothing serious, the
// console stays clean, and the screenshots are written; and the Agent,
// 401, 5xx, network error, empty organization, 304 refresh and language
// paths each do what a user expects; and hosted as in AWS, the page signs
// in with OpenID Connect and PKCE.
func TestHomePageInChromium(t *testing.T) {
	d := dist(t)
	b := newBrowser(t)
	aws := newAWSPage(t, d)
	s := newSite(t, d, aws.origin)
	const org, empty = "web-demo", "web-empty"
	s.loadOrg(t, org, 100, 7)

	for _, c := range []struct {
		prof      auth.Profile
		quick     bool
		executive bool
	}{
		{auth.Admin, true, true},
		{auth.Operator, true, false},
		{auth.AdvancedAgent, false, false},
		{auth.Viewer, false, false},
	} {
		t.Run(fmt.Sprintf("given %s, when the Home opens, then it shows its sections and the API's figures", c.prof), func(t *testing.T) {
			tb := b.tab(t)
			tb.open(t, s.URL+"/?as="+string(c.prof)+"&org="+org, 1366, 768, "ready")
			api := s.home(t, org, c.prof)
			var got struct {
				Sections []string `json:"sections"`
				Actions  int      `json:"actions"`
				Quick    int      `json:"quick"`
				Lang     string   `json:"lang"`
				Charts   int      `json:"charts"`
			}
			tb.eval(t, `({sections: [...document.querySelectorAll('[data-section]')].map(e => e.dataset.section),
				actions: document.querySelectorAll('[data-step-action]').length,
				quick: document.querySelectorAll('[data-quick-action]').length,
				lang: document.documentElement.lang,
				charts: document.querySelectorAll('[data-chart] svg').length})`, &got)
			want := []string{"start", "plan", "metrics"}
			if c.quick {
				want = []string{"start", "quick", "plan", "metrics"}
			}
			if strings.Join(got.Sections, ",") != strings.Join(want, ",") {
				t.Errorf("sections %v, want %v", got.Sections, want)
			}
			if wantQuick := map[bool]int{true: 6, false: 0}[c.quick]; got.Quick != wantQuick {
				t.Errorf("%d quick actions, want %d", got.Quick, wantQuick)
			}
			if wantActs := map[bool]int{true: 5, false: 0}[c.executive]; got.Actions != wantActs {
				t.Errorf("%d executable first steps, want %d", got.Actions, wantActs)
			}
			if got.Lang != "pt-BR" {
				t.Errorf("language %q, want the default pt-BR", got.Lang)
			}
			if got.Charts != 2 {
				t.Errorf("%d charts drawn, want the daily volume and the donut", got.Charts)
			}
			checkHooks(t, tb, api)

			var m struct {
				Count   int      `json:"count"`
				Darkest []string `json:"darkest"`
			}
			tb.eval(t, darkestJS, &m)
			top, max := map[string]bool{}, -1.0
			for _, g := range api["metrics"].(map[string]any)["geoDistribution"].([]any) {
				st, n := g.(map[string]any)["state"].(string), g.(map[string]any)["interactions"].(float64)
				if st == "unknown" {
					continue
				}
				if n > max {
					top, max = map[string]bool{st: true}, n
				} else if n == max {
					top[st] = true
				}
			}
			if m.Count != 27 || len(m.Darkest) == 0 {
				t.Fatalf("the map has %d states, darkest %v", m.Count, m.Darkest)
			}
			for _, uf := range m.Darkest {
				if !top[uf] {
					t.Errorf("darkest state on the map %s; the API's top state(s) %v", uf, top)
				}
			}
			axeScan(t, b, tb)
			name := strings.ToLower(string(c.prof))
			tb.screenshot(t, filepath.Join(b.shot, name+"-desktop.png"))
			tb.open(t, s.URL+"/?as="+string(c.prof)+"&org="+org, 390, 844, "ready")
			var widths struct{ Inner, Scroll int }
			tb.eval(t, `({inner: window.innerWidth, scroll: document.documentElement.scrollWidth})`, &widths)
			if widths.Scroll > widths.Inner {
				var wide []string
				tb.eval(t, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`, &wide)
				t.Errorf("at 390 px the page is %d px wide: it scrolls sideways (%v)", widths.Scroll, wide)
			}
			tb.screenshot(t, filepath.Join(b.shot, name+"-mobile.png"))
			noConsoleErrors(t, tb)
		})
	}

	t.Run("given an Agent, when the Home opens, then a page says it is not available for the profile", func(t *testing.T) {
		tb := b.tab(t)
		tb.open(t, s.URL+"/?as=Agent&org="+org, 1366, 768, "no-access")
		var got struct {
			Page     string `json:"page"`
			Sections int    `json:"sections"`
			Title    string `json:"title"`
		}
		tb.eval(t, `({page: document.querySelector('main').dataset.page, sections: document.querySelectorAll('[data-section]').length, title: document.querySelector('h1').textContent})`, &got)
		if got.Page != "no-access" || got.Sections != 0 || !strings.Contains(got.Title, "não está disponível") {
			t.Errorf("agent page: %+v", got)
		}
		axeScan(t, b, tb)
		tb.screenshot(t, filepath.Join(b.shot, "agent-desktop.png"))
		tb.open(t, s.URL+"/?as=Agent&org="+org, 390, 844, "no-access")
		tb.screenshot(t, filepath.Join(b.shot, "agent-mobile.png"))
		// A 403 is the page's answer, not an error in the console.
		for _, e := range tb.errors() {
			if !strings.Contains(e, "403") {
				t.Errorf("browser console: %s", e)
			}
		}
	})

	t.Run("given a new organization, when an Admin opens the Home, then it shows empty states, not empty charts", func(t *testing.T) {
		tb := b.tab(t)
		tb.open(t, s.URL+"/?as=Admin&org="+empty, 1366, 768, "ready")
		var got struct {
			Empties int `json:"empties"`
			Charts  int `json:"charts"`
			Map     int `json:"map"`
			Banner  int `json:"banner"`
		}
		tb.eval(t, `({empties: document.querySelectorAll('.empty').length, charts: document.querySelectorAll('[data-chart]').length,
			map: document.querySelectorAll('svg.map').length, banner: document.querySelectorAll('.banner.info').length})`, &got)
		if got.Charts != 0 || got.Map != 0 || got.Empties < 4 || got.Banner != 1 {
			t.Errorf("empty organization: %+v", got)
		}
		checkHooks(t, tb, s.home(t, empty, auth.Admin))
		axeScan(t, b, tb)
		tb.screenshot(t, filepath.Join(b.shot, "empty-desktop.png"))
		noConsoleErrors(t, tb)
	})

	t.Run("given the Home on screen, when it refreshes, then it asks If-None-Match and a 304 keeps the figures", func(t *testing.T) {
		tb := b.tab(t)
		tb.open(t, s.URL+"/?as=Admin&org="+org, 1366, 768, "ready")
		before := len(s.homeStatuses())
		tb.run(t, chromedp.Click("#refresh", chromedp.ByQuery), chromedp.WaitVisible(`html[data-last-status="304"]`, chromedp.ByQuery))
		st := s.homeStatuses()[before:]
		if len(st) != 1 || st[0] != http.StatusNotModified {
			t.Errorf("refresh statuses %v, want one 304", st)
		}
		checkHooks(t, tb, s.home(t, org, auth.Admin))
		noConsoleErrors(t, tb)
	})

	t.Run("given the API answers 5xx or not at all, when the Home opens, then it offers a retry that works", func(t *testing.T) {
		for _, mode := range []string{"503", "drop"} {
			tb := b.tab(t)
			s.fail.Store(mode)
			tb.open(t, s.URL+"/?as=Operator&org="+org, 1366, 768, "error")
			var retry int
			tb.eval(t, `document.querySelectorAll('main[data-page="error"] #retry').length`, &retry)
			if retry != 1 {
				t.Errorf("%s: no retry button", mode)
			}
			if mode == "503" {
				axeScan(t, b, tb)
				tb.screenshot(t, filepath.Join(b.shot, "error-desktop.png"))
			}
			s.fail.Store("")
			tb.run(t, chromedp.Click("#retry", chromedp.ByQuery), chromedp.WaitVisible(`html[data-state="ready"]`, chromedp.ByQuery))
			var sections int
			tb.eval(t, `document.querySelectorAll('[data-section]').length`, &sections)
			if sections != 4 {
				t.Errorf("%s: after retry %d sections", mode, sections)
			}
		}
	})

	t.Run("given an invalid token, when the Home calls the API, then a 401 goes back to sign-in", func(t *testing.T) {
		tb := b.tab(t)
		var loc string
		tb.run(t, chromedp.EmulateViewport(1366, 768), chromedp.Navigate(s.URL+"/#access_token=not-a-token"),
			chromedp.WaitVisible(`form[action="`+webui.SignInPath+`"]`, chromedp.ByQuery), chromedp.Location(&loc))
		if !strings.HasSuffix(loc, webui.SignInPath) {
			t.Errorf("after a 401 the page is %s", loc)
		}
		axeScan(t, b, tb)
		tb.screenshot(t, filepath.Join(b.shot, "signin-desktop.png"))
		tb.run(t, chromedp.Click(`input[value="Viewer"]`, chromedp.ByQuery), chromedp.Submit("form", chromedp.ByQuery),
			chromedp.WaitVisible(`html[data-state="ready"]`, chromedp.ByQuery))
		var prof string
		tb.eval(t, `document.querySelector('main').dataset.profile`, &prof)
		if prof != "Viewer" {
			t.Errorf("signed in as %q through the form", prof)
		}
	})

	t.Run("given the language switch and a browser in another time zone, then words, numbers and dates follow the locale and the org's zone", func(t *testing.T) {
		tb := b.tab(t)
		tb.open(t, s.URL+"/?as=Admin&org="+org, 1366, 768, "ready")
		check := `(() => { const el = document.querySelector('[data-metric="metrics.contactBase"]'); const lang = document.documentElement.lang;
		  const asOf = document.querySelector('[data-metric="asOf"]');
		  const inOrg = new Intl.DateTimeFormat(lang, {dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/Sao_Paulo'}).format(new Date(asOf.dataset.value));
		  const inBrowser = new Intl.DateTimeFormat(lang, {dateStyle: 'medium', timeStyle: 'short'}).format(new Date(asOf.dataset.value));
		  return {lang, h1: document.querySelector('h1').textContent, num: el.textContent === new Intl.NumberFormat(lang).format(Number(el.dataset.value)),
		    date: asOf.textContent.includes(inOrg) && !asOf.textContent.includes(inBrowser), zone: Intl.DateTimeFormat().resolvedOptions().timeZone}; })()`
		type res struct {
			Lang, H1, Zone string
			Num, Date      bool
		}
		for _, c := range []struct{ lang, h1 string }{{"pt-BR", "Início"}, {"es", "Inicio"}, {"en", "Home"}} {
			if c.lang != "pt-BR" {
				tb.run(t, chromedp.SetValue("#lang", c.lang, chromedp.ByQuery),
					chromedp.Evaluate(`document.getElementById('lang').dispatchEvent(new Event('change'))`, nil))
			}
			var r res
			tb.eval(t, check, &r)
			if r.Lang != c.lang || r.H1 != c.h1 || !r.Num || !r.Date || r.Zone != "Asia/Tokyo" {
				t.Errorf("%s: %+v", c.lang, r)
			}
		}
		noConsoleErrors(t, tb)
	})

	t.Run("given the page hosted on its own origin as in AWS, when a user opens it, then it signs in with OIDC and PKCE and calls the API across origins", func(t *testing.T) {
		signsInWithOIDC(t, b, s, aws, org)
	})
}

// TestSignInPage: the local sign-in page mints a token for the profile and
// organization asked, refuses unknown ones, and never runs outside GET.
func TestSignInPage(t *testing.T) {
	key, err := auth.LoadOrCreateLocalKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h, err := webui.New(webui.Config{Dir: t.TempDir(), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, url string
		status            int
		profile, org      string
	}{
		{"given ?as=Viewer&org=acme, then a token for Viewer in acme", "GET", "/?as=Viewer&org=acme", http.StatusSeeOther, "Viewer", "acme"},
		{"given the sign-in form's answer, then a token for the default org", "GET", webui.SignInPath + "?as=Admin", http.StatusSeeOther, "Admin", "demo"},
		{"given an unknown profile, then the form again with a 400", "GET", "/?as=Root", http.StatusBadRequest, "", ""},
		{"given a bad organization, then a 400", "GET", "/?as=Admin&org=%3Cscript%3E", http.StatusBadRequest, "", ""},
		{"given no profile, then the form", "GET", webui.SignInPath, http.StatusOK, "", ""},
		{"given a POST, then no such route", "POST", webui.SignInPath + "?as=Admin", http.StatusNotFound, "", ""},
		{"given an unbuilt page, then a 503 that says how to build it", "GET", "/", http.StatusServiceUnavailable, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(c.method, c.url, nil))
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body.String())
			}
			if c.profile == "" {
				return
			}
			loc := rec.Header().Get("Location")
			tok, ok := strings.CutPrefix(loc, "/#access_token=")
			if !ok {
				t.Fatalf("Location %q", loc)
			}
			claims, err := key.Verifier().Verify(tok)
			if err != nil {
				t.Fatal(err)
			}
			p, err := auth.FromClaims(claims)
			if err != nil || string(p.Profile) != c.profile || p.Org != c.org {
				t.Errorf("token for %+v (%v), want %s in %s", p, err, c.profile, c.org)
			}
		})
	}
}
