package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/fanout"
	"github.com/customercloud/home/shared/fanout/sqsfanout"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/orgwork"
	"github.com/customercloud/home/shared/reconcile"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testenv"
	"github.com/customercloud/home/tests/testkit"
)

// nullBus takes the sweep's notifications (none are due here).
type nullBus struct{}

func (nullBus) Publish(context.Context, []alerts.Notification) error { return nil }

// cloneContacts writes n contact state items for org, each a copy of one
// of the prototypes' states (real states the handler wrote), straight to
// the table (not metered): the scheduled work must not care how many
// there are, and the recount reads them as it would real ones.
func cloneContacts(b *testing.B, p *pipeline.Pipeline, org string, protos []map[string]types.AttributeValue, n int) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	work := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range work {
				var reqs []types.WriteRequest
				for i := start; i < min(start+25, n); i++ {
					id := fmt.Sprintf("k-%07d", i)
					k := keys.Contact(org, id)
					item := map[string]types.AttributeValue{}
					for name, v := range protos[i%len(protos)] {
						item[name] = v
					}
					item["pk"] = &types.AttributeValueMemberS{Value: k.PK}
					item["sk"] = &types.AttributeValueMemberS{Value: k.SK}
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
				}
				for len(reqs) > 0 {
					out, err := p.Env.DDB.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{
						RequestItems: map[string][]types.WriteRequest{p.Table: reqs}})
					if err != nil {
						errs <- err
						return
					}
					reqs = out.UnprocessedItems[p.Table]
				}
			}
		}()
	}
	for start := 0; start < n; start += 25 {
		work <- start
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

// prototypes are the contact state items of a generated organization.
func prototypes(b *testing.B, p *pipeline.Pipeline, org string) []map[string]types.AttributeValue {
	b.Helper()
	var out []map[string]types.AttributeValue
	for sh := 0; sh < keys.Shards; sh++ {
		res, err := p.Env.DDB.Query(context.Background(), &dynamodb.QueryInput{
			TableName:                 &p.Table,
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: keys.ContactPartition(org, sh)}},
		})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, res.Items...)
	}
	if len(out) == 0 {
		b.Fatal("no prototype states")
	}
	return out
}

// BenchmarkScheduledWork is issue 13's scheduled work at two organization
// sizes: 1,000 and 100,000 contacts (SCHEDULED_SIZES overrides, e.g.
// "1000,10000"). Contact states are copies of real ones (80 contacts over
// 30 days through the real handler), the aggregates are built by a first
// reconciliation (the backfill), then:
//
//   - an organization's scheduled task (orgwork.Worker.Org: the threshold
//     sweep with the plan's channel packages, reading the cycle's mass
//     sends from the aggregates) is timed and metered in its steady state
//     (after a first run has claimed the crossings): it must not depend
//     on the contact count;
//   - a clean reconciliation (one pass: the recount and the stored
//     aggregates) is timed and metered: O(contacts) by nature, run once a
//     day per organization.
func BenchmarkScheduledWork(b *testing.B) {
	sizes := []int{1000, 100000}
	if v := os.Getenv("SCHEDULED_SIZES"); v != "" {
		sizes = nil
		for _, f := range splitComma(v) {
			n, err := strconv.Atoi(f)
			if err != nil || n <= 0 {
				b.Fatalf("SCHEDULED_SIZES=%q", v)
			}
			sizes = append(sizes, n)
		}
	}
	type result struct {
		contacts        int
		taskReqs        int
		taskRCU, taskMS float64
		recReqs         int
		taskOps         string
		recRCU, recMS   float64
		seedS           float64
	}
	var results []result
	for _, n := range sizes {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			b.StopTimer()
			org := "sched"
			p := newPipeline(b, streamEnd, org)
			s := gen.Generate(gen.Options{Org: org, Contacts: 80, Days: 30, Now: streamEnd, Intensity: 0.15, Seed: 13})
			feed(b, p, fifoBatches(b, s.Events, 10))
			p.Clock.Set(streamEnd)
			t0 := time.Now()
			cloneContacts(b, p, org, prototypes(b, p, org), n)
			seed := time.Since(t0)
			rec := testkit.Must(reconcile.New(reconcile.Config{Source: reconcile.StoreSource{St: p.Store, Now: p.Clock.Now}, Log: discard}))(b)
			if rep, err := rec.Run(context.Background(), org); err != nil || !rep.Repaired {
				b.Fatalf("backfill: %+v %v", rep, err)
			}
			w := testkit.Must(orgwork.New(orgwork.Config{Profiles: p.Store, Aggregates: p.Store, Log: discard, Now: p.Clock.Now,
				Sweeper: testkit.Must(alerts.NewNotifier(alerts.NotifierConfig{Store: p.Store, Bus: nullBus{}, Log: discard, Now: p.Clock.Now}))(b)}))(b)
			task := fanout.Task{Org: org, Run: fanout.RunOf(streamEnd, 5*time.Minute)}
			// A first task claims and marks whatever thresholds the copies
			// cross (two UpdateItem per crossing, once per cycle): the
			// steady state is what every later run of the schedule does.
			if _, err := w.Org(context.Background(), task); err != nil {
				b.Fatal(err)
			}
			r := result{contacts: n, seedS: seed.Seconds()}
			var taskTime time.Duration
			for i := 0; i < b.N; i++ {
				p.Meter.Reset()
				b.StartTimer()
				t := time.Now()
				_, err := w.Org(context.Background(), task)
				taskTime += time.Since(t)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				c := p.Meter.Counts()
				r.taskRCU, r.taskReqs, r.taskOps = c.ReadUnits, sumRequests(c.Requests), fmt.Sprint(c.Requests)
			}
			r.taskMS = float64(taskTime.Microseconds()) / 1000 / float64(b.N)
			p.Meter.Reset()
			t1 := time.Now()
			rep, err := rec.Run(context.Background(), org)
			r.recMS = float64(time.Since(t1).Microseconds()) / 1000
			if err != nil || len(rep.First) != 0 {
				b.Fatalf("clean reconciliation: %+v %v", rep, err)
			}
			c := p.Meter.Counts()
			r.recRCU, r.recReqs = c.ReadUnits, sumRequests(c.Requests)
			b.ReportMetric(r.taskRCU, "RCU/task")
			b.ReportMetric(float64(r.taskReqs), "requests/task")
			b.ReportMetric(r.recRCU/float64(n), "RCU/contact/recount")
			results = append(results, r)
			fmt.Printf("contacts=%d: task requests %s\n", n, r.taskOps)
		})
	}
	var rows [][]string
	for _, r := range results {
		rows = append(rows, []string{fmt.Sprint(r.contacts), fmt.Sprint(r.taskReqs), f1(r.taskRCU), f2(r.taskMS),
			fmt.Sprint(r.recReqs), f1(r.recRCU), fmt.Sprintf("%.3f", r.recRCU/float64(r.contacts)), f0(r.recMS),
			fmt.Sprintf("%.1f", r.recMS*1000/float64(r.contacts))})
	}
	if len(results) >= 2 {
		a, z := results[0], results[len(results)-1]
		rows = append(rows, []string{fmt.Sprintf("ratio %d/%d", z.contacts, a.contacts),
			f2(float64(z.taskReqs) / float64(a.taskReqs)), f2(z.taskRCU / a.taskRCU), f2(z.taskMS / a.taskMS),
			f2(float64(z.recReqs) / float64(a.recReqs)), f2(z.recRCU / a.recRCU), "", f2(z.recMS / a.recMS), ""})
	}
	fmt.Print("\n" + table([]string{"contacts", "task requests", "task RCU", "task ms",
		"recount requests", "recount RCU", "recount RCU/contact", "recount ms", "recount µs/contact"}, rows) + "\n")
}

// BenchmarkFanOutListing lists 1,000 organizations (one page) into a real
// work queue and meters it: the index read units and SendMessageBatch
// calls per organization, and the page's time, from which the time to
// list 100,000 organizations (100 chained pages) is computed.
func BenchmarkFanOutListing(b *testing.B) {
	const orgs = fanout.DefaultPageSize
	p := newPipeline(b, streamEnd)
	env := testenv.Stack(b)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := 0; i < orgs; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := testkit.Must(store.New(store.Config{DB: env.DDB, Table: p.Table}))(b).EnsureOrg(context.Background(), fmt.Sprintf("org-%05d", i)); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	var rows [][]string
	for i := 0; i < b.N; i++ {
		urls := env.NewQueueSet(b, []resources.QueueDef{resources.MetricsWorkDLQ, resources.MetricsWorkQueue})
		sender := &sqsfanout.Sender{API: env.Queues, QueueURL: urls[resources.MetricsWorkQueue.Name]}
		l := fanout.Lister{Index: p.Store, Sender: sender, Rotation: fanout.Rotation{Period: 5 * time.Minute}}
		p.Meter.Reset()
		t := time.Now()
		r, err := l.Page(context.Background(), fanout.RunOf(streamEnd, 5*time.Minute), "")
		ms := float64(time.Since(t).Microseconds()) / 1000
		if err != nil || r.Orgs != orgs {
			b.Fatalf("page: %+v %v", r, err)
		}
		c := p.Meter.Counts()
		rows = [][]string{{fmt.Sprint(orgs), fmt.Sprint(sumRequests(c.Requests)), f1(c.ReadUnits), fmt.Sprint(sender.Requests),
			fmt.Sprintf("%.3f", float64(sender.Requests)/orgs), f0(ms), f0(ms * 100 / 1000)}}
	}
	fmt.Print("\n" + table([]string{"organizations", "index requests", "index RCU", "SendMessageBatch calls", "calls/org",
		"page ms", "100,000 orgs (100 pages) s"}, rows) + "\n")
}

func sumRequests(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
