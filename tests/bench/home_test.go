package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/tests/pipeline"
)

// homeOrg is one organization of the Home benchmark.
type homeOrg struct {
	name     string
	contacts int
	token    string
	lat      []time.Duration
	reqs     []int
	rcu      float64
	bytes    int
}

// homeCall makes one GET /v1/home through the local runner (JWT check,
// API Gateway event, Lambda adapter, handler) and returns its latency and
// the DynamoDB requests and read units it made.
func homeCall(b *testing.B, p *pipeline.Pipeline, o *homeOrg) (time.Duration, int, float64, int) {
	req := httptest.NewRequest(http.MethodGet, "/v1/home", nil)
	req.Header.Set("Authorization", "Bearer "+o.token)
	rec := httptest.NewRecorder()
	before := p.Meter.Counts()
	t0 := time.Now()
	p.Runner.ServeHTTP(rec, req)
	d := time.Since(t0)
	after := p.Meter.Counts()
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: status %d: %s", o.name, rec.Code, rec.Body)
	}
	n := 0
	for op, v := range after.Requests {
		n += v - before.Requests[op]
	}
	return d, n, after.ReadUnits - before.ReadUnits, rec.Body.Len()
}

// BenchmarkHome serves GET /v1/home for two organizations 100× apart in
// contacts (30 and 3000, their figures kept by the aggregate function from
// the table's stream), alternating calls so
// both see the same conditions, and reports calls/s, latency, DynamoDB
// requests and read units per call for each and the ratio of their mean
// latencies. Every call must make at most two DynamoDB requests.
func BenchmarkHome(b *testing.B) {
	const calls = 400
	b.StopTimer()
	orgs := []*homeOrg{{name: "home-small", contacts: 30}, {name: "home-large", contacts: 3000}}
	p := newPipeline(b, streamEnd, orgs[0].name, orgs[1].name)
	var rollRows [][]string
	for i, o := range orgs {
		s := gen.Generate(gen.Options{Org: o.name, Contacts: o.contacts, Days: 30, Now: streamEnd, Intensity: 0.05, Seed: uint64(10 + i)})
		seedGrouped(b, p, s.Events, streamEnd)
		p.AggMeter.Reset()
		t0 := time.Now()
		recs := p.DrainStream(b)
		c := p.AggMeter.Counts()
		rollRows = append(rollRows, []string{o.name, fmt.Sprint(o.contacts), fmt.Sprint(len(s.Events)), fmt.Sprint(recs),
			fmt.Sprint(c.Requests["UpdateItem"]), f1(c.WriteUnits), fmt.Sprint(time.Since(t0).Milliseconds())})
		o.token = p.Token(b, o.name, auth.Admin)
		for k := 0; k < 20; k++ { // warm up connections and caches
			homeCall(b, p, o)
		}
	}
	b.StartTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < calls; k++ {
			for _, o := range orgs {
				d, n, rcu, size := homeCall(b, p, o)
				if n > 2 {
					b.Fatalf("%s: a Home call made %d DynamoDB requests, the budget is 2", o.name, n)
				}
				o.lat = append(o.lat, d)
				o.reqs = append(o.reqs, n)
				o.rcu += rcu
				o.bytes = size
			}
		}
	}
	b.StopTimer()
	var rows [][]string
	for _, o := range orgs {
		m := mean(o.lat)
		maxReq := 0
		for _, r := range o.reqs {
			maxReq = max(maxReq, r)
		}
		tag := fmt.Sprintf("c%d", o.contacts)
		b.ReportMetric(1/m.Seconds(), tag+"-calls/s")
		b.ReportMetric(float64(m.Microseconds())/1000, tag+"-ms/call")
		b.ReportMetric(float64(maxReq), tag+"-max-ddb-req/call")
		b.ReportMetric(o.rcu/float64(len(o.lat)), tag+"-RCU/call")
		rows = append(rows, []string{o.name, fmt.Sprint(o.contacts), fmt.Sprint(len(o.lat)), f0(1 / m.Seconds()),
			f2(float64(m.Microseconds()) / 1000), f2(float64(quantile(o.lat, 0.5).Microseconds()) / 1000),
			f2(float64(quantile(o.lat, 0.99).Microseconds()) / 1000), fmt.Sprint(maxReq), f2(o.rcu / float64(len(o.lat))), fmt.Sprint(o.bytes)})
	}
	ratio := mean(orgs[1].lat).Seconds() / mean(orgs[0].lat).Seconds()
	b.ReportMetric(ratio, "latency-ratio-3000/30")
	fmt.Print("\n" + table([]string{"org", "contacts", "calls", "calls/s", "mean ms", "p50 ms", "p99 ms", "max DynamoDB req/call", "RCU/call", "response bytes"}, rows))
	fmt.Printf("mean latency ratio 3000/30 contacts: %.2f\n", ratio)
	fmt.Print("the aggregate function that kept their Home figures (the whole seeded stream, drained in 1,000-record batches):\n" +
		table([]string{"org", "contacts", "events", "stream records", "UpdateItem", "WCU", "ms"}, rollRows) + "\n")
}
