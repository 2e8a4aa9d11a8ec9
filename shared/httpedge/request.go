package httpedge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// HeaderRequestID is the header a caller may send its own request id in
// (honoured only where no gateway gave one), and the webhooks echo.
const HeaderRequestID = "X-Request-Id"

// RequestID names a request, in this order: API Gateway's request id (the
// one in the gateway's own logs and its apigw-requestid answer header; the
// local runner makes one per request), else the Lambda invocation's, else
// the caller's X-Request-Id when it is short printable ASCII (so a log line
// cannot be forged through it), else a fresh one (NewRequestID).
func RequestID(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RequestID != "" {
		return rc.RequestID
	}
	if lc, ok := lambdacontext.FromContext(r.Context()); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	if v := r.Header.Get(HeaderRequestID); v != "" && len(v) <= 128 && printableASCII(v) {
		return v
	}
	return NewRequestID()
}

// NewRequestID is a fresh random request id: 32 hex digits.
func NewRequestID() string {
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

// HeaderList is a header's whole value as one comma-separated list. API
// Gateway's Lambda adapter splits header values at commas into several
// values, so Header.Get would see only the first part of a list
// (If-None-Match, Accept) or of a value with a comma in it (a Standard
// Webhooks signature "v1,<base64>").
func HeaderList(r *http.Request, name string) string {
	return strings.Join(r.Header.Values(name), ",")
}

// access is one request's access-log state, carried in its context.
type access struct {
	id  string
	mu  sync.Mutex
	log *slog.Logger
}

type accessKey struct{}

// AccessLog serves next and writes one log line per request ("request",
// with the request id, method, route, status and duration; Info below
// 400, Warn for a 4xx, Error for a 5xx), plus what the handler added with
// Annotate. route names the request for the log without echoing arbitrary
// paths. Handlers find the request id with RequestIDFrom and log mid-request
// through Log.
func AccessLog(base *slog.Logger, route func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		a := &access{id: RequestID(r)}
		a.log = base.With("requestId", a.id, "method", r.Method, "path", route(r))
		ctx := context.WithValue(r.Context(), accessKey{}, a)
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		} else if rec.status >= 400 {
			level = slog.LevelWarn
		}
		Log(ctx).LogAttrs(ctx, level, "request", slog.Int("status", rec.status), slog.Int64("durationMs", time.Since(start).Milliseconds()))
	})
}

// Annotate adds key-value pairs to the request's access-log line and to
// every later line logged through Log (the organization, counts). Outside
// AccessLog it does nothing.
func Annotate(ctx context.Context, args ...any) {
	if a, ok := ctx.Value(accessKey{}).(*access); ok {
		a.mu.Lock()
		a.log = a.log.With(args...)
		a.mu.Unlock()
	}
}

// Log is the request's logger: the request id, method and route, and what
// Annotate added. Outside AccessLog it is slog's default logger.
func Log(ctx context.Context) *slog.Logger {
	if a, ok := ctx.Value(accessKey{}).(*access); ok {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.log
	}
	return slog.Default()
}

// RequestIDFrom is the request id AccessLog gave the request ("" outside it).
func RequestIDFrom(ctx context.Context) string {
	if a, ok := ctx.Value(accessKey{}).(*access); ok {
		return a.id
	}
	return ""
}

// statusRecorder remembers the status written, for the access-log line.
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

// Flush passes a flush on (the CSV export streams its rows), where the
// writer underneath can.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		if s.status == 0 {
			s.status = http.StatusOK
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
