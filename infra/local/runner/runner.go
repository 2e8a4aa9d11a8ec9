// Package runner hosts the real Lambda handlers on this machine and plays
// the AWS services around them: API Gateway's HTTP API (payload 2.0 events,
// the JWT authorizer, CORS), the SQS event source mapping (batches with
// their system attributes, ApproximateReceiveCount included; partial batch
// responses: only successes are deleted, failures come back when their
// visibility ends, which the debit handler sets on its retry schedule with
// ChangeMessageVisibility on the receipt handles this runner hands it, and
// past the queue's maxReceiveCount move to the dead-letter queue through
// its redrive), EventBridge schedules, and the DynamoDB stream's event
// source mapping (Config.Stream).
package runner

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/resources"
)

// HTTPHandler is an API Gateway HTTP API (payload 2.0) Lambda handler.
type HTTPHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// SQSHandler is an SQS event source Lambda handler.
type SQSHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// ScheduledHandler is an EventBridge scheduled Lambda handler.
type ScheduledHandler func(context.Context, events.EventBridgeEvent) error

// Route binds an HTTP API route to a handler.
type Route struct {
	resources.Route
	Handler HTTPHandler
}

// Config is what the runner hosts.
type Config struct {
	Routes      []Route
	Verifier    *auth.Verifier
	CORSOrigins []string

	SQS       *sqs.Client
	QueueURL  string
	QueueARN  string
	BatchSize int
	Pollers   int
	Debit     SQSHandler
	// VisibilityTimeout overrides the queue's for each receive (tests use a
	// short one to watch redelivery and redrive); 0 keeps the queue's.
	VisibilityTimeout time.Duration
	// PollRetryPause is how long a poller waits after a failed receive
	// before the next (default 500 ms); the wait ends with the context.
	PollRetryPause time.Duration

	RollupEvery time.Duration
	Rollup      ScheduledHandler

	// Stream plays the event source mapping of the table's DynamoDB stream
	// (package streamfeed: the aggregate function) until its context ends;
	// nil for none.
	Stream func(context.Context)

	// Notify consumes NotifyQueueURL (the outgoing webhooks queue, which
	// the local bus feeds) like its event source mapping; nil for none.
	Notify         SQSHandler
	NotifyQueueURL string

	// Export consumes ExportQueueURL (usage export jobs) like its event
	// source mapping, one message a batch; nil for none.
	Export         SQSHandler
	ExportQueueURL string
	// MetricsWork consumes MetricsWorkQueueURL (the metrics fan-out, which
	// the scheduled Rollup lister feeds) like its event source mapping;
	// nil for none.
	MetricsWork         SQSHandler
	MetricsWorkQueueURL string

	Log *slog.Logger

	// Static answers what no route matches (the Home page and the local
	// sign-in page, package webui); nil keeps API Gateway's 404.
	Static http.Handler
}

// Runner is the local AWS.
type Runner struct {
	cfg Config
	mux *http.ServeMux
}

// New builds a runner.
func New(cfg Config) *Runner {
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 10
	}
	if cfg.Pollers == 0 {
		cfg.Pollers = 2
	}
	if cfg.PollRetryPause == 0 {
		cfg.PollRetryPause = 500 * time.Millisecond
	}
	r := &Runner{cfg: cfg, mux: http.NewServeMux()}
	allow := map[string][]string{}
	for _, rt := range cfg.Routes {
		r.mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, req *http.Request) { r.invoke(w, req, rt) })
		allow[rt.Path] = append(allow[rt.Path], rt.Method)
	}
	for path, methods := range allow {
		r.mux.HandleFunc(path, methodNotAllowed(append(methods, http.MethodOptions)))
	}
	r.mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		if cfg.Static != nil {
			cfg.Static.ServeHTTP(w, req)
			return
		}
		httpedge.WriteProblem(w, http.StatusNotFound, "no such route")
	})
	return r
}

// ServeHTTP is API Gateway: CORS, then the authorizer, then the route.
func (r *Runner) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	origin := req.Header.Get("Origin")
	allowed := origin != "" && (slices.Contains(r.cfg.CORSOrigins, origin) || slices.Contains(r.cfg.CORSOrigins, "*"))
	if allowed {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Expose-Headers", strings.Join(resources.CORS.ExposeHeaders, ","))
	}
	if req.Method == http.MethodOptions && r.knownPath(req) {
		// OPTIONS is answered by API Gateway itself, before any
		// authorizer, as HTTP APIs do when CORS is configured: a
		// preflight from an allowed origin gets the CORS headers, any
		// other OPTIONS a bare 204.
		if allowed && req.Header.Get("Access-Control-Request-Method") != "" {
			h := w.Header()
			h.Set("Access-Control-Allow-Methods", strings.Join(resources.CORS.AllowMethods, ","))
			h.Set("Access-Control-Allow-Headers", strings.Join(resources.CORS.AllowHeaders, ","))
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(resources.CORS.MaxAge.Seconds())))
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	r.mux.ServeHTTP(w, req)
}

// knownPath reports whether some route has req's path (whatever its method).
func (r *Runner) knownPath(req *http.Request) bool {
	probe := req.Clone(req.Context())
	probe.Method = http.MethodGet
	for _, rt := range r.cfg.Routes {
		probe.Method = rt.Method
		if _, pattern := r.mux.Handler(probe); pattern == rt.Method+" "+rt.Path {
			return true
		}
	}
	return false
}

// methodNotAllowed answers a method a known path lacks: 405 with Allow
// (RFC 9110 §15.5.6), not the 404 of a path that does not exist.
func methodNotAllowed(methods []string) http.HandlerFunc {
	slices.Sort(methods)
	allow := strings.Join(slices.Compact(methods), ", ")
	return func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Allow", allow)
		httpedge.WriteProblem(w, http.StatusMethodNotAllowed, "this path has no "+req.Method+" operation; allowed: "+allow)
	}
}

func (r *Runner) invoke(w http.ResponseWriter, req *http.Request, rt Route) {
	var claims map[string]string
	if rt.Authorized {
		tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
		if !ok || r.cfg.Verifier == nil {
			httpedge.Unauthorized(w)
			return
		}
		c, err := r.cfg.Verifier.Verify(strings.TrimSpace(tok))
		if err != nil {
			httpedge.Unauthorized(w)
			return
		}
		claims = c
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 10<<20+1))
	if err != nil {
		httpedge.WriteProblem(w, http.StatusBadRequest, "unreadable body")
		return
	}
	if len(body) > 10<<20 {
		// API Gateway's own payload limit.
		httpedge.WriteProblem(w, http.StatusRequestEntityTooLarge, "payload too large")
		return
	}
	ev := r.event(req, rt, body, claims)
	resp, err := rt.Handler(req.Context(), ev)
	if err != nil {
		r.cfg.Log.Error("handler error", "route", ev.RouteKey, "error", err.Error())
		httpedge.WriteProblem(w, http.StatusInternalServerError, "internal server error")
		return
	}
	h := w.Header()
	for k, v := range resp.Headers {
		if http.CanonicalHeaderKey(k) == "Vary" && h.Get("Vary") != "" {
			// Keep the gateway's "Vary: Origin" (CORS) next to the handler's.
			h.Set("Vary", h.Get("Vary")+", "+v)
			continue
		}
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	out := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			httpedge.WriteProblem(w, http.StatusBadGateway, "handler returned invalid base64")
			return
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

func (r *Runner) event(req *http.Request, rt Route, body []byte, claims map[string]string) events.APIGatewayV2HTTPRequest {
	now := time.Now()
	headers := map[string]string{}
	for k, vs := range req.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	query := map[string]string{}
	for k, vs := range req.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	var cookies []string
	for _, c := range req.Cookies() {
		cookies = append(cookies, c.String())
	}
	path := map[string]string{}
	for _, seg := range strings.Split(rt.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := strings.Trim(seg, "{}")
			path[name] = req.PathValue(name)
		}
	}
	ip, _, _ := net.SplitHostPort(req.RemoteAddr)
	ev := events.APIGatewayV2HTTPRequest{
		// rawPath is the path as sent, still percent-encoded: decoded, a
		// control character or '?' in it would not survive the handler's
		// adapter rebuilding the URL.
		Version: "2.0", RouteKey: rt.Method + " " + rt.Path, RawPath: req.URL.EscapedPath(), RawQueryString: req.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: path,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "000000000000", APIID: "local", DomainName: req.Host, RequestID: httpedge.NewRequestID(),
			RouteKey: rt.Method + " " + rt.Path, Stage: "$default", Time: now.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: req.Method, Path: req.URL.Path,
				Protocol: req.Proto, SourceIP: ip, UserAgent: req.UserAgent()},
		},
	}
	if len(query) == 0 {
		ev.QueryStringParameters = nil
	}
	if len(path) == 0 {
		ev.PathParameters = nil
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: nil},
		}
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return ev
}

// PollOnce receives one batch and hands it to the debit handler like the
// SQS event source mapping: successes are deleted, reported failures are
// left to reappear when their visibility ends (the queue's timeout, or what
// the handler set on its receipt handles; past the redrive policy's
// maxReceiveCount, they move to the dead-letter queue). A handler error
// fails the whole batch. It returns how many messages were received
// and how many failed.
func (r *Runner) PollOnce(ctx context.Context, wait time.Duration) (received, failed int, err error) {
	return r.poll(ctx, r.cfg.QueueURL, r.cfg.QueueARN, r.cfg.Debit, wait)
}

// PollNotifyOnce is PollOnce for the notify function's queue.
func (r *Runner) PollNotifyOnce(ctx context.Context, wait time.Duration) (received, failed int, err error) {
	return r.poll(ctx, r.cfg.NotifyQueueURL, "arn:aws:sqs:us-east-1:000000000000:"+resources.WebhooksQueue.Name, r.cfg.Notify, wait)
}

// PollExportOnce is PollOnce for the export function's queue (batch size 1).
func (r *Runner) PollExportOnce(ctx context.Context, wait time.Duration) (received, failed int, err error) {
	return r.pollN(ctx, r.cfg.ExportQueueURL, "arn:aws:sqs:us-east-1:000000000000:"+resources.ExportsQueue.Name, r.cfg.Export, wait, resources.Export.BatchSize)
}

// PollMetricsWorkOnce is PollOnce for the metrics worker's fan-out queue.
func (r *Runner) PollMetricsWorkOnce(ctx context.Context, wait time.Duration) (received, failed int, err error) {
	return r.poll(ctx, r.cfg.MetricsWorkQueueURL, "arn:aws:sqs:us-east-1:000000000000:"+resources.MetricsWorkQueue.Name, r.cfg.MetricsWork, wait)
}

func (r *Runner) poll(ctx context.Context, queueURL, queueARN string, handler SQSHandler, wait time.Duration) (received, failed int, err error) {
	return r.pollN(ctx, queueURL, queueARN, handler, wait, r.cfg.BatchSize)
}

func (r *Runner) pollN(ctx context.Context, queueURL, queueARN string, handler SQSHandler, wait time.Duration, batchSize int) (received, failed int, err error) {
	out, err := r.cfg.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    &queueURL,
		MaxNumberOfMessages:         int32(batchSize),
		WaitTimeSeconds:             int32(wait / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
		VisibilityTimeout:           int32(r.cfg.VisibilityTimeout / time.Second),
	})
	if err != nil {
		return 0, 0, fmt.Errorf("receive: %w", err)
	}
	if len(out.Messages) == 0 {
		return 0, 0, nil
	}
	batch := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(out.Messages))}
	for _, m := range out.Messages {
		rec := events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Body: aws.ToString(m.Body), Md5OfBody: aws.ToString(m.MD5OfBody), Attributes: m.Attributes,
			EventSource: "aws:sqs", EventSourceARN: queueARN, AWSRegion: "us-east-1",
		}
		if len(m.MessageAttributes) > 0 {
			rec.MessageAttributes = map[string]events.SQSMessageAttribute{}
			for k, v := range m.MessageAttributes {
				rec.MessageAttributes[k] = events.SQSMessageAttribute{StringValue: v.StringValue, DataType: aws.ToString(v.DataType)}
			}
		}
		batch.Records = append(batch.Records, rec)
	}
	resp, herr := handler(ctx, batch)
	failedIDs := map[string]bool{}
	if herr != nil {
		r.cfg.Log.Error("handler error: whole batch will be retried", "queue", queueARN, "messages", len(batch.Records), "error", herr.Error())
		return len(batch.Records), len(batch.Records), nil
	}
	for _, f := range resp.BatchItemFailures {
		failedIDs[f.ItemIdentifier] = true
	}
	var del []types.DeleteMessageBatchRequestEntry
	for i, m := range batch.Records {
		if !failedIDs[m.MessageId] {
			del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(m.ReceiptHandle)})
		}
	}
	if len(del) > 0 {
		res, err := r.cfg.SQS.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &queueURL, Entries: del})
		if err != nil {
			return len(batch.Records), len(failedIDs), fmt.Errorf("delete: %w", err)
		}
		if len(res.Failed) > 0 {
			return len(batch.Records), len(failedIDs), fmt.Errorf("delete: %d entries failed", len(res.Failed))
		}
	}
	return len(batch.Records), len(failedIDs), nil
}

// Poll runs the event source mapping until ctx ends.
func (r *Runner) Poll(ctx context.Context) {
	var wg sync.WaitGroup
	loop := func(what string, once func(context.Context, time.Duration) (int, int, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, _, err := once(ctx, time.Second); err != nil && ctx.Err() == nil {
					r.cfg.Log.Warn(what+" failed", "error", err.Error())
					sleep(ctx, r.cfg.PollRetryPause)
				}
			}
		}()
	}
	if r.cfg.Notify != nil && r.cfg.NotifyQueueURL != "" {
		loop("notify poll", r.PollNotifyOnce)
	}
	if r.cfg.Export != nil && r.cfg.ExportQueueURL != "" {
		loop("export poll", r.PollExportOnce)
	}
	if r.cfg.MetricsWork != nil && r.cfg.MetricsWorkQueueURL != "" {
		loop("metrics work poll", r.PollMetricsWorkOnce)
	}
	for i := 0; i < r.cfg.Pollers; i++ {
		loop("poll", r.PollOnce)
	}
	wg.Wait()
}

// sleep waits d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Tick sends one scheduled event to the rollup handler.
func (r *Runner) Tick(ctx context.Context) error {
	now := time.Now().UTC()
	ev := events.EventBridgeEvent{Version: "0", ID: httpedge.NewRequestID(), DetailType: "Scheduled Event", Source: "aws.events",
		AccountID: "000000000000", Time: now, Region: "us-east-1",
		Resources: []string{"arn:aws:events:us-east-1:000000000000:rule/local-rollup"}, Detail: []byte("{}")}
	return r.cfg.Rollup(ctx, ev)
}

// Schedule ticks every RollupEvery until ctx ends.
func (r *Runner) Schedule(ctx context.Context) {
	if r.cfg.RollupEvery <= 0 || r.cfg.Rollup == nil {
		return
	}
	t := time.NewTicker(r.cfg.RollupEvery)
	defer t.Stop()
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Log.Warn("scheduled rollup failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Serve runs API Gateway on addr, the pollers and the schedule until ctx
// ends; it returns once everything has stopped.
func (r *Runner) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return r.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener. Should the server fail, the pollers
// and the schedule are stopped with it and its error is returned: nothing
// is left running, and nothing waits for a context that may never end.
func (r *Runner) ServeListener(ctx context.Context, ln net.Listener) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.Poll(ctx) }()
	go func() { defer wg.Done(); r.Schedule(ctx) }()
	if r.cfg.Stream != nil {
		wg.Add(1)
		go func() { defer wg.Done(); r.cfg.Stream(ctx) }()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stop()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
