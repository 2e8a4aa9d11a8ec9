package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/records"
)

// Incremental Home aggregates (issue 13). The store owns the contact
// state's item format, so it is also what reads a contact state back out of
// a stream record; and it writes the aggregate items (keys.AggregateDay,
// keys.AggregateBase), each update conditioned on per-source watermarks.

// Aggregate item attributes besides the counters (metrics' names).
const (
	// attrMarkPrefix + contact shard: the SeqKey of the last stream record
	// of that contact partition applied to the item. Records of one
	// partition key reach the stream, and the function, in order, so a
	// record at or below the mark was applied. (Marks were decimal strings
	// under the prefix "w" before SeqKey; such attributes are ignored.)
	attrMarkPrefix = "q"
	// attrAt is the newest stream record time (Unix ms) applied to the item.
	attrAt = "at"
)

// maxSeqDigits is the longest stream sequence number DynamoDB documents.
const maxSeqDigits = 40

// SeqKey is a stream sequence number in the form marks are stored and
// compared in: a byte holding its count of significant digits, then the
// digits two to a byte (a zero nibble after an odd last one). Byte order
// is numeric order, which DynamoDB's conditions keep (they compare binary
// values as unsigned bytes), at half the size of the decimal string: an
// item carries one mark per contact partition, and the marks are what
// would push an aggregate item past 1 KB, the size one write unit pays
// for. ok is false for anything that is not a decimal number of at most
// 40 digits.
func SeqKey(seq string) (string, bool) {
	if seq == "" || len(seq) > maxSeqDigits {
		return "", false
	}
	for _, c := range seq {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	digits := strings.TrimLeft(seq, "0")
	b := make([]byte, 1, 1+(len(digits)+1)/2)
	b[0] = byte(len(digits))
	for i := 0; i < len(digits); i += 2 {
		hi, lo := digits[i]-'0', byte(0)
		if i+1 < len(digits) {
			lo = digits[i+1] - '0'
		}
		b = append(b, hi<<4|lo)
	}
	return string(b), true
}

// AggregateTTL is how long after its date a dated aggregate expires: no
// Home reads it after metrics.ReadDays, and metrics.OldestKept stops the
// function from writing it again, so DynamoDB's TTL prunes the dated
// items without any scheduled work (a reconciliation may still delete
// them earlier, from metrics.PruneBefore).
const AggregateTTL = (metrics.ReadDays + 10) * 24 * time.Hour

// StreamContact is a stream record's item identified as a contact state.
type StreamContact struct {
	Org     string
	Contact string
	// Shard is the contact partition (keys.ContactShard): the unit whose
	// records the stream keeps in order.
	Shard int
}

// ContactOfStreamKeys tells whether a stream record's keys are a contact
// state's; ok is false for every other item of the table.
func ContactOfStreamKeys(k map[string]events.DynamoDBAttributeValue) (StreamContact, bool) {
	pk, ok1 := streamString(k[attrPK])
	sk, ok2 := streamString(k[attrSK])
	if !ok1 || !ok2 {
		return StreamContact{}, false
	}
	org, shard, ok := keys.ParseContactPartition(pk)
	if !ok || sk == "" {
		return StreamContact{}, false
	}
	return StreamContact{Org: org, Contact: sk, Shard: shard}, true
}

func streamString(av events.DynamoDBAttributeValue) (string, bool) {
	if av.DataType() != events.DataTypeString {
		return "", false
	}
	return av.String(), true
}

// ErrBadImage means a stream image holds no contact state this code reads.
var ErrBadImage = errors.New("stream image is not a readable contact state")

// DecodeStreamImage reads the contact state out of a stream image (Old or
// New); an absent image (INSERT's old, REMOVE's new) is nil, no error. The
// error names the reason, never the content.
func DecodeStreamImage(img map[string]events.DynamoDBAttributeValue) (*ingest.ContactState, error) {
	if len(img) == 0 {
		return nil, nil
	}
	var av types.AttributeValue
	st, ok := img[attrState]
	switch {
	case !ok || st.IsNull():
		// An item written without a state (none today): the zero state.
	case st.DataType() == events.DataTypeBinary:
		av = &types.AttributeValueMemberB{Value: st.Binary()}
	case st.DataType() == events.DataTypeString:
		av = &types.AttributeValueMemberS{Value: st.String()}
	default:
		return nil, fmt.Errorf("%w: attribute %s has type %d", ErrBadImage, attrState, st.DataType())
	}
	var cs ingest.ContactState
	if err := decodeState(av, &cs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadImage, err)
	}
	return &cs, nil
}

// AggregateItem names one aggregate item of an organization: a date's, or
// the base (Base true).
type AggregateItem struct {
	Date localdate.Date
	Base bool
}

func (a AggregateItem) key(org string) keys.Key {
	if a.Base {
		return keys.AggregateBase(org)
	}
	return keys.AggregateDay(org, a.Date.String())
}

// SeqRange is the first and last sequence numbers (SeqKey) of one
// contact partition's records in an update.
type SeqRange struct{ First, Last string }

// AggregateUpdate is one conditional update of one aggregate item: ADD of
// the counters, provided none of the partitions' records were applied yet.
type AggregateUpdate struct {
	Org      string
	Item     AggregateItem
	Counters metrics.Counters
	// Marks are the contact partitions whose records the counters sum.
	Marks map[int]SeqRange
	// At is the newest stream record time among them.
	At time.Time
}

// ApplyAggregate makes one aggregate update: ADD every counter, and move
// each partition's mark to its Last, on condition that each mark is
// absent or below its First. records.ErrConflict when a mark is not: some of the
// records were applied already (a redelivered batch); AggregateMarks then
// says which.
func (st *Store) ApplyAggregate(ctx context.Context, u AggregateUpdate) error {
	if len(u.Marks) == 0 {
		return errors.New("aggregate update without marks")
	}
	names := map[string]string{}
	vals := map[string]types.AttributeValue{}
	var sets, conds []string
	adds := counterAdds(u.Counters, names, vals)
	shards := make([]int, 0, len(u.Marks))
	for sh := range u.Marks {
		shards = append(shards, sh)
	}
	sort.Ints(shards)
	for _, sh := range shards {
		r := u.Marks[sh]
		p := "w" + strconv.Itoa(sh)
		names["#"+p] = attrMarkPrefix + strconv.Itoa(sh)
		vals[":f"+p] = &types.AttributeValueMemberB{Value: []byte(r.First)}
		vals[":l"+p] = &types.AttributeValueMemberB{Value: []byte(r.Last)}
		conds = append(conds, fmt.Sprintf("(attribute_not_exists(#%s) OR #%s < :f%s)", p, p, p))
		sets = append(sets, fmt.Sprintf("#%s = :l%s", p, p))
	}
	names["#at"] = attrAt
	vals[":at"] = n(u.At.UnixMilli())
	sets = append(sets, "#at = :at")
	if !u.Item.Base {
		names["#ttl"] = attrTTL
		vals[":ttl"] = n(u.Item.Date.Start(time.UTC).Add(AggregateTTL).Unix())
		sets = append(sets, "#ttl = :ttl")
	}
	expr := "SET " + strings.Join(sets, ", ")
	if len(adds) > 0 {
		expr += " ADD " + strings.Join(adds, ", ")
	}
	refused, err := st.updateIf(ctx, key(u.Item.key(u.Org)), strings.Join(conds, " AND "), expr, names, vals)
	if refused {
		return fmt.Errorf("aggregate %s of %s: %w", u.Item.key(u.Org).SK, u.Org, records.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("aggregate %s of %s: %w", u.Item.key(u.Org).SK, u.Org, err)
	}
	return nil
}

// AggregateMarks reads an aggregate item's marks (strongly consistent):
// per contact partition, the SeqKey of the last record applied. Absent partitions have applied none.
func (st *Store) AggregateMarks(ctx context.Context, org string, item AggregateItem) (map[int]string, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &st.table, Key: key(item.key(org)), ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, fmt.Errorf("aggregate marks %s of %s: %w", item.key(org).SK, org, err)
	}
	marks := map[int]string{}
	for name, v := range out.Item {
		if sh, ok := markShard(name); ok {
			if bv, ok := v.(*types.AttributeValueMemberB); ok {
				marks[sh] = string(bv.Value)
			}
		}
	}
	return marks, nil
}

func markShard(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, attrMarkPrefix)
	if !ok || rest == "" {
		return 0, false
	}
	sh, err := strconv.Atoi(rest)
	if err != nil {
		return 0, false
	}
	return sh, true
}

// aggregateKeys are the keys a Home of today reads: the base and every
// date metrics.HomeDates names.
func aggregateKeys(org string, today localdate.Date) []keys.Key {
	ks := []keys.Key{keys.AggregateBase(org)}
	for _, d := range metrics.HomeDates(today) {
		ks = append(ks, keys.AggregateDay(org, d.String()))
	}
	return ks
}

// decodeAggregates folds the aggregate items read into metrics.Aggregates.
func decodeAggregates(org string, items map[keys.Key]map[string]types.AttributeValue, today localdate.Date) metrics.Aggregates {
	a := metrics.Aggregates{Days: map[localdate.Date]metrics.Counters{}}
	seen := func(item map[string]types.AttributeValue) {
		if at := num(item, attrAt); at > 0 {
			if t := time.UnixMilli(at).UTC(); t.After(a.AsOf) {
				a.AsOf = t
			}
		}
		a.Exists = true
	}
	if item := items[keys.AggregateBase(org)]; item != nil {
		seen(item)
		a.Base = counters(item)
	}
	for _, d := range metrics.HomeDates(today) {
		if item := items[keys.AggregateDay(org, d.String())]; item != nil {
			seen(item)
			a.Days[d] = counters(item)
		}
	}
	return a
}

// counters are an aggregate item's non-zero counters.
func counters(item map[string]types.AttributeValue) metrics.Counters {
	c := metrics.Counters{}
	eachCounter(item, func(name string, n int64) { c[name] = n })
	return c
}

// eachCounter calls f with each non-zero counter of an aggregate item as
// stored (every number but the time and the TTL; the marks are binary).
func eachCounter(item map[string]types.AttributeValue, f func(name string, n int64)) {
	for name, v := range item {
		nv, ok := v.(*types.AttributeValueMemberN)
		if !ok || name == attrAt || name == attrTTL {
			continue
		}
		if i, err := strconv.ParseInt(nv.Value, 10, 64); err == nil && i != 0 {
			f(name, i)
		}
	}
}

// Aggregates reads the aggregates a Home of today reads, in one
// BatchGetItem (eventually consistent): for the cycles view and the
// reconciliation, which have the profile already.
func (st *Store) Aggregates(ctx context.Context, org string, today localdate.Date) (metrics.Aggregates, error) {
	ak := aggregateKeys(org, today)
	ks := make([]map[string]types.AttributeValue, 0, len(ak))
	for _, k := range ak {
		ks = append(ks, key(k))
	}
	items, err := st.batchGet(ctx, ks, false)
	if err != nil {
		return metrics.Aggregates{}, err
	}
	return decodeAggregates(org, items, today), nil
}

// counterAdds are the ADD clauses of the non-zero counters, in name order,
// with their placeholders put in names and vals.
func counterAdds(counters metrics.Counters, names map[string]string, vals map[string]types.AttributeValue) []string {
	cnames := make([]string, 0, len(counters))
	for name, v := range counters {
		if v != 0 {
			cnames = append(cnames, name)
		}
	}
	sort.Strings(cnames)
	adds := make([]string, 0, len(cnames))
	for i, name := range cnames {
		p := "c" + strconv.Itoa(i)
		names["#"+p] = name
		vals[":"+p] = n(counters[name])
		adds = append(adds, "#"+p+" :"+p)
	}
	return adds
}

// AddAggregate adds counters to one aggregate item unconditionally, marks
// untouched: the reconciliation's repair of a drift (metrics.Recount.Drift).
// Stream updates in flight meanwhile keep their own marks and add on top.
func (st *Store) AddAggregate(ctx context.Context, org string, item AggregateItem, counters metrics.Counters) error {
	names := map[string]string{}
	vals := map[string]types.AttributeValue{}
	adds := counterAdds(counters, names, vals)
	if len(adds) == 0 {
		return nil
	}
	expr := "ADD " + strings.Join(adds, ", ")
	if !item.Base {
		names["#ttl"] = attrTTL
		vals[":ttl"] = n(item.Date.Start(time.UTC).Add(AggregateTTL).Unix())
		expr = "SET #ttl = :ttl " + expr
	}
	if _, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &st.table, Key: key(item.key(org)), UpdateExpression: aws.String(expr),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}); err != nil {
		return fmt.Errorf("repair aggregate %s of %s: %w", item.key(org).SK, org, err)
	}
	return nil
}
