package bench

import (
	"bytes"
	"compress/flate"
	"context"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// benchPlan is every benchmark organization's plan.
var benchPlan = plan.Plan{Name: "Expert", CycleStartDay: 5, IncludedInteractionz: 5000, Seats: 10,
	Packages: map[string]int{"sms": 1000, "whatsapp": 500}, TimeZone: "America/Sao_Paulo"}

// streamEnd is the end of every generated stream (and the rollups' "now").
var streamEnd = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

var discard = slog.New(slog.NewJSONHandler(io.Discard, nil))

// batch is one delivery to the debit handler.
type batch struct {
	ev events.SQSEvent
	// idx are the stream indexes of the batch's messages, in order.
	idx []int
	// now is the processing clock: just after the batch's last event, as
	// for a consumer keeping up with the queue.
	now time.Time
}

// fifoBatches cuts the stream into consecutive batches of up to size
// messages, as the SQS FIFO event source delivers a queue that is kept up
// with: several messages of one group may share a batch, in order.
func fifoBatches(tb testing.TB, evs []contract.Event, size int) []batch {
	tb.Helper()
	var out []batch
	for start := 0; start < len(evs); start += size {
		var bt batch
		for i := start; i < min(start+size, len(evs)); i++ {
			bt.ev.Records = append(bt.ev.Records, testkit.Message(tb, strconv.Itoa(i), evs[i]))
			bt.idx = append(bt.idx, i)
			bt.now = evs[i].Time.Add(time.Second)
		}
		out = append(out, bt)
	}
	return out
}

// newPipeline builds the system on a fresh table with the benchmark plan
// set for orgs, and the meter zeroed.
func newPipeline(tb testing.TB, now time.Time, orgs ...string) *pipeline.Pipeline {
	tb.Helper()
	p := pipeline.New(tb, pipeline.Options{Now: now, NoQueue: true, Log: discard})
	for _, o := range orgs {
		if err := p.Store.PutPlan(context.Background(), o, benchPlan); err != nil {
			tb.Fatal(err)
		}
	}
	p.Meter.Reset()
	return p
}

// feed delivers batches to the pipeline's processor with the clock
// following the stream; any failure fails the benchmark.
func feed(tb testing.TB, p *pipeline.Pipeline, batches []batch) {
	tb.Helper()
	for _, bt := range batches {
		p.Clock.Set(bt.now)
		resp, err := p.Processor.Handle(context.Background(), bt.ev)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			tb.Fatalf("batch failed: %v %v", err, resp.BatchItemFailures)
		}
	}
}

// ledgerOf reads an organization's whole ledger directly (not metered):
// sort key → event id.
func ledgerOf(tb testing.TB, p *pipeline.Pipeline, org string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for sh := 0; sh < keys.LedgerShards; sh++ {
		eachItem(tb, p, keys.LedgerPartition(org, sh), func(it map[string]types.AttributeValue) {
			out[it["sk"].(*types.AttributeValueMemberS).Value] = it["eventId"].(*types.AttributeValueMemberS).Value
		})
	}
	return out
}

// eachItem calls f with every item of partition pk, read directly (not
// metered), page by page.
func eachItem(tb testing.TB, p *pipeline.Pipeline, pk string, f func(map[string]types.AttributeValue)) {
	tb.Helper()
	var start map[string]types.AttributeValue
	for {
		res, err := p.Env.DDB.Query(context.Background(), &dynamodb.QueryInput{
			TableName:                 &p.Table,
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			tb.Fatal(err)
		}
		for _, it := range res.Items {
			f(it)
		}
		if len(res.LastEvaluatedKey) == 0 {
			return
		}
		start = res.LastEvaluatedKey
	}
}

// kindOf names an event's kind for the per-kind cost table.
func kindOf(e contract.Event) string {
	d := e.Data
	switch e.Type {
	case contract.MessageSent:
		return "message.sent " + d.Sender
	case contract.MessageReceived:
		return "message.received " + d.RoutedTo
	case contract.TicketOpened:
		return "ticket.opened " + d.Visibility
	case contract.TicketUpdated:
		if d.Public != nil && *d.Public {
			return "ticket.updated public"
		}
		return "ticket.updated internal"
	case contract.TicketClosed:
		return "ticket.closed"
	case contract.ContactUpserted, contract.ContactDeleted:
		return "contact.*"
	}
	return "org events"
}

// kindOrder is the table's row order.
var kindOrder = []string{
	"message.sent campaign", "message.sent agent", "message.sent bot", "message.sent expert_agent", "message.sent auto_reply",
	"message.received bot", "message.received human",
	"ticket.opened public", "ticket.opened internal", "ticket.updated public", "ticket.updated internal", "ticket.closed",
	"contact.*", "org events",
}

// cost is DynamoDB usage attributed to events.
type cost struct {
	n             int
	req, wcu, rcu float64
}

func (c *cost) add(o cost) {
	c.n += o.n
	c.req += o.req
	c.wcu += o.wcu
	c.rcu += o.rcu
}

func (c cost) per(x float64) float64 {
	if c.n == 0 {
		return 0
	}
	return x / float64(c.n)
}

// tapCall is one DynamoDB call seen by a tap.
type tapCall struct {
	op string
	// key is the item written (a transaction's first item); zero for reads.
	key keys.Key
	// items are every item a transaction writes.
	items    []keys.Key
	wcu, rcu float64
	// local is what DynamoDB Local reported for a transaction whose wcu
	// was repriced.
	local float64
	// compressed is the call's write units had the contact state been
	// stored flate-compressed (a what-if; 0 for reads).
	compressed float64
	// itemWCU are a transaction's write units item by item (as items),
	// once priced.
	itemWCU []float64
}

// tap records every call with the item it writes and the capacity it
// consumed, as the pipeline's meter observes them (the meter keeps the
// totals), so a batch's cost can be attributed to the messages whose group
// each call served.
type tap struct {
	mu    sync.Mutex
	calls []tapCall
}

// newTap observes m.
func newTap(m *ddbmeter.Meter) *tap {
	t := &tap{}
	m.Observe(t.observe)
	return t
}

func (t *tap) observe(c ddbmeter.Call) {
	tc := tapCall{op: c.Op, wcu: c.WriteUnits, rcu: c.ReadUnits}
	if len(c.Items) > 0 {
		tc.key = c.Items[0]
	}
	if c.Op == "TransactWriteItems" {
		tc.items = c.Items
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, tc)
}

func (t *tap) drain() []tapCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.calls
	t.calls = nil
	return out
}

// table renders rows as aligned columns.
func table(header []string, rows [][]string) string {
	w := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			w[i] = max(w[i], len(c))
		}
	}
	var sb strings.Builder
	line := func(r []string) {
		sb.WriteString("| ")
		for i, c := range r {
			if i == 0 {
				sb.WriteString(c + strings.Repeat(" ", w[i]-len(c)))
			} else {
				sb.WriteString(strings.Repeat(" ", w[i]-len(c)) + c)
			}
			sb.WriteString(" | ")
		}
		sb.WriteString("\n")
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", w[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
	return sb.String()
}

func f2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
func f0(x float64) string { return strconv.FormatFloat(x, 'f', 0, 64) }

func mean(xs []time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	var s time.Duration
	for _, x := range xs {
		s += x
	}
	return s / time.Duration(len(xs))
}

func quantile(xs []time.Duration, q float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// itemSize is an item's size as DynamoDB bills it: attribute names plus
// values (strings by length, numbers by about one byte per two digits).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name)
		switch x := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(x.Value)
		case *types.AttributeValueMemberN:
			n += (len(strings.TrimLeft(x.Value, "-0"))+1)/2 + 1
		case *types.AttributeValueMemberB:
			n += len(x.Value)
		case *types.AttributeValueMemberSS:
			for _, e := range x.Value {
				n += len(e)
			}
		default:
			n++
		}
	}
	return n
}

// kbUnits is the number of 1 KB write units an item of size bytes costs.
func kbUnits(size int) float64 { return float64(max(1, (size+1023)/1024)) }

// sizer keeps the current size of every item a run wrote, read back
// directly from the table after each batch (unmetered, untimed), to price
// transactions as DynamoDB does: DynamoDB Local's consumed capacity for
// TransactWriteItems does not follow the documented rule.
type sizer struct {
	p     *pipeline.Pipeline
	sizes map[keys.Key]int
	// compressed are the sizes had the state attribute been stored
	// flate-compressed as a binary attribute.
	compressed map[keys.Key]int
	// mismatches counts single-item writes whose reported units differ
	// from the size rule (a check of itemSize).
	mismatches int
}

func newSizer(p *pipeline.Pipeline) *sizer {
	return &sizer{p: p, sizes: map[keys.Key]int{}, compressed: map[keys.Key]int{}}
}

// deflated is the length of s compressed with flate.
func deflated(s string) int {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return buf.Len()
}

// refresh reads the current sizes of ks.
func (s *sizer) refresh(tb testing.TB, ks []keys.Key) (after, compressed map[keys.Key]int) {
	tb.Helper()
	after, compressed = map[keys.Key]int{}, map[keys.Key]int{}
	seen := map[keys.Key]bool{}
	var req []map[string]types.AttributeValue
	for _, k := range ks {
		if !seen[k] {
			seen[k] = true
			req = append(req, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: k.PK}, "sk": &types.AttributeValueMemberS{Value: k.SK}})
		}
	}
	for start := 0; start < len(req); start += 100 {
		pending := req[start:min(start+100, len(req))]
		for len(pending) > 0 {
			out, err := s.p.Env.DDB.BatchGetItem(context.Background(), &dynamodb.BatchGetItemInput{
				RequestItems: map[string]types.KeysAndAttributes{s.p.Table: {Keys: pending, ConsistentRead: aws.Bool(true)}},
			})
			if err != nil {
				tb.Fatal(err)
			}
			for _, it := range out.Responses[s.p.Table] {
				k, n := ddbmeter.KeyOf(it), itemSize(it)
				after[k], compressed[k] = n, n
				if st, ok := it["st"].(*types.AttributeValueMemberS); ok {
					compressed[k] = n - len(st.Value) + deflated(st.Value)
				}
			}
			pending = out.UnprocessedKeys[s.p.Table].Keys
		}
	}
	return after, compressed
}

// price replaces each transaction's reported units with the documented
// rule: two write units per 1 KB of each item, an item's size being the
// larger of before and after. It then records the new sizes.
func (s *sizer) price(tb testing.TB, calls []tapCall) {
	tb.Helper()
	var ks []keys.Key
	for _, c := range calls {
		if c.op == "TransactWriteItems" {
			ks = append(ks, c.items...)
		} else if c.key != (keys.Key{}) {
			ks = append(ks, c.key)
		}
	}
	if len(ks) == 0 {
		return
	}
	after, compressed := s.refresh(tb, ks)
	for i, c := range calls {
		switch c.op {
		case "TransactWriteItems":
			w, z := 0.0, 0.0
			calls[i].itemWCU = make([]float64, len(c.items))
			for j, k := range c.items {
				calls[i].itemWCU[j] = 2 * kbUnits(max(s.sizes[k], after[k]))
				w += calls[i].itemWCU[j]
				z += 2 * kbUnits(max(s.compressed[k], compressed[k]))
			}
			calls[i].local = c.wcu
			calls[i].wcu = w
			calls[i].compressed = z
		case "UpdateItem":
			if kbUnits(max(s.sizes[c.key], after[c.key])) != c.wcu {
				s.mismatches++
			}
			calls[i].compressed = kbUnits(max(s.compressed[c.key], compressed[c.key]))
		case "PutItem":
			calls[i].compressed = c.wcu
		}
	}
	for k, v := range after {
		s.sizes[k] = v
		s.compressed[k] = compressed[k]
	}
}

// seedGrouped loads a stream quickly for benchmarks that only need the
// resulting state (not its ingestion cost): each contact's events go
// whole, in order, into batches of up to about 100 messages, processed by
// the real handler at the stream's end.
func seedGrouped(tb testing.TB, p *pipeline.Pipeline, evs []contract.Event, now time.Time) {
	tb.Helper()
	groups, byGroup := testkit.ByGroup(evs)
	var batches []batch
	var cur batch
	flush := func() {
		if len(cur.idx) > 0 {
			cur.now = now
			batches = append(batches, cur)
			cur = batch{}
		}
	}
	for _, g := range groups {
		if len(cur.idx)+len(byGroup[g]) > 100 {
			flush()
		}
		for _, i := range byGroup[g] {
			cur.ev.Records = append(cur.ev.Records, testkit.Message(tb, strconv.Itoa(i), evs[i]))
			cur.idx = append(cur.idx, i)
		}
	}
	flush()
	feed(tb, p, batches)
}
