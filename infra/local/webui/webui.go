// Package webui serves the Home page (web/dist, built by `make web`) from
// the local runner, with a sign-in page that exists only here: it lists the
// five access profiles and an organization and mints a token with the local
// key, as `make token` does. In AWS the page is hosted by S3 and CloudFront
// and signs in with OpenID Connect (web/src/auth.ts); nothing of this
// package is deployed.
package webui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/resources"
)

// SignInPath is the local sign-in page.
const SignInPath = "/local/sign-in"

// Profiles are the access profiles the sign-in page offers, in its order.
var Profiles = []auth.Profile{auth.Admin, auth.Operator, auth.AdvancedAgent, auth.Viewer, auth.Agent}

// Config is what the handler serves.
type Config struct {
	// Dir is the built page (web/dist).
	Dir string
	// Key mints the sign-in page's tokens.
	Key *auth.LocalKey
	// TTL is a minted token's lifetime (default 12 h, as `make token`).
	TTL time.Duration
	// DefaultOrg is the organization the sign-in page proposes.
	DefaultOrg string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Dir == "" {
		return errors.New("webui: Dir is required")
	}
	if c.Key == nil {
		return errors.New("webui: Key is required")
	}
	return nil
}

// Handler serves the page, its assets, /config.json and the sign-in page.
type Handler struct {
	cfg Config
}

// New builds the handler.
func New(cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.TTL == 0 {
		cfg.TTL = 12 * time.Hour
	}
	if cfg.DefaultOrg == "" {
		cfg.DefaultOrg = "demo"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handler{cfg: cfg}, nil
}

// orgPattern is what an organization id may look like on the sign-in page.
var orgPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ServeHTTP answers GET and HEAD; anything it does not serve is the API
// gateway's 404 problem.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		httpedge.WriteProblem(w, http.StatusNotFound, "no such route")
		return
	}
	for k, v := range resources.Web.SecurityHeaders() {
		w.Header().Set(k, v)
	}
	switch {
	case r.URL.Path == SignInPath || (r.URL.Path == "/" && r.URL.Query().Has("as")):
		h.signIn(w, r)
	case r.URL.Path == "/config.json":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]string{"api": "", "auth": "local", "signIn": SignInPath, "platform": "/platform"})
	default:
		h.static(w, r)
	}
}

// static serves web/dist: "/" is index.html; assets are files under it.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	if p == "/" {
		p = "/" + resources.Web.IndexDocument
	}
	if strings.HasPrefix(p, "/v1/") || strings.Contains(p, "..") {
		httpedge.WriteProblem(w, http.StatusNotFound, "no such route")
		return
	}
	file := filepath.Join(h.cfg.Dir, filepath.FromSlash(p))
	st, err := os.Stat(file)
	if err != nil || st.IsDir() {
		if p == "/index.html" {
			httpedge.WriteProblem(w, http.StatusServiceUnavailable, "the page is not built: run `make web` (make run does it)")
			return
		}
		httpedge.WriteProblem(w, http.StatusNotFound, "no such route")
		return
	}
	if p == "/index.html" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFile(w, r, file)
}

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local sign-in · Customer Cloud</title>
<style>
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f3f5f9;color:#111827}
main{max-width:440px;margin:8vh auto;background:#fff;border-radius:14px;padding:28px;box-shadow:0 1px 3px rgba(16,24,40,.1)}
h1{font-size:22px;margin:0 0 4px}p{color:#4b5563;margin:0 0 18px;font-size:14px}
fieldset{border:0;padding:0;margin:0 0 16px;display:grid;gap:8px}legend{font-weight:600;margin-bottom:8px}
label.p{display:flex;gap:10px;align-items:center;border:1px solid #e5e7eb;border-radius:10px;padding:10px 12px;cursor:pointer}
label.p small{color:#4b5563;margin-left:auto}
.org{display:grid;gap:6px;margin-bottom:18px;font-weight:600}
input[type=text]{font:inherit;padding:8px 10px;border:1px solid #9ca3af;border-radius:8px}
button{font:inherit;font-weight:600;background:#3b2fc9;color:#fff;border:0;border-radius:8px;padding:10px 16px;cursor:pointer;width:100%}
.err{color:#b91c1c;font-weight:600}
</style></head><body><main>
<h1>Local sign-in</h1>
<p>This page exists only in the local runner (<code>make run</code>): it mints a token with the local key, as <code>make token</code> does. In AWS the Home signs in with your identity provider.</p>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="get" action="{{.Action}}">
<fieldset><legend>Access profile</legend>
{{range .Profiles}}<label class="p"><input type="radio" name="as" value="{{.Name}}"{{if .Checked}} checked{{end}}> {{.Name}}<small>{{.Note}}</small></label>
{{end}}</fieldset>
<label class="org">Organization <input type="text" name="org" value="{{.Org}}" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" autocomplete="off"></label>
<button type="submit">Sign in</button>
</form></main></body></html>`))

var profileNotes = map[auth.Profile]string{
	auth.Admin: "first steps and quick actions", auth.Operator: "quick actions", auth.AdvancedAgent: "read only",
	auth.Viewer: "read only", auth.Agent: "no Home",
}

// signIn shows the form; with ?as=<Profile> (and optionally &org=) it mints
// a token and sends the browser to the page with it in the fragment, which
// never reaches a server or a log.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	org := q.Get("org")
	if org == "" {
		org = h.cfg.DefaultOrg
	}
	if !q.Has("as") {
		h.form(w, http.StatusOK, org, "")
		return
	}
	prof, ok := auth.ParseProfile(q.Get("as"))
	if !ok {
		h.form(w, http.StatusBadRequest, org, fmt.Sprintf("unknown profile %q: choose one of the five", q.Get("as")))
		return
	}
	if !orgPattern.MatchString(org) {
		h.form(w, http.StatusBadRequest, h.cfg.DefaultOrg, "the organization id must be letters, digits, '.', '_' or '-' (at most 64)")
		return
	}
	tok, err := h.cfg.Key.Mint(auth.TokenRequest{Org: org, Profile: string(prof), TTL: h.cfg.TTL}, h.cfg.Now())
	if err != nil {
		httpedge.WriteProblem(w, http.StatusInternalServerError, "could not mint a local token")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/#"+url.Values{"access_token": {tok}}.Encode(), http.StatusSeeOther)
}

func (h *Handler) form(w http.ResponseWriter, status int, org, msg string) {
	type opt struct {
		Name, Note string
		Checked    bool
	}
	var opts []opt
	for i, p := range Profiles {
		opts = append(opts, opt{Name: string(p), Note: profileNotes[p], Checked: i == 0})
	}
	var b bytes.Buffer
	if err := signInPage.Execute(&b, struct {
		Action, Org, Error string
		Profiles           []opt
	}{SignInPath, org, msg, opts}); err != nil {
		httpedge.WriteProblem(w, http.StatusInternalServerError, "sign-in page")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
