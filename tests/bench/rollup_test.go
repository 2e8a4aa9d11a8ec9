package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/tests/pipeline"
)

// stateBytes is the mean and largest size of an organization's contact
// state items, read directly (unmetered).
func stateBytes(b *testing.B, p *pipeline.Pipeline, org string) (mean float64, largest int) {
	b.Helper()
	total, n := 0, 0
	for sh := 0; sh < keys.Shards; sh++ {
		eachItem(b, p, keys.ContactPartition(org, sh), func(it map[string]types.AttributeValue) {
			s := itemSize(it)
			total += s
			largest = max(largest, s)
			n++
		})
	}
	if n == 0 {
		return 0, 0
	}
	return float64(total) / float64(n), largest
}

// BenchmarkRollup ingests streams of growing volume for one organization
// through the real handler (batches of ten, the clock following the
// stream, so the states are those a live consumer keeps), then times
// Rollup.Org and reports its Query requests and read units: ×1, ×4, ×16
// the events for the same 100 contacts, the ×4 rate over three times the
// history, and ×4 the contacts at ×1.
func BenchmarkRollup(b *testing.B) {
	type level struct {
		name      string
		contacts  int
		days      int
		intensity float64
	}
	levels := []level{
		{"contacts=100/volume=x1", 100, 30, 0.05},
		{"contacts=100/volume=x4", 100, 30, 0.2},
		{"contacts=100/volume=x16", 100, 30, 0.8},
		{"contacts=100/volume=x4/days=90", 100, 90, 0.2},
		{"contacts=400/volume=x1", 400, 30, 0.05},
	}
	var rows [][]string
	for _, l := range levels {
		b.Run(l.name, func(b *testing.B) {
			b.StopTimer()
			org := "roll"
			p := newPipeline(b, streamEnd, org)
			s := gen.Generate(gen.Options{Org: org, Contacts: l.contacts, Days: l.days, Now: streamEnd, Intensity: l.intensity, Seed: 3})
			feed(b, p, fifoBatches(b, s.Events, 10))
			p.Clock.Set(streamEnd)
			meanState, maxState := stateBytes(b, p, org)
			var queries int
			var rcu float64
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				p.Meter.Reset()
				b.StartTimer()
				t0 := time.Now()
				_, st, err := p.Rollup.Org(context.Background(), org)
				elapsed += time.Since(t0)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				c := p.Meter.Counts()
				queries, rcu = c.Requests["Query"], c.ReadUnits
				if st.Queries != queries {
					b.Fatalf("rollup says %d queries, the meter %d", st.Queries, queries)
				}
			}
			ms := float64(elapsed.Microseconds()) / 1000 / float64(b.N)
			b.ReportMetric(float64(len(s.Events)), "events")
			b.ReportMetric(float64(queries), "Query/rollup")
			b.ReportMetric(rcu, "RCU/rollup")
			b.ReportMetric(rcu/float64(l.contacts), "RCU/contact")
			b.ReportMetric(meanState, "state-bytes/contact")
			rows = append(rows, []string{l.name, fmt.Sprint(l.contacts), fmt.Sprint(l.days), fmt.Sprint(len(s.Events)),
				fmt.Sprint(queries), f1(rcu), f2(rcu / float64(l.contacts)), f0(meanState), fmt.Sprint(maxState), f1(ms)})
		})
	}
	fmt.Print("\n" + table([]string{"level", "contacts", "days", "events", "Query requests", "RCU", "RCU/contact",
		"mean state bytes", "max state bytes", "rollup ms"}, rows) + "\n")
}
