// Package webhook is the front door of the events queue: the platform's own
// producers POST CloudEvents to /v1/events, and Meta (WhatsApp Cloud API,
// Messenger, Instagram) delivers to /v1/webhooks/{provider}. Every request
// is authenticated before its body is parsed, every event is validated by
// the event contract, and only then enqueued through a queue.Publisher, so
// nothing unauthenticated or malformed reaches the queue.
//
// The handler is plain net/http: the Lambda wraps it with the API Gateway
// proxy adapter, the local runner and tests mount it directly.
package webhook

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/queue"
)

// Routes served by the handler (resources.Webhook declares the same).
const (
	PathEvents      = "/v1/events"
	PathWebhooksPre = "/v1/webhooks/"
)

// HeaderRequestID is echoed on every answer so a caller can quote it
// (httpedge.RequestID says which id it is).
const HeaderRequestID = httpedge.HeaderRequestID

// Deps are the handler's collaborators.
type Deps struct {
	Publisher queue.Publisher
	// Accounts maps Meta accounts to organizations; required only when the
	// Meta routes are enabled (Config.MetaAppSecret set).
	Accounts AccountResolver
	// Logger receives one JSON line per request; default JSON on stderr.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Validate reports missing collaborators for cfg.
func (d Deps) Validate(cfg Config) error {
	var errs []error
	if d.Publisher == nil {
		errs = append(errs, errors.New("a Publisher is required"))
	}
	if len(cfg.MetaAppSecret) > 0 && d.Accounts == nil {
		errs = append(errs, errors.New("an account resolver is required when the Meta routes are enabled"))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// Handler serves the webhook routes. Build it with New.
type Handler struct {
	cfg    Config
	pub    queue.Publisher
	accts  AccountResolver
	log    *slog.Logger
	now    func() time.Time
	replay *replayCache
	// edge is route behind the access log.
	edge http.Handler
}

var _ http.Handler = (*Handler)(nil)

// New validates cfg and deps and returns the handler.
func New(cfg Config, deps Deps) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := deps.Validate(cfg); err != nil {
		return nil, errors.Join(errors.New("webhook: invalid deps"), err)
	}
	cfg = cfg.withDefaults()
	h := &Handler{cfg: cfg, pub: deps.Publisher, accts: deps.Accounts, log: deps.Logger, now: deps.Now}
	if h.log == nil {
		h.log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.replay = newReplayCache(cfg.ReplayCacheSize)
	h.edge = httpedge.AccessLog(h.log, func(r *http.Request) string { return routeOf(r.URL.Path) }, http.HandlerFunc(h.route))
	return h, nil
}

// ServeHTTP routes a request. Unknown paths are 404 and wrong methods 405,
// both as problem+json. Every answer carries the request id.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.edge.ServeHTTP(w, r) }

func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	w.Header().Set(HeaderRequestID, httpedge.RequestIDFrom(ctx))
	if err := h.serve(ctx, w, r); err != nil {
		problems.Write(w, r, err)
	}
}

// serve answers a request, or returns the error route answers for it.
func (h *Handler) serve(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	switch {
	case r.URL.Path == PathEvents:
		if r.Method != http.MethodPost {
			return methodNotAllowed("POST")
		}
		return h.serveEvents(ctx, w, r)
	case strings.HasPrefix(r.URL.Path, PathWebhooksPre) && !strings.Contains(r.URL.Path[len(PathWebhooksPre):], "/"):
		p := Provider(r.URL.Path[len(PathWebhooksPre):])
		if !p.Valid() || len(h.cfg.MetaAppSecret) == 0 {
			return httpedge.Fail(httpedge.NotFound, "no such webhook")
		}
		httpedge.Annotate(ctx, "provider", string(p))
		switch r.Method {
		case http.MethodGet:
			return h.serveVerify(w, r)
		case http.MethodPost:
			return h.serveMeta(ctx, w, r, p)
		default:
			return methodNotAllowed("GET, POST")
		}
	}
	return httpedge.Fail(httpedge.NotFound, "no such route")
}

// routeOf names the route for logs without echoing arbitrary paths.
func routeOf(path string) string {
	switch {
	case path == PathEvents:
		return PathEvents
	case strings.HasPrefix(path, PathWebhooksPre) && Provider(path[len(PathWebhooksPre):]).Valid():
		return path
	}
	return "other"
}

func methodNotAllowed(allow string) error {
	return httpedge.Fail(httpedge.MethodNotAllowed, "allowed: "+allow).With("Allow", allow)
}

// errTooLarge reports a body over the route's cap.
var errTooLarge = errors.New("body too large")

// readBody reads at most max bytes of the body, answering errTooLarge when
// there is more (or the declared length says so), without reading it all.
func readBody(r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, errTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errTooLarge
	}
	return b, nil
}

// detached gives publishing a context that survives a client hang-up but
// not forever: once we started enqueuing, finishing is better than leaving
// the producer guessing, and the Lambda's own deadline still bounds it.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 8*time.Second)
}
