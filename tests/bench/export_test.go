package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/records"
	"github.com/customercloud/home/tests/pipeline"
)

// exportRows is the ledger size of BenchmarkExport: EXPORT_BENCH_ROWS, or
// 20,000 (a `make bench` run: loading is ~2,000 rows/s into DynamoDB Local
// in memory, ~200 on disk); docs/PERFORMANCE.md has the 1,000,000-row
// run.
func exportRows(tb testing.TB) int {
	if v := os.Getenv("EXPORT_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			tb.Fatalf("EXPORT_BENCH_ROWS=%q: want an integer >= 1000", v)
		}
		return n
	}
	return 20_000
}

// loadYear writes rows ledger entries of org, spread over the 365 days
// before end, straight into the table (BatchWriteItem, the debit's item
// encoding), from a few goroutines; the entries are generated chunk by
// chunk, never all held.
func loadYear(tb testing.TB, p *pipeline.Pipeline, org string, rows int, end time.Time) {
	tb.Helper()
	const chunk = 2500
	lanes := []string{"human", "bot", "expert_agent"}
	channels := []string{"whatsapp", "sms", "instagram", "messenger", "email", "webchat"}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range jobs {
				rng := rand.New(rand.NewPCG(uint64(first), 7))
				var es []consumption.LedgerEntry
				for i := first; i < min(first+chunk, rows); i++ {
					// Distinct (start, lane, contact): the row number is
					// in the contact id.
					start := end.Add(-time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Millisecond)
					c := fmt.Sprintf("5511%09d", i)
					es = append(es, consumption.LedgerEntry{ContactID: c, Lane: lanes[rng.IntN(3)], Channel: channels[rng.IntN(len(channels))],
						WindowStart: start.Format(time.RFC3339Nano), WindowEnd: start.Add(24 * time.Hour).Format(time.RFC3339Nano),
						Date: localdate.Of(start, benchPlan.Location()).String(), EventID: "evt-" + strconv.Itoa(i),
						EventSource: "channels/whatsapp", EventType: "message.received"})
				}
				if err := p.Store.LoadLedger(context.Background(), p.Env.DDB, org, es); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	for first := 0; first < rows; first += chunk {
		jobs <- first
	}
	close(jobs)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		tb.Fatal(err)
	}
}

// heapPeak samples the heap in use every 10 ms until stop, and returns the
// highest figure seen.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkExport is the year-scale usage export (issue 11): a year of a
// large organization's ledger (EXPORT_BENCH_ROWS rows) loaded into
// DynamoDB Local, then the export worker writing it, page by page, as one
// CSV into a multipart upload on the local S3 server (8 MiB parts). It
// reports rows/s, the heap in use at its peak above the baseline before the
// export (runtime.MemStats, sampled every 10 ms), DynamoDB Query requests
// and read units per row (as DynamoDB Local reports them), S3 parts and
// bytes per row. Beside it, the direct CSV's two ways of reading the same
// ledger, per 1,000 rows of a 20,000-row range: the JSON API's pages (16
// Queries of up to 500 rows each for 500 rows) and the stream, and the
// daily view's reads.
func BenchmarkExport(b *testing.B) {
	rows := exportRows(b)
	end := streamEnd
	p := pipeline.New(b, pipeline.Options{Now: end, NoQueue: true, Log: discard, Exports: true})
	const org = "year"
	if err := p.Store.PutPlan(context.Background(), org, benchPlan); err != nil {
		b.Fatal(err)
	}
	loadStart := time.Now()
	loadYear(b, p, org, rows, end)
	b.Logf("loaded %d ledger rows in %v", rows, time.Since(loadStart).Round(time.Millisecond))

	today := localdate.Of(end, benchPlan.Location())
	from := today.AddDays(-365)
	for i := 0; i < b.N; i++ {
		id, err := export.NewID()
		if err != nil {
			b.Fatal(err)
		}
		rec := records.Export{ID: id, From: from.String(), To: today.String(), View: export.ViewLedger,
			Status: export.StatusQueued, ObjectKey: export.ObjectKey(org, id), CreatedAt: end, Updated: end, ExpiresAt: end.Add(export.Retention)}
		if err := p.Store.CreateExport(context.Background(), org, rec); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := make(chan struct{})
		peak := heapPeak(stop)
		p.Meter.Reset()
		b.ResetTimer()
		start := time.Now()
		res, err := p.Exporter.Run(context.Background(), export.Job{Org: org, ID: id}, true)
		elapsed := time.Since(start)
		b.StopTimer()
		close(stop)
		pk := <-peak
		if err != nil {
			b.Fatal(err)
		}
		got, err := p.Store.GetExport(context.Background(), org, id)
		if err != nil || got.Status != export.StatusDone || res.Rows != int64(rows) {
			b.Fatalf("export %+v (%v), %d rows of %d", got, err, res.Rows, rows)
		}
		c := p.Meter.Counts()
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(pk-min(pk, base.HeapInuse))/(1<<20), "peak-heap-MiB-over-base")
		b.ReportMetric(float64(pk)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(c.Requests["Query"]), "queries")
		b.ReportMetric(float64(c.Requests["Query"])*1000/float64(rows), "queries/1k-rows")
		b.ReportMetric(c.ReadUnits/float64(rows), "RCU/row")
		b.ReportMetric(float64(res.Parts), "s3-parts")
		b.ReportMetric(float64(res.Bytes)/float64(rows), "bytes/row")
		b.ReportMetric(float64(res.Bytes)/(1<<20), "MiB")
		b.Logf("export of %d rows: %v, %.0f rows/s, peak heap %.1f MiB (base %.1f), %d Queries, %.1f RCU, %d parts, %d bytes",
			rows, elapsed.Round(time.Millisecond), float64(rows)/elapsed.Seconds(), float64(pk)/(1<<20), float64(base.HeapInuse)/(1<<20),
			c.Requests["Query"], c.ReadUnits, res.Parts, res.Bytes)
	}

	// The direct CSV's reads, per 1,000 rows, on the first ~20,000 rows.
	loc := benchPlan.Location()
	days := max(1, 20000*365/rows)
	rFrom, rTo := from.Start(loc), from.AddDays(days).Start(loc)
	p.Meter.Reset()
	var paged int
	cursor := ""
	for {
		es, next, err := p.Store.Ledger(context.Background(), org, rFrom, rTo, cursor, 500)
		if err != nil {
			b.Fatal(err)
		}
		paged += len(es)
		if next == "" {
			break
		}
		cursor = next
	}
	pc := p.Meter.Counts()
	p.Meter.Reset()
	st, err := p.Store.LedgerStream(context.Background(), org, rFrom, rTo, func([]consumption.LedgerEntry) error { return nil })
	if err != nil || st.Rows != int64(paged) {
		b.Fatalf("stream %+v (%v), pages %d rows", st, err, paged)
	}
	sc := p.Meter.Counts()
	// The daily view reads the day totals, which only metering writes: a
	// 30-day stream of 300 contacts through the debit handler.
	dailyOrg := "daily"
	if err := p.Store.PutPlan(context.Background(), dailyOrg, benchPlan); err != nil {
		b.Fatal(err)
	}
	s := gen.Generate(gen.Options{Org: dailyOrg, Contacts: 300, Days: 30, Now: streamEnd, Intensity: 0.3, Seed: 1})
	feed(b, p, fifoBatches(b, s.Events, 10))
	p.Meter.Reset()
	dts, err := p.Store.DayTotals(context.Background(), dailyOrg, today.AddDays(-40).String(), today.String())
	if err != nil {
		b.Fatal(err)
	}
	dc := p.Meter.Counts()
	b.ReportMetric(float64(len(dts)), "daily-days")
	per := func(v float64) float64 { return v * 1000 / float64(paged) }
	b.ReportMetric(per(float64(pc.Requests["Query"])), "pages-queries/1k-rows")
	b.ReportMetric(per(pc.ReadUnits), "pages-RCU/1k-rows")
	b.ReportMetric(per(float64(sc.Requests["Query"])), "stream-queries/1k-rows")
	b.ReportMetric(per(sc.ReadUnits), "stream-RCU/1k-rows")
	b.ReportMetric(float64(dc.Requests["Query"]), "daily-queries")
	b.ReportMetric(dc.ReadUnits, "daily-RCU")
	b.Logf("direct CSV, %d rows (%d days): JSON pages %d Queries %.1f RCU; stream %d Queries %.1f RCU; daily view of %d days: %d Queries %.1f RCU (%d totals shards)",
		paged, days, pc.Requests["Query"], pc.ReadUnits, sc.Requests["Query"], sc.ReadUnits, len(dts), dc.Requests["Query"], dc.ReadUnits, keys.TotalShards)
}
