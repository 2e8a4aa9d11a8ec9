// Package pipeline assembles the real system on the local emulators for
// tests and benchmarks: an isolated table and queue pair, the store behind a
// metering/fault-injecting DynamoDB wrapper, the debit processor, the rollup
// and the Home API, hosted by the local runner exactly as `make run` does.
package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/infra/local/streamfeed"
	"github.com/customercloud/home/shared/aggregate"
	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/bus"
	"github.com/customercloud/home/shared/bus/delay"
	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/deadletter"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/export/awsexports"
	"github.com/customercloud/home/shared/export/s3objects"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/queue"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/rollup"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/shared/visibility"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/debitapp"
	"github.com/customercloud/home/shared/wiring/exportapp"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/testenv"
	"github.com/customercloud/home/tests/testkit"
)

// Clock is a settable clock shared by every part.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Pipeline is the system on the emulators.
type Pipeline struct {
	Env       *testenv.Env
	Table     string
	QueueURL  string
	DLQURL    string
	Meter     *ddbmeter.Meter
	Store     *store.Store
	Processor *debit.Processor
	Rollup    *rollup.Runner
	// Aggregate is the aggregate function's processor, on its own meter
	// (AggMeter: the debit's simulated crashes and faults do not reach it);
	// Stream feeds it the table's stream (DrainStream).
	Aggregate *aggregate.Processor
	AggMeter  *ddbmeter.Meter
	Stream    *streamfeed.Feed
	API       *home.API
	Runner    *runner.Runner
	Publisher *queue.SQSPublisher
	Clock     *Clock
	Key       *auth.LocalKey

	// With Options.Notifications: the local bus's target queue the tests
	// read, the webhooks queue the notify handler consumes, the notifier
	// hooked after each debit batch, and the deliverer.
	NotificationsURL string
	WebhooksURL      string
	Bus              alerts.Bus
	Notifier         *alerts.Notifier
	Deliverer        *alerts.Deliverer

	// With Options.Exports: the bucket on the local S3 server, the
	// exports queue and the worker the runner feeds from it.
	Bucket     string
	Objects    *s3objects.Bucket
	ExportsURL string
	Exporter   *export.Worker
}

// Notifications turn on threshold notifications in a pipeline.
type Notifications struct {
	// WebhookClient is the deliverer's HTTP client (a TLS test server's).
	WebhookClient *http.Client
}

// processBus is the local bus inside the simulated process: once the meter
// has crashed the process, it is gone too.
type processBus struct {
	meter *ddbmeter.Meter
	inner alerts.Bus
}

func (b processBus) Publish(ctx context.Context, ns []alerts.Notification) error {
	if b.meter.Crashed() {
		return ddbmeter.ErrCrashed
	}
	return b.inner.Publish(ctx, ns)
}

// Options tune the pipeline.
type Options struct {
	Now        time.Time
	Classifier sentiment.Classifier
	// Queues: create real queues and a runner (default true unless NoQueue).
	NoQueue bool
	Log     *slog.Logger
	// Retry is the debit handler's schedule for transient failures, on the
	// real queue (ChangeMessageVisibility); nil is TestRetry.
	Retry *debit.Retry
	// Notifications, if set, wires threshold notifications (needs queues).
	Notifications *Notifications
	// Exports wires the asynchronous usage exports: a bucket on the local
	// S3 server, the exports queue and its worker.
	Exports bool
	// ExportPartSize overrides the multipart part size (tests: many
	// parts from a small file); 0 keeps s3objects.PartSize.
	ExportPartSize int
}

// TestRetry is debit.DefaultRetry in seconds instead of minutes (SQS counts
// visibility in whole seconds), with the queue's real maxReceiveCount.
var TestRetry = debit.Retry{Base: time.Second, Cap: 2 * time.Second, MaxReceives: resources.EventsQueue.MaxReceiveCount}

var (
	keyOnce sync.Once
	key     *auth.LocalKey
	keyErr  error
)

// New builds a pipeline on fresh resources, removed when the test ends.
func New(t testing.TB, o Options) *Pipeline {
	t.Helper()
	env := testenv.Stack(t)
	p := &Pipeline{Env: env, Clock: &Clock{}}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	p.Clock.Set(o.Now)
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if o.Classifier == nil {
		o.Classifier = sentiment.Offline{}
	}
	p.Table = env.NewTable(t)
	p.Meter = ddbmeter.New(env.DDB)
	p.Store = testkit.Must(store.New(store.Config{DB: p.Meter, Table: p.Table, Now: p.Clock.Now}))(t)
	p.Rollup = testkit.Must(rollup.New(rollup.Config{Store: p.Store, Log: o.Log, Now: p.Clock.Now}))(t)
	p.AggMeter = ddbmeter.New(env.DDB)
	aggStore := testkit.Must(store.New(store.Config{DB: p.AggMeter, Table: p.Table, Now: p.Clock.Now}))(t)
	p.Aggregate = testkit.Must(aggregate.New(aggregate.Config{Store: aggStore, Log: o.Log, Now: p.Clock.Now}))(t)
	p.Stream = streamfeed.New(streamfeed.Config{DDB: env.DDB, Streams: streamfeed.Streams(env.Cfg, env.DynamoDBEndpoint), Table: p.Table,
		Handler: func(ctx context.Context, ev events.DynamoDBEvent) error {
			_, err := p.Aggregate.Handle(ctx, ev)
			return err
		}, Log: o.Log})
	keyOnce.Do(func() { key, keyErr = auth.LoadOrCreateLocalKey(t.TempDir()) })
	if keyErr != nil {
		t.Fatalf("local key: %v", keyErr)
	}
	p.Key = key
	var dlq debit.DeadLetter = testkit.NoDLQ{}
	if !o.NoQueue {
		urls := env.NewQueueSet(t, resources.Queues)
		p.QueueURL, p.DLQURL, p.WebhooksURL = urls[resources.EventsQueue.Name], urls[resources.EventsDLQ.Name], urls[resources.WebhooksQueue.Name]
		dlq = deadletter.New(env.Queues, p.DLQURL)
		pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: env.Queues, QueueURL: p.QueueURL})
		if err != nil {
			t.Fatalf("publisher: %v", err)
		}
		p.Publisher = pub
	}
	dcfg := debit.Config{Store: p.Store, DeadLetter: dlq, Classifier: o.Classifier, Log: o.Log, Now: p.Clock.Now}
	if !o.NoQueue {
		dcfg.Visibility, dcfg.Retry = visibility.New(env.Queues, p.QueueURL), TestRetry
		if o.Retry != nil {
			dcfg.Retry = *o.Retry
		}
	}
	var notify runner.SQSHandler
	if o.Notifications != nil {
		if o.NoQueue {
			t.Fatal("pipeline: notifications need queues")
		}
		p.NotificationsURL = env.NewQueueSet(t, []resources.QueueDef{resources.LocalNotificationsQueue})[resources.LocalNotificationsQueue.Name]
		p.Bus = processBus{meter: p.Meter, inner: bus.LocalSQS{API: env.Queues, Targets: []string{p.NotificationsURL, p.WebhooksURL},
			BusName: resources.NotificationsBus.Name, Now: p.Clock.Now}}
		p.Notifier = testkit.Must(alerts.NewNotifier(alerts.NotifierConfig{Store: p.Store, Bus: p.Bus, Log: o.Log, Now: p.Clock.Now}))(t)
		dcfg.AfterCommit = debitapp.NotifyHook(p.Notifier, o.Log)
		// Retries come back after a second, not the production backoff.
		p.Deliverer = testkit.Must(alerts.NewDeliverer(alerts.DelivererConfig{Subscriptions: p.Store, Client: o.Notifications.WebhookClient,
			Visibility: delay.Visibility{API: env.Queues, QueueURL: p.WebhooksURL}, Log: o.Log,
			RetryDelay: func(int) time.Duration { return time.Second }}))(t)
		notify = p.Deliverer.Handle
	}
	p.Processor = testkit.Must(debit.New(dcfg))(t)
	hcfg := home.Config{Store: p.Store, Log: o.Log, Now: p.Clock.Now}
	var exportH runner.SQSHandler
	if o.Exports {
		p.Bucket = env.NewBucket(t)
		p.Objects = testkit.Must(s3objects.New(s3objects.Config{Client: env.S3, Name: p.Bucket, PartSize: o.ExportPartSize}))(t)
		p.ExportsURL = env.NewQueueSet(t, []resources.QueueDef{resources.ExportsDLQ, resources.ExportsQueue})[resources.ExportsQueue.Name]
		hcfg.Exports = awsexports.Service{SQS: env.Queues, QueueURL: p.ExportsURL, Bucket: p.Objects}
		p.Exporter = testkit.Must(export.NewWorker(export.WorkerConfig{Source: p.Store, Objects: p.Objects, Log: o.Log}))(t)
		exportH = runner.SQSHandler(exportapp.Handler(p.Exporter, o.Log))
	}
	p.API = testkit.Must(home.New(hcfg))(t)
	proxy := wiring.Proxy(p.API)
	var routes []runner.Route
	for _, r := range resources.HomeAPI.Routes {
		routes = append(routes, runner.Route{Route: r, Handler: proxy})
	}
	p.Runner = runner.New(runner.Config{
		Routes: routes, Verifier: key.Verifier(), CORSOrigins: []string{"http://localhost:5173"},
		SQS: env.SQS, QueueURL: p.QueueURL, QueueARN: "arn:aws:sqs:us-east-1:000000000000:test",
		Debit: p.Processor.Handle, Log: o.Log,
		Notify: notify, NotifyQueueURL: p.WebhooksURL,
		Export: exportH, ExportQueueURL: p.ExportsURL,
	})
	return p
}

// DrainStream hands every stream record written so far to the aggregate
// processor (the event source mapping, run to the end): after it, the Home
// reads aggregates as live as the writes.
func (p *Pipeline) DrainStream(t testing.TB) int {
	t.Helper()
	n, err := p.Stream.Drain(context.Background())
	if err != nil {
		t.Fatalf("drain stream: %v", err)
	}
	return n
}

// Token mints a bearer token.
func (p *Pipeline) Token(t testing.TB, org string, profile auth.Profile) string {
	t.Helper()
	tok, err := p.Key.Mint(auth.TokenRequest{Org: org, Profile: string(profile)}, time.Now())
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return tok
}

// Publish enqueues events through the real publisher.
func (p *Pipeline) Publish(t testing.TB, evs ...contract.Event) {
	t.Helper()
	for start := 0; start < len(evs); start += 500 {
		chunk := evs[start:min(start+500, len(evs))]
		res, err := p.Publisher.Publish(context.Background(), chunk)
		if err != nil {
			t.Fatalf("publish: %v", err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("publish event %d: %v", i, r.Err)
			}
		}
	}
}

// RunExports hands the exports queue's jobs to the worker until the queue
// is empty; it returns how many were received.
func (p *Pipeline) RunExports(t testing.TB) int {
	t.Helper()
	total := 0
	for {
		n, _, err := p.Runner.PollExportOnce(context.Background(), 0)
		if err != nil {
			t.Fatalf("poll exports: %v", err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

// Drain polls until the queue has stayed empty for a few receives. It
// returns the number of messages received (redeliveries included).
func (p *Pipeline) Drain(t testing.TB) int {
	t.Helper()
	total, empty := 0, 0
	for empty < 2 {
		n, _, err := p.Runner.PollOnce(context.Background(), 0)
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		total += n
		if n == 0 {
			if p.inFlight(t) == 0 {
				empty++
			} else {
				time.Sleep(200 * time.Millisecond)
			}
		} else {
			empty = 0
		}
	}
	return total
}

func (p *Pipeline) inFlight(t testing.TB) int { return p.depth(t, p.QueueURL) }

// depth is how many messages url holds, visible or in flight (ElasticMQ's
// approximate counts are exact).
func (p *Pipeline) depth(t testing.TB, url string) int {
	t.Helper()
	out, err := p.Env.SQS.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl:       &url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible},
	})
	if err != nil {
		t.Fatalf("queue attributes: %v", err)
	}
	n := 0
	for name, v := range out.Attributes {
		c, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("queue attribute %s = %q: %v", name, v, err)
		}
		n += c
	}
	return n
}

// DeadLetters takes what reached the dead-letter queue off it: body → reason.
func (p *Pipeline) DeadLetters(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	msgs := p.Env.Receive(t, sqs.ReceiveMessageInput{QueueUrl: &p.DLQURL, MessageAttributeNames: []string{"All"}}, p.depth(t, p.DLQURL))
	for _, m := range msgs {
		reason := ""
		if a, ok := m.MessageAttributes["reason"]; ok {
			reason = aws.ToString(a.StringValue)
		}
		out[aws.ToString(m.Body)] = reason
	}
	return out
}

// Deliver hands events to the debit handler in FIFO batches of up to ten,
// in order, as the event source mapping does, and fails the test on any
// reported failure.
func (p *Pipeline) Deliver(t testing.TB, evs []contract.Event) {
	t.Helper()
	for start := 0; start < len(evs); start += 10 {
		b := testkit.Batch(t, evs[start:min(start+10, len(evs))], func(i int) string { return fmt.Sprintf("m%d", start+i) })
		resp, err := p.Processor.Handle(context.Background(), b)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("batch failed: %v %v", err, resp.BatchItemFailures)
		}
	}
}

// OfflineLabel is the default classifier's label for text, for oracles.
func OfflineLabel(text string) string {
	l, _ := sentiment.Offline{}.Classify(context.Background(), text)
	return string(l)
}

// Ledger is every ledger entry of org whose window opened before until,
// oldest first, read page by page as GET /v1/consumption pages it: what the
// oracle tests recount.
func (p *Pipeline) Ledger(t testing.TB, org string, until time.Time) []consumption.LedgerEntry {
	t.Helper()
	var all []consumption.LedgerEntry
	cursor := ""
	for {
		entries, next, err := p.Store.Ledger(context.Background(), org, time.Unix(0, 0), until, cursor, 500)
		if err != nil {
			t.Fatalf("ledger of %s: %v", org, err)
		}
		all = append(all, entries...)
		if next == "" {
			return all
		}
		cursor = next
	}
}
