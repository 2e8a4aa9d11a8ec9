package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/backoff"
	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/records"
)

// maxBatchGet is DynamoDB's BatchGetItem limit.
const maxBatchGet = 100

// LoadBatch reads profiles and contact states in as few strongly consistent
// BatchGetItem calls as DynamoDB allows (one for a Lambda batch), retrying
// unprocessed keys with backoff.
func (st *Store) LoadBatch(ctx context.Context, orgs []string, contacts []ingest.ContactRef) (records.Batch, error) {
	b := records.Batch{Profiles: map[string]records.Profile{}, Contacts: map[ingest.ContactRef]ingest.Contact{}}
	var ks []map[string]types.AttributeValue
	seen := map[keys.Key]bool{}
	add := func(k keys.Key) {
		if !seen[k] {
			seen[k] = true
			ks = append(ks, key(k))
		}
	}
	for _, o := range orgs {
		add(keys.Profile(o))
	}
	for _, c := range contacts {
		add(keys.Contact(c.Org, c.Contact))
	}
	items, err := st.batchGet(ctx, ks, true)
	if err != nil {
		return b, err
	}
	for _, o := range orgs {
		p, err := decodeProfile(o, items[keys.Profile(o)])
		if err != nil {
			return b, err
		}
		b.Profiles[o] = p
	}
	for _, c := range contacts {
		rec := ingest.Contact{ContactRef: c}
		if item := items[keys.Contact(c.Org, c.Contact)]; item != nil {
			rec.Version = num(item, attrVersion)
			if err := decodeState(item[attrState], &rec.State); err != nil {
				return b, fmt.Errorf("a contact state of %s: %w", c.Org, err)
			}
		}
		b.Contacts[c] = rec
	}
	return b, nil
}

func (st *Store) batchGet(ctx context.Context, ks []map[string]types.AttributeValue, consistent bool) (map[keys.Key]map[string]types.AttributeValue, error) {
	out := map[keys.Key]map[string]types.AttributeValue{}
	for start := 0; start < len(ks); start += maxBatchGet {
		pending := ks[start:min(start+maxBatchGet, len(ks))]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if err := backoff.Sleep(ctx, conflictBackoff(attempt)); err != nil {
					return nil, err
				}
			}
			if attempt > 8 {
				return nil, fmt.Errorf("batch get: %d keys still unprocessed", len(pending))
			}
			res, err := st.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
				RequestItems: map[string]types.KeysAndAttributes{
					st.table: {Keys: pending, ConsistentRead: aws.Bool(consistent)},
				},
				ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
			})
			if err != nil {
				return nil, fmt.Errorf("batch get: %w", err)
			}
			for _, item := range res.Responses[st.table] {
				out[keys.Key{PK: str(item, attrPK), SK: str(item, attrSK)}] = item
			}
			pending = res.UnprocessedKeys[st.table].Keys
		}
	}
	return out, nil
}

// conflictBackoff is the pause before retry number attempt of a write that
// met another (20 ms doubling to 640 ms), jittered so the Lambdas whose
// transactions met on one organization's totals do not meet again.
func conflictBackoff(attempt int) time.Duration {
	return backoff.Delay(20*time.Millisecond, attempt, 5)
}

// SaveContacts is the one way contact states are written: each contact's
// new state if it is still at the version it was read at, with the debits
// it opened, all or nothing. The store picks the request, here and nowhere
// else: one contact that opened no window is one conditional UpdateItem (a
// small state costs 1 write unit, where a transaction costs 2); anything
// else is one transaction (saveTransaction), so a charge, its explanation
// and its totals exist together or not at all. ErrConflict when any contact
// changed since it was read: nothing is written.
func (st *Store) SaveContacts(ctx context.Context, ws []ingest.ContactWrite) error {
	switch {
	case len(ws) == 0:
		return nil
	case len(ws) == 1 && len(ws[0].Debits) == 0:
		return st.saveState(ctx, ws[0].Contact, ws[0].Next)
	}
	return st.saveTransaction(ctx, ws)
}

// saveState is one contact's new state without debits, in one conditional
// UpdateItem.
func (st *Store) saveState(ctx context.Context, c ingest.Contact, next ingest.ContactState) error {
	update, err := st.contactUpdate(c, next, nil)
	if err != nil {
		return err
	}
	if err := st.putSpill(ctx, c, next); err != nil {
		return err
	}
	refused, err := st.updateIf(ctx, update.Key, aws.ToString(update.ConditionExpression), aws.ToString(update.UpdateExpression),
		update.ExpressionAttributeNames, update.ExpressionAttributeValues)
	if refused {
		return fmt.Errorf("a contact of %s: %w", c.Org, records.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("save contact: %w", err)
	}
	return nil
}

// maxTransactItems is DynamoDB's TransactWriteItems limit.
const maxTransactItems = 100

// ErrTooLarge means the writes do not fit one transaction.
var ErrTooLarge = errors.New("too many items for one transaction")

// saveTransaction writes contacts in one transaction: each
// contact's state (conditional on its version and, per debited lane, on the
// stored window end being at or before the new window's start, so a debit
// can never be written while an earlier window of its lane is open, whatever
// TTL has or has not deleted), one ledger entry per debit, and the
// organizations' day and cycle totals, added once per item however many
// contacts the transaction carries. A charge, its explanation and its totals
// exist together or not at all. ErrConflict when any contact changed since
// it was read: nothing is written, and the caller retries contact by contact.
//
// The totals go to one shard per transaction, keys.TotalShard of its first
// contact: a batch's combined transaction adds to each totals item once,
// and a contact written on its own (the debit's group-by-group fallback)
// adds to its own contact's shard, so the fallback's totals writes spread
// over all keys.TotalShards shards as its contacts do.
func (st *Store) saveTransaction(ctx context.Context, ws []ingest.ContactWrite) error {
	var items []types.TransactWriteItem
	var all []orgDebit
	for _, w := range ws {
		update, err := st.contactUpdate(w.Contact, w.Next, w.Debits)
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Update: update})
		items = append(items, st.ledgerPuts(w.Contact.ContactRef, w.Debits)...)
		for i, d := range w.Debits {
			od := orgDebit{org: w.Contact.Org, d: d}
			if i < len(w.Cycles) {
				od.cycle, od.hasCycle = w.Cycles[i], true
			}
			all = append(all, od)
		}
	}
	if len(ws) > 0 {
		// One totals shard per write, by its first contact: the batch's
		// debits still add to each totals item once.
		for i := range all {
			all[i].shard = keys.TotalShard(ws[0].Contact.Contact)
		}
	}
	items = append(items, st.totalUpdates(all)...)
	if len(items) > maxTransactItems {
		return fmt.Errorf("%w: %d", ErrTooLarge, len(items))
	}
	for _, w := range ws {
		if err := st.putSpill(ctx, w.Contact, w.Next); err != nil {
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems:          items,
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		if err == nil {
			return nil
		}
		switch cancelReason(err) {
		case "ConditionalCheckFailed":
			return fmt.Errorf("debits of %d contacts: %w", len(ws), records.ErrConflict)
		case "TransactionConflict":
			// Another transaction holds one of the items (the
			// organization's totals are shared by its contacts). Nothing was
			// written: try again shortly, as DynamoDB advises.
			if attempt < maxConflictAttempts {
				if err := backoff.Sleep(ctx, conflictBackoff(attempt)); err != nil {
					return err
				}
				continue
			}
		}
		return fmt.Errorf("save debits: %w", err)
	}
}

// maxConflictAttempts bounds retries of a transaction that met another
// transaction on the same item.
const maxConflictAttempts = 6

// cancelReason is the decisive reason a transaction was cancelled: a failed
// condition wins over a conflict; "" when err is no cancellation.
func cancelReason(err error) string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return ""
	}
	reason := ""
	for _, r := range tce.CancellationReasons {
		switch code := aws.ToString(r.Code); code {
		case "ConditionalCheckFailed":
			return code
		case "TransactionConflict":
			reason = code
		}
	}
	return reason
}

// contactUpdate is the conditional update of a contact's state.
func (st *Store) contactUpdate(c ingest.Contact, next ingest.ContactState, debits []ingest.Debit) (*types.Update, error) {
	enc, err := encodeState(next)
	if err != nil {
		return nil, err
	}
	if size := len(enc.(*types.AttributeValueMemberB).Value); size > st.maxState {
		return nil, fmt.Errorf("a contact of %s: %d bytes: %w", c.Org, size, records.ErrStateTooLarge)
	}
	cond, vals := versionCondition(c.Version)
	names := map[string]string{"#st": attrState, "#v": attrVersion, "#ttl": attrTTL}
	set := []string{"#st = :st", "#v = :v1"}
	vals[":st"] = enc
	vals[":v1"] = n(c.Version + 1)
	remove := ""
	if next.Registered {
		remove = " REMOVE #ttl"
	} else {
		// Unregistered (deleted or never upserted) contacts go away after
		// their history stops mattering.
		set = append(set, "#ttl = :ttl")
		vals[":ttl"] = n(st.now().Add(ingest.UnregisteredRetention).Unix())
	}
	// The guard of ingest.LaneSpans' rule: a lane's windows never overlap.
	for i, span := range ingest.LaneSpans(debits) {
		name, start, end := fmt.Sprintf("#we%d", i), fmt.Sprintf(":ws%d", i), fmt.Sprintf(":we%d", i)
		names[name] = "wEnd_" + string(span.Lane)
		// Unix nanoseconds, the precision of event times and windows: in
		// milliseconds a window's end could round to before an event it
		// contains. (An end written in milliseconds before this change
		// compares below any start in nanoseconds: the guard lets that one
		// debit through and is exact from its write on.)
		vals[start] = n(span.Start.UnixNano())
		vals[end] = n(span.End.UnixNano())
		cond += fmt.Sprintf(" AND (attribute_not_exists(%s) OR %s <= %s)", name, name, start)
		set = append(set, fmt.Sprintf("%s = %s", name, end))
	}
	return &types.Update{
		TableName:                 &st.table,
		Key:                       key(keys.Contact(c.Org, c.Contact)),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ") + remove),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
	}, nil
}

func (st *Store) ledgerPuts(c ingest.ContactRef, debits []ingest.Debit) []types.TransactWriteItem {
	out := make([]types.TransactWriteItem, 0, len(debits))
	exp := n(st.now().Add(consumption.BillingRetention).Unix())
	for _, d := range debits {
		item := ledgerItem(c.Org, d.Window.Start, consumption.LedgerEntry{ContactID: c.Contact, Lane: string(d.Lane), Channel: d.Channel,
			WindowStart: d.Window.Start.UTC().Format(time.RFC3339Nano), WindowEnd: d.Window.End.UTC().Format(time.RFC3339Nano),
			Date: d.Date.String(), EventID: d.EventID, EventSource: d.Source, EventType: string(d.EventType), ExpertAgentID: d.ExpertAgentID}, exp)
		out = append(out, types.TransactWriteItem{Put: &types.Put{
			TableName: &st.table, Item: item,
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		}})
	}
	return out
}

// ledgerItem is a ledger entry's item (the one encoding; ledgerEntry
// decodes it), whose window opened at start.
func ledgerItem(org string, start time.Time, e consumption.LedgerEntry, exp types.AttributeValue) map[string]types.AttributeValue {
	item := key(keys.Ledger(org, start, e.Lane, e.ContactID))
	item["contactId"] = s(e.ContactID)
	item["lane"] = s(e.Lane)
	item["channel"] = s(e.Channel)
	item["windowStart"] = s(e.WindowStart)
	item["windowEnd"] = s(e.WindowEnd)
	item["date"] = s(e.Date)
	item["eventId"] = s(e.EventID)
	item["eventSource"] = s(e.EventSource)
	item["eventType"] = s(e.EventType)
	if e.ExpertAgentID != "" {
		item["expertAgentId"] = s(e.ExpertAgentID)
	}
	item[attrTTL] = exp
	return item
}

// Counter attribute names of totals items.
const (
	TotalAttr     = "total"
	LanePrefix    = "lane_"
	ChannelPrefix = "ch_"
	// AgentPrefix counts an expert agent's Interactionz.
	AgentPrefix = "xa_"
)

type orgDebit struct {
	org      string
	d        ingest.Debit
	cycle    localdate.Date
	hasCycle bool
	shard    int
}

func (st *Store) totalUpdates(debits []orgDebit) []types.TransactWriteItem {
	type counts map[string]int64
	byItem := map[keys.Key]counts{}
	var order []keys.Key
	bump := func(k keys.Key, d ingest.Debit) {
		c, ok := byItem[k]
		if !ok {
			c = counts{}
			byItem[k] = c
			order = append(order, k)
		}
		c[TotalAttr]++
		c[LanePrefix+string(d.Lane)]++
		c[ChannelPrefix+d.Channel]++
		if d.ExpertAgentID != "" {
			c[AgentPrefix+d.ExpertAgentID]++
		}
	}
	for _, od := range debits {
		bump(keys.DayTotals(od.org, od.d.Date.String(), od.shard), od.d)
		if od.hasCycle {
			bump(keys.CycleTotals(od.org, od.cycle.String(), od.shard), od.d)
		}
	}
	exp := n(st.now().Add(consumption.BillingRetention).Unix())
	out := make([]types.TransactWriteItem, 0, len(order))
	for _, k := range order {
		c := byItem[k]
		attrs := make([]string, 0, len(c))
		for a := range c {
			attrs = append(attrs, a)
		}
		sort.Strings(attrs)
		names := map[string]string{"#ttl": attrTTL}
		vals := map[string]types.AttributeValue{":ttl": exp}
		adds := make([]string, 0, len(attrs))
		for i, a := range attrs {
			names[fmt.Sprintf("#a%d", i)] = a
			vals[fmt.Sprintf(":a%d", i)] = n(c[a])
			adds = append(adds, fmt.Sprintf("#a%d :a%d", i, i))
		}
		out = append(out, types.TransactWriteItem{Update: &types.Update{
			TableName: &st.table, Key: key(k),
			UpdateExpression:          aws.String("SET #ttl = :ttl ADD " + strings.Join(adds, ", ")),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: vals,
		}})
	}
	return out
}

// MaxStateBytes bounds a contact's stored state, well below DynamoDB's
// 400 KB item limit (keys, version and window ends come on top). States are
// bounded by design (at most 61 days of activity, 31 of windows, a few
// dozen identities); only an abnormal input (a contact with thousands of
// tickets open at once) can reach it.
const MaxStateBytes = 256 << 10

// StateSize is the stored size of a state, for the caller that must find
// which event makes a state too large.
func (st *Store) StateSize(state ingest.ContactState) (int, bool) {
	enc, err := encodeState(state)
	if err != nil {
		return 0, false
	}
	n := len(enc.(*types.AttributeValueMemberB).Value)
	return n, n <= st.maxState
}

// putSpill writes the identities leaving a contact's state in this write
// to their spill items, before the state: if the state's write then
// fails, the items hold only identities of events already applied (see
// ingest.ContactState.SpillFrom), and a retry from the same stored
// version writes the same items again.
func (st *Store) putSpill(ctx context.Context, c ingest.Contact, next ingest.ContactState) error {
	exp := n(st.now().Add(ingest.SpillRetention).Unix())
	for _, b := range next.Spill {
		item := key(keys.Spill(c.Org, c.Contact, b.Day, c.Version))
		item[attrIDs] = &types.AttributeValueMemberB{Value: b.Hashes}
		item[attrTTL] = exp
		if _, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &st.table, Item: item,
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}); err != nil {
			return fmt.Errorf("spill identities: %w", err)
		}
	}
	return nil
}

// attrIDs holds a spill item's identities.
const attrIDs = "ids"

// SpilledIDs reads the identities spilled for a contact's event days, one
// strongly consistent Query per day (the late-event path: only for events
// at or before the state's SpilledMax and not in it).
func (st *Store) SpilledIDs(ctx context.Context, ref ingest.ContactRef, days []int32) (ingest.IDSet, error) {
	out := ingest.IDSet{}
	for _, day := range days {
		_, err := st.queryPages(ctx, "query spilled identities", &dynamodb.QueryInput{
			TableName:                &st.table,
			KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :d)"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#sk": attrSK},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": s(keys.SpillPartition(ref.Org, ref.Contact)), ":d": s(keys.SpillDayPrefix(day))},
			ConsistentRead:         aws.Bool(true),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		}, func(items []map[string]types.AttributeValue) error {
			for _, it := range items {
				if b, ok := it[attrIDs].(*types.AttributeValueMemberB); ok {
					out.AddHashes(b.Value)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
