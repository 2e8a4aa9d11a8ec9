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
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/customercloud/home/shared/queue"
)

// Routes served by the handler (resources.Webhook declares the same).
const (
	PathEvents      = "/v1/events"
	PathWebhooksPre = "/v1/webhooks/"
)

// HeaderRequestID is echoed on every answer so a caller can quote it.
const HeaderRequestID = "X-Request-Id"

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
	return h, nil
}

// ServeHTTP routes a request. Unknown paths are 404 and wrong methods 405,
// both as problem+json.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	rid := requestID(r)
	w.Header().Set(HeaderRequestID, rid)
	log := h.log.With("requestId", rid, "method", r.Method, "path", routeOf(r.URL.Path))
	rec := &statusRecorder{ResponseWriter: w}
	ctx := r.Context()
	switch {
	case r.URL.Path == PathEvents:
		if r.Method != http.MethodPost {
			methodNotAllowed(rec, rid, "POST")
			break
		}
		log = h.serveEvents(ctx, rec, r, rid, log)
	case strings.HasPrefix(r.URL.Path, PathWebhooksPre) && !strings.Contains(r.URL.Path[len(PathWebhooksPre):], "/"):
		p := Provider(r.URL.Path[len(PathWebhooksPre):])
		if !p.Valid() || len(h.cfg.MetaAppSecret) == 0 {
			writeProblem(rec, Problem{Type: ProblemBlank, Status: http.StatusNotFound, Detail: "no such webhook", RequestID: rid})
			break
		}
		log = log.With("provider", string(p))
		switch r.Method {
		case http.MethodGet:
			log = h.serveVerify(rec, r, rid, log)
		case http.MethodPost:
			log = h.serveMeta(ctx, rec, r, p, rid, log)
		default:
			methodNotAllowed(rec, rid, "GET, POST")
		}
	default:
		writeProblem(rec, Problem{Type: ProblemBlank, Status: http.StatusNotFound, Detail: "no such route", RequestID: rid})
	}
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelError
	} else if rec.status >= 400 {
		level = slog.LevelWarn
	}
	log.LogAttrs(ctx, level, "request", slog.Int("status", rec.status), slog.Int64("durationMs", h.now().Sub(start).Milliseconds()))
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

func methodNotAllowed(w http.ResponseWriter, rid, allow string) {
	w.Header().Set("Allow", allow)
	writeProblem(w, Problem{Type: ProblemBlank, Status: http.StatusMethodNotAllowed, Detail: "allowed: " + allow, RequestID: rid})
}

// requestID is the Lambda request id when running in Lambda, else the
// caller's X-Request-Id when it is sane, else a fresh random id.
func requestID(r *http.Request) string {
	if lc, ok := lambdacontext.FromContext(r.Context()); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	if v := r.Header.Get(HeaderRequestID); v != "" && len(v) <= 128 && printableASCII(v) {
		return v
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
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

// statusRecorder remembers the status written, for the request log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// detached gives publishing a context that survives a client hang-up but
// not forever: once we started enqueuing, finishing is better than leaving
// the producer guessing, and the Lambda's own deadline still bounds it.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 8*time.Second)
}
