package orgwork_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/fanout"
	"github.com/customercloud/home/shared/fanout/sqsfanout"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/orgwork"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/testenv"
	"github.com/customercloud/home/tests/testkit"
)

// bus records what the sweep publishes (the EventBridge boundary).
type bus struct {
	mu sync.Mutex
	ns []alerts.Notification
}

func (b *bus) Publish(_ context.Context, ns []alerts.Notification) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ns = append(b.ns, ns...)
	return nil
}

// counting wraps the real notifier to count each organization's checks.
type counting struct {
	inner *alerts.Notifier
	mu    sync.Mutex
	per   map[string]int
}

func (c *counting) Run(ctx context.Context, ch alerts.Check) (alerts.Result, error) {
	c.mu.Lock()
	c.per[ch.Org]++
	c.mu.Unlock()
	return c.inner.Run(ctx, ch)
}

type world struct {
	st     *store.Store
	sqs    *sqs.Client
	url    string
	w      *orgwork.Worker
	sweeps *counting
	bus    *bus
	sender *sqsfanout.Sender
	lister fanout.Lister
}

func newWorld(t *testing.T, orgs []string, page int32, now time.Time) *world {
	t.Helper()
	env := testenv.Stack(t)
	st := testkit.Must(store.New(store.Config{DB: env.DDB, Table: env.NewTable(t), Now: func() time.Time { return now }}))(t)
	urls := env.NewQueueSet(t, []resources.QueueDef{resources.MetricsWorkDLQ, resources.MetricsWorkQueue})
	ctx := context.Background()
	for _, org := range orgs {
		if err := st.PutPlan(ctx, org, plan.Default()); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	b := &bus{}
	sweeps := &counting{inner: testkit.Must(alerts.NewNotifier(alerts.NotifierConfig{Store: st, Bus: b, Log: log, Now: func() time.Time { return now }}))(t), per: map[string]int{}}
	sender := &sqsfanout.Sender{API: env.Queues, QueueURL: urls[resources.MetricsWorkQueue.Name]}
	lister := fanout.Lister{Index: st, Sender: sender, Rotation: fanout.Rotation{Period: 5 * time.Minute}, PageSize: page}
	return &world{st: st, sqs: env.SQS, url: urls[resources.MetricsWorkQueue.Name], sweeps: sweeps, bus: b, sender: sender, lister: lister,
		w: testkit.Must(orgwork.New(orgwork.Config{Profiles: st, Aggregates: st, Sweeper: sweeps, Lister: lister, Log: log,
			Now: func() time.Time { return now }, MaxAge: 10 * time.Minute}))(t)}
}

// drain plays the event source mapping: receive batches of ten, hand them
// to the worker, delete what it did not report failed, until the queue
// stays empty.
func (w *world) drain(t *testing.T) (batches int) {
	t.Helper()
	ctx := context.Background()
	for empty := 0; empty < 2; {
		out, err := w.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &w.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		empty = 0
		var ev events.SQSEvent
		for _, m := range out.Messages {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body)})
		}
		resp, err := w.w.Handle(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("batch failed: %v %v", err, resp.BatchItemFailures)
		}
		for _, m := range out.Messages {
			if _, err := w.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &w.url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		batches++
	}
	return batches
}

// TestFanOutReachesEveryOrganizationOnce: given 23 organizations and pages
// of 5, when a scheduled run lists the first page and the workers take the
// queue, then the listing continues page by page through the queue and
// every organization is swept exactly once (its current and previous
// cycle), none twice, and the queue ends empty.
func TestFanOutReachesEveryOrganizationOnce(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 2, 0, 0, time.UTC)
	var orgs []string
	for i := 0; i < 23; i++ {
		orgs = append(orgs, fmt.Sprintf("org%02d", i))
	}
	w := newWorld(t, orgs, 5, now)
	run := fanout.RunOf(now, 5*time.Minute)
	first, err := w.lister.Page(context.Background(), run, "")
	if err != nil || first.Orgs != 5 || !first.More {
		t.Fatalf("then the run lists one page and hands the rest on: %+v %v", first, err)
	}
	w.drain(t)
	for _, org := range orgs {
		if n := w.sweeps.per[org]; n != 2 {
			t.Errorf("%s swept with %d checks, want 2 (current and previous cycle)", org, n)
		}
	}
	if len(w.sweeps.per) != len(orgs) {
		t.Errorf("%d organizations swept, want %d", len(w.sweeps.per), len(orgs))
	}
	// 23 tasks in batches of ten plus one continuation per later page:
	// ceil(5/10)+... requests, far below one per organization.
	if w.sender.Requests > int64(len(orgs)) {
		t.Errorf("%d SendMessageBatch calls for %d organizations", w.sender.Requests, len(orgs))
	}
}

// TestSweepSeesTheCycleMassSendsFromTheAggregates: given an organization
// with a 10-message WhatsApp package and 10 mass sends in this cycle's
// aggregates, when its task runs, then the package's 100% crossing (and
// its 80%) is published once; a second run publishes nothing new.
func TestSweepSeesTheCycleMassSendsFromTheAggregates(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 2, 0, 0, time.UTC)
	w := newWorld(t, nil, 5, now)
	ctx := context.Background()
	pl := plan.Default()
	pl.Packages = map[string]int{"whatsapp": 10}
	if err := w.st.PutPlan(ctx, "acme", pl); err != nil {
		t.Fatal(err)
	}
	today := localdate.Of(now, pl.Location())
	for _, d := range []localdate.Date{today, today.AddDays(-1)} {
		if err := w.st.AddAggregate(ctx, "acme", store.AggregateItem{Date: d}, metrics.Counters{metrics.AttrMass + "whatsapp": 5}); err != nil {
			t.Fatal(err)
		}
	}
	task := fanout.Task{Org: "acme", Run: fanout.RunOf(now, 5*time.Minute)}
	if _, err := w.w.Org(ctx, task); err != nil {
		t.Fatal(err)
	}
	var pkg []alerts.Notification
	for _, n := range w.bus.ns {
		if n.Resource == alerts.KindPackage && n.Channel == "whatsapp" {
			pkg = append(pkg, n)
		}
	}
	if len(pkg) == 0 {
		t.Fatalf("then the package crossing is published: %+v", w.bus.ns)
	}
	for _, n := range pkg {
		if n.Used != 10 || n.Limit != 10 {
			t.Errorf("then it counts the cycle's 10 mass sends of 10: %+v", n)
		}
	}
	before := len(w.bus.ns)
	if _, err := w.w.Org(ctx, task); err != nil || len(w.bus.ns) != before {
		t.Fatalf("then a second run publishes nothing new: %d → %d, %v", before, len(w.bus.ns), err)
	}
}
