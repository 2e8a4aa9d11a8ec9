package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/records"
)

// decodeTotals reads one totals shard's item.
func decodeTotals(item map[string]types.AttributeValue) consumption.Totals {
	t := emptyTotals()
	for name, v := range item {
		nv, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			continue
		}
		i, _ := strconv.ParseInt(nv.Value, 10, 64)
		switch {
		case name == TotalAttr:
			t.Total = i
		case strings.HasPrefix(name, LanePrefix):
			t.Lanes[strings.TrimPrefix(name, LanePrefix)] = i
		case strings.HasPrefix(name, ChannelPrefix):
			t.Channels[strings.TrimPrefix(name, ChannelPrefix)] = i
		case strings.HasPrefix(name, AgentPrefix):
			if t.ExpertAgents == nil {
				t.ExpertAgents = map[string]int64{}
			}
			t.ExpertAgents[strings.TrimPrefix(name, AgentPrefix)] = i
		}
	}
	return t
}

// PutRollup stores an organization's snapshot.
func (st *Store) PutRollup(ctx context.Context, org string, snap metrics.Snapshot) error {
	raw, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	item := key(keys.Rollup(org))
	item[attrSnap] = s(string(raw))
	item["asOf"] = s(snap.AsOf.Format(time.RFC3339Nano))
	if _, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &st.table, Item: item,
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}); err != nil {
		return fmt.Errorf("put rollup %s: %w", org, err)
	}
	return nil
}

// GetRollup reads an organization's last snapshot.
func (st *Store) GetRollup(ctx context.Context, org string) (metrics.Rollup, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: key(keys.Rollup(org)),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		return metrics.Rollup{}, fmt.Errorf("get rollup %s: %w", org, err)
	}
	return decodeRollup(out.Item)
}

func decodeRollup(item map[string]types.AttributeValue) (metrics.Rollup, error) {
	if item == nil {
		return metrics.Rollup{}, nil
	}
	var r metrics.Rollup
	if err := json.Unmarshal([]byte(str(item, attrSnap)), &r.Snapshot); err != nil {
		return r, fmt.Errorf("decode snapshot: %w", err)
	}
	r.Exists = true
	return r, nil
}

// HomeFigures reads the Home's figures for the organization's local day
// today and the billing cycle that starts on cycle ("2006-01-02", which
// the caller's profile says) in one BatchGetItem of the organization's
// incremental aggregates (the base and the metrics.ReadDays dated items,
// kept live by the aggregate function from the table's stream) and every
// shard of the day and cycle totals: 1 + metrics.ReadDays +
// 2×keys.TotalShards = 77 keys, under BatchGetItem's 100. Rollup is the
// snapshot the aggregates give for that today and cycle (Exists false when
// no aggregate was ever written). They are read eventually consistent, at
// half the read cost: figures a fraction of a second old are what a Home
// shows anyway. With the profile read, the Home is two requests whatever
// the organization's size.
func (st *Store) HomeFigures(ctx context.Context, org, today, cycle string) (records.HomeFigures, error) {
	var h records.HomeFigures
	td, err := localdate.Parse(today)
	if err != nil {
		return h, fmt.Errorf("home of %s: %w", org, err)
	}
	cd, err := localdate.Parse(cycle)
	if err != nil {
		return h, fmt.Errorf("home of %s: %w", org, err)
	}
	var ks []map[string]types.AttributeValue
	for _, k := range aggregateKeys(org, td) {
		ks = append(ks, key(k))
	}
	for sh := 0; sh < keys.TotalShards; sh++ {
		ks = append(ks, key(keys.DayTotals(org, today, sh)), key(keys.CycleTotals(org, cycle, sh)))
	}
	items, err := st.batchGet(ctx, ks, false)
	if err != nil {
		return h, err
	}
	agg := decodeAggregates(org, items, td)
	h.Rollup = metrics.Rollup{Snapshot: agg.Snapshot(td, cd), Exists: agg.Exists}
	h.Today, h.Cycle = emptyTotals(), emptyTotals()
	for sh := 0; sh < keys.TotalShards; sh++ {
		addTotals(&h.Today, decodeTotals(items[keys.DayTotals(org, today, sh)]))
		addTotals(&h.Cycle, decodeTotals(items[keys.CycleTotals(org, cycle, sh)]))
	}
	return h, nil
}

func emptyTotals() consumption.Totals {
	return consumption.Totals{Lanes: map[string]int64{}, Channels: map[string]int64{}}
}

// addTotals sums another shard's totals into t.
func addTotals(t *consumption.Totals, o consumption.Totals) {
	t.Total += o.Total
	for k, v := range o.Lanes {
		t.Lanes[k] += v
	}
	for k, v := range o.Channels {
		t.Channels[k] += v
	}
	for k, v := range o.ExpertAgents {
		if t.ExpertAgents == nil {
			t.ExpertAgents = map[string]int64{}
		}
		t.ExpertAgents[k] += v
	}
}

// DayTotals lists day totals for local dates from..to (inclusive,
// "2006-01-02"), in date order: one Query per totals shard (a year of days
// fits one page), summed.
func (st *Store) DayTotals(ctx context.Context, org, from, to string) ([]consumption.DayTotal, error) {
	byDate := map[string]*consumption.Totals{}
	for sh := 0; sh < keys.TotalShards; sh++ {
		_, err := st.queryPages(ctx, "query day totals", &dynamodb.QueryInput{
			TableName:                 &st.table,
			KeyConditionExpression:    aws.String("#pk = :pk AND #sk BETWEEN :a AND :b"),
			ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(keys.TotalsPartition(org, sh)), ":a": s(keys.DayPrefix + from), ":b": s(keys.DayPrefix + to)},
			ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		}, func(items []map[string]types.AttributeValue) error {
			for _, item := range items {
				date := strings.TrimPrefix(str(item, attrSK), keys.DayPrefix)
				d := byDate[date]
				if d == nil {
					t := emptyTotals()
					d = &t
					byDate[date] = d
				}
				addTotals(d, decodeTotals(item))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]consumption.DayTotal, 0, len(byDate))
	for date, d := range byDate {
		out = append(out, consumption.DayTotal{Date: date, Totals: *d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}

// Ledger lists debits whose window opened in [from, to), oldest first, a
// page at a time; cursor is opaque ("" for the first page, "" back when
// there are no more). The ledger is spread over keys.LedgerShards
// partitions by contact; their sort keys are one global order (window
// start, lane, contact), so a page is the first limit entries of the
// shards' pages after the cursor, merged: one Query per shard, issued
// together, and the cursor is the last sort key returned.
func (st *Store) Ledger(ctx context.Context, org string, from, to time.Time, cursor string, limit int32) ([]consumption.LedgerEntry, string, error) {
	after := ""
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			return nil, "", consumption.ErrBadCursor
		}
		after = string(raw)
		if after < keys.LedgerBound(from) || after >= keys.LedgerBound(to) {
			return nil, "", consumption.ErrBadCursor
		}
	}
	type shardPage struct {
		items []map[string]types.AttributeValue
		more  bool
		err   error
	}
	pages := make([]shardPage, keys.LedgerShards)
	var wg sync.WaitGroup
	for sh := 0; sh < keys.LedgerShards; sh++ {
		wg.Add(1)
		go func(sh int) {
			defer wg.Done()
			in := &dynamodb.QueryInput{
				TableName:                 &st.table,
				KeyConditionExpression:    aws.String("#pk = :pk AND #sk BETWEEN :a AND :b"),
				ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(keys.LedgerPartition(org, sh)), ":a": s(keys.LedgerBound(from)), ":b": s(keys.LedgerBound(to.Add(-time.Millisecond)) + "~")},
				Limit:                     aws.Int32(limit),
				ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
			}
			if after != "" {
				in.ExclusiveStartKey = map[string]types.AttributeValue{attrPK: s(keys.LedgerPartition(org, sh)), attrSK: s(after)}
			}
			res, err := st.db.Query(ctx, in)
			if err != nil {
				pages[sh].err = err
				return
			}
			pages[sh] = shardPage{items: res.Items, more: len(res.LastEvaluatedKey) > 0}
		}(sh)
	}
	wg.Wait()
	var all []map[string]types.AttributeValue
	more := false
	for _, pg := range pages {
		if pg.err != nil {
			return nil, "", fmt.Errorf("query ledger: %w", pg.err)
		}
		all = append(all, pg.items...)
		more = more || pg.more
	}
	sort.Slice(all, func(i, j int) bool { return str(all[i], attrSK) < str(all[j], attrSK) })
	if len(all) > int(limit) {
		all, more = all[:limit], true
	}
	out := make([]consumption.LedgerEntry, 0, len(all))
	for _, it := range all {
		out = append(out, ledgerEntry(it))
	}
	next := ""
	if more && len(all) > 0 {
		next = base64.RawURLEncoding.EncodeToString([]byte(str(all[len(all)-1], attrSK)))
	}
	return out, next, nil
}

// ListOrgs pages through every organization with a profile, using the
// sparse index, calling fn per page.
func (st *Store) ListOrgs(ctx context.Context, fn func(orgs []string) error) error {
	_, err := st.queryPages(ctx, "list orgs", &dynamodb.QueryInput{
		TableName:                 &st.table,
		IndexName:                 aws.String("gsi1"),
		KeyConditionExpression:    aws.String("#g = :g"),
		ExpressionAttributeNames:  map[string]string{"#g": attrGSIPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s(keys.OrgIndexPK)},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}, func(items []map[string]types.AttributeValue) error {
		if len(items) == 0 {
			return nil
		}
		orgs := make([]string, 0, len(items))
		for _, it := range items {
			orgs = append(orgs, str(it, attrGSISK))
		}
		return fn(orgs)
	})
	return err
}

// ScanContacts feeds every contact state of an organization to fn, shard by
// shard, page by page; it returns the number of Query requests made.
func (st *Store) ScanContacts(ctx context.Context, org string, fn func(contact string, s *ingest.ContactState)) (int, error) {
	requests := 0
	for shard := 0; shard < keys.Shards; shard++ {
		n, err := st.queryPages(ctx, "query contacts", &dynamodb.QueryInput{
			TableName:                 &st.table,
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK, "#st": attrState},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(keys.ContactPartition(org, shard))},
			ProjectionExpression:      aws.String("#sk, #st"),
			ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		}, func(items []map[string]types.AttributeValue) error {
			for _, it := range items {
				var cs ingest.ContactState
				if err := decodeState(it[attrState], &cs); err != nil {
					return fmt.Errorf("a contact state of %s: %w", org, err)
				}
				fn(str(it, attrSK), &cs)
			}
			return nil
		})
		requests += n
		if err != nil {
			return requests, err
		}
	}
	return requests, nil
}

// queryPages runs in page after page, each from the last one's
// LastEvaluatedKey, and hands every page's items to fn: the one paging
// loop of the store's reads that go to the end of a key range. A failed
// Query is wrapped with what; fn's error stops the paging as it is. It
// returns the number of Query requests made, the failed one included.
func (st *Store) queryPages(ctx context.Context, what string, in *dynamodb.QueryInput, fn func(items []map[string]types.AttributeValue) error) (int, error) {
	requests := 0
	page := *in
	for {
		res, err := st.db.Query(ctx, &page)
		requests++
		if err != nil {
			return requests, fmt.Errorf("%s: %w", what, err)
		}
		if err := fn(res.Items); err != nil {
			return requests, err
		}
		if len(res.LastEvaluatedKey) == 0 {
			return requests, nil
		}
		page.ExclusiveStartKey = res.LastEvaluatedKey
	}
}
