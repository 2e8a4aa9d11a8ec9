package bench

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/testkit"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// countingDLQ counts what the handler sets aside.
type countingDLQ struct {
	mu sync.Mutex
	n  int
}

func (c *countingDLQ) DeadLetter(context.Context, events.SQSMessage, string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return nil
}

// partitionLoad is write units per partition key per second, from the
// recorded calls: a transaction's items priced one by one (2 WCU per
// started KB), single-item writes as reported.
type partitionLoad map[string]map[int64]float64

func (l partitionLoad) add(calls []tapCall, sec int64) {
	bump := func(pk string, w float64) {
		if l[pk] == nil {
			l[pk] = map[int64]float64{}
		}
		l[pk][sec] += w
	}
	for _, c := range calls {
		switch c.op {
		case "TransactWriteItems":
			for j, k := range c.items {
				bump(k.PK, c.itemWCU[j])
			}
		case "UpdateItem", "PutItem":
			bump(c.key.PK, c.wcu)
		}
	}
}

// pkKind names what a partition key holds.
func pkKind(pk string) string {
	switch {
	case strings.Contains(pk, "#LEDGER#"):
		return "ledger"
	case strings.Contains(pk, "#T#"):
		return "totals"
	case strings.Contains(pk, "#C#"):
		return "contact states"
	case strings.Contains(pk, "#ID#"):
		return "spilled identities"
	default:
		return "organization profile"
	}
}

// byKind is, per kind of partition, the hottest partition key's peak
// second, and the peak second of all that kind's partitions together (what
// one unsharded partition would have carried).
func (l partitionLoad) byKind() map[string][2]float64 {
	out := map[string][2]float64{}
	sum := map[string]map[int64]float64{}
	for pk, secs := range l {
		k := pkKind(pk)
		if sum[k] == nil {
			sum[k] = map[int64]float64{}
		}
		r := out[k]
		for s, w := range secs {
			r[0] = max(r[0], w)
			sum[k][s] += w
		}
		out[k] = r
	}
	for k, secs := range sum {
		r := out[k]
		for _, w := range secs {
			r[1] = max(r[1], w)
		}
		out[k] = r
	}
	return out
}

// burstStream is a campaign's replies: contacts customers each writing
// once, the first half at 5,000 a second, the rest spread over the
// remainder of 10 minutes.
func burstStream(contacts int, start time.Time) []contract.Event {
	const peak = 5000
	half := contacts / 2
	peakSpan := time.Duration(half) * time.Second / peak
	out := make([]contract.Event, 0, contacts)
	for i := 0; i < contacts; i++ {
		at := start.Add(time.Duration(i) * time.Second / peak)
		if i >= half {
			at = start.Add(peakSpan + time.Duration(i-half)*(10*time.Minute-peakSpan)/time.Duration(contacts-half))
		}
		routed := contract.RoutedBot
		if i%10 < 3 {
			routed = contract.RoutedHuman
		}
		out = append(out, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("burst-%06d", i), Source: "channels/whatsapp",
			Type: contract.MessageReceived, Time: at.Truncate(time.Millisecond), OrgID: meterOrg,
			Data: contract.Data{ContactID: fmt.Sprintf("r-%06d", i), Channel: "whatsapp", RoutedTo: routed}})
	}
	return out
}

// BenchmarkBurst replays a campaign burst (BURST_CONTACTS replies within
// 10 minutes, half of them at 5,000 a second; default 20,000 so that make
// bench stays within its timeout: the peak second is the same, and
// BURST_CONTACTS=100000 took 8.5 minutes in the handler) through the real
// handler in FIFO batches of ten, records every write with its keys, and
// reports per kind of partition the hottest partition key's write units in
// its peak second, beside what one unsharded partition would carry.
func BenchmarkBurst(b *testing.B) {
	contacts := envInt("BURST_CONTACTS", 20000)
	start := streamEnd.Add(-time.Hour)
	evs := burstStream(contacts, start)
	batches := fifoBatches(b, evs, 10)
	var load partitionLoad
	var windows int
	var elapsed time.Duration
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		p := newPipeline(b, start, meterOrg)
		tp := newTap(p.Meter)
		st := testkit.Must(store.New(store.Config{DB: p.Meter, Table: p.Table, Now: p.Clock.Now}))(b)
		dlq := &countingDLQ{}
		proc := testkit.Must(debit.New(debit.Config{Store: st, DeadLetter: dlq, Classifier: sentiment.Offline{}, Log: discard, Now: p.Clock.Now}))(b)
		sz := newSizer(p)
		load = partitionLoad{}
		elapsed = 0
		for _, bt := range batches {
			p.Clock.Set(bt.now)
			b.StartTimer()
			t0 := time.Now()
			resp, err := proc.Handle(context.Background(), bt.ev)
			elapsed += time.Since(t0)
			b.StopTimer()
			if err != nil || len(resp.BatchItemFailures) > 0 {
				b.Fatalf("batch failed: %v %v", err, resp.BatchItemFailures)
			}
			calls := tp.drain()
			sz.price(b, calls)
			load.add(calls, evs[bt.idx[len(bt.idx)-1]].Time.Unix())
		}
		windows = len(ledgerOf(b, p, meterOrg))
		if windows != contacts || dlq.n != 0 {
			b.Fatalf("%d windows for %d replies, %d set aside", windows, contacts, dlq.n)
		}
	}
	kinds := load.byKind()
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	var rows [][]string
	worst := 0.0
	for _, k := range names {
		rows = append(rows, []string{k, f0(kinds[k][0]), f0(kinds[k][1])})
		worst = max(worst, kinds[k][0])
	}
	b.ReportMetric(worst, "maxWCU/partition/s")
	fmt.Printf("\nCampaign burst: %d replies within 10 minutes (peak 5,000/s), %d windows opened, %d batches of 10, %.1f s in the handler\n",
		contacts, windows, len(batches), elapsed.Seconds())
	fmt.Printf("shards: contacts %d, totals %d, ledger %d\n", keys.Shards, keys.TotalShards, keys.LedgerShards)
	fmt.Print(table([]string{"partition kind", "max WCU in one partition key in one second", "same second, all that kind's keys (one unsharded partition)"}, rows))
	fmt.Printf("max WCU per partition per second: %s (DynamoDB's limit: 1,000)\n\n", f0(worst))
}

// BenchmarkContactState runs one contact at 10, 100, 1,000 and 10,000
// events a day (STATE_DAYS days, default 30; STATE_DAYS_HOT for 10,000,
// default 5 to keep make bench within its timeout: TestOracleHotContact
// runs that rate for 20 days) through the real handler in batches of ten
// with the clock following, and reports its stored state and the write
// units of its writes: both must not grow with the rate.
func BenchmarkContactState(b *testing.B) {
	type row struct {
		perDay, days, events, writes, spills, queries, dlq int
		endBytes, maxBytes                                 int
		wcu, maxWCU                                        float64
	}
	var rows []row
	for _, perDay := range []int{10, 100, 1000, 10000} {
		days := envInt("STATE_DAYS", 30)
		if perDay >= 10000 {
			days = envInt("STATE_DAYS_HOT", 5)
		}
		b.Run(fmt.Sprintf("%d-per-day", perDay), func(b *testing.B) {
			var r row
			for n := 0; n < b.N; n++ {
				b.StopTimer()
				end := streamEnd
				evs := gen.Hot(gen.HotOptions{Org: meterOrg, Contact: "busy", PerDay: perDay, Days: days, Now: end, Seed: uint64(perDay)})
				batches := fifoBatches(b, evs, 10)
				p := newPipeline(b, batches[0].now, meterOrg)
				tp := newTap(p.Meter)
				st := testkit.Must(store.New(store.Config{DB: p.Meter, Table: p.Table, Now: p.Clock.Now}))(b)
				dlq := &countingDLQ{}
				proc := testkit.Must(debit.New(debit.Config{Store: st, DeadLetter: dlq, Classifier: sentiment.Offline{}, Log: discard, Now: p.Clock.Now}))(b)
				sz := newSizer(p)
				ck := keys.Contact(meterOrg, "busy")
				ref := ingest.ContactRef{Org: meterOrg, Contact: "busy"}
				r = row{perDay: perDay, days: days, events: len(evs)}
				for i, bt := range batches {
					p.Clock.Set(bt.now)
					b.StartTimer()
					resp, err := proc.Handle(context.Background(), bt.ev)
					b.StopTimer()
					if err != nil || len(resp.BatchItemFailures) > 0 {
						b.Fatalf("batch failed: %v %v", err, resp.BatchItemFailures)
					}
					calls := tp.drain()
					sz.price(b, calls)
					for _, c := range calls {
						switch {
						case c.op == "Query":
							r.queries++
						case c.op == "PutItem" && pkKind(c.key.PK) == "spilled identities":
							r.spills++
						case c.op == "UpdateItem" && c.key == ck:
							r.writes++
							r.wcu += c.wcu
							r.maxWCU = max(r.maxWCU, c.wcu)
						case c.op == "TransactWriteItems":
							for j, k := range c.items {
								if k == ck {
									r.writes++
									r.wcu += c.itemWCU[j]
									r.maxWCU = max(r.maxWCU, c.itemWCU[j])
								}
							}
						}
					}
					if i%50 == 0 || i == len(batches)-1 {
						bt, err := p.Store.LoadBatch(context.Background(), []string{meterOrg}, []ingest.ContactRef{ref})
						if err != nil {
							b.Fatal(err)
						}
						r.endBytes, _ = p.Store.StateSize(bt.Contacts[ref].State)
						r.maxBytes = max(r.maxBytes, r.endBytes)
					}
				}
				r.dlq = dlq.n
			}
			rows = append(rows, r)
		})
	}
	var out [][]string
	for _, r := range rows {
		out = append(out, []string{strconv.Itoa(r.perDay), strconv.Itoa(r.days), strconv.Itoa(r.events), strconv.Itoa(r.endBytes), strconv.Itoa(r.maxBytes),
			f2(r.wcu / float64(max(1, r.writes))), f0(r.maxWCU), f1(float64(r.spills) * 1000 / float64(max(1, r.events))), strconv.Itoa(r.queries), strconv.Itoa(r.dlq)})
	}
	fmt.Print("\nOne contact at a sustained rate, batches of 10 (state = compressed state attribute; WCU = its item's units per write, transactions at 2 per KB)\n")
	fmt.Print(table([]string{"events/day", "days", "events", "state bytes at end", "max state bytes", "WCU per contact write", "max WCU per write", "spill puts per 1,000 events", "late-path queries", "DLQ"}, out) + "\n")
}
