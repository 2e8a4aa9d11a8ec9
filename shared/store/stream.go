package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/records"
)

// StreamPage is the Query page size per ledger shard while streaming.
const StreamPage = 500

// LedgerStream hands every debit whose window opened in [from, to) to fn,
// oldest first, in batches, reading each ledger item exactly once: each of
// the keys.LedgerShards shards is paged on its own (StreamPage items a
// Query), and a batch is every buffered item up to the lowest last key of
// the shards that still have pages, which no later page can precede (their
// sort keys are one global order). Memory holds at most one page per shard,
// never the range; the pages of drained shards are read concurrently.
// Unlike Ledger's pages (each reads up to limit items from every shard to
// return limit), nothing is read twice or thrown away.
func (st *Store) LedgerStream(ctx context.Context, org string, from, to time.Time, fn func([]consumption.LedgerEntry) error) (records.StreamStats, error) {
	type shard struct {
		buf   []map[string]types.AttributeValue
		start map[string]types.AttributeValue
		more  bool
		err   error
		units float64
	}
	var stats records.StreamStats
	shards := make([]shard, keys.LedgerShards)
	for i := range shards {
		shards[i].more = true
	}
	lo, hi := keys.LedgerBound(from), keys.LedgerBound(to.Add(-time.Millisecond))+"~"
	fetch := func(sh int) {
		res, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &st.table,
			KeyConditionExpression:    aws.String("#pk = :pk AND #sk BETWEEN :a AND :b"),
			ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(keys.LedgerPartition(org, sh)), ":a": s(lo), ":b": s(hi)},
			Limit:                     aws.Int32(st.streamPage()),
			ExclusiveStartKey:         shards[sh].start,
			ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			shards[sh].err = err
			return
		}
		shards[sh].buf = res.Items
		shards[sh].start = res.LastEvaluatedKey
		shards[sh].more = len(res.LastEvaluatedKey) > 0
		if res.ConsumedCapacity != nil && res.ConsumedCapacity.CapacityUnits != nil {
			shards[sh].units += *res.ConsumedCapacity.CapacityUnits
		}
	}
	// refill reads the next page of every drained shard that has one,
	// until none is drained with pages left (a page may come back empty).
	refill := func() error {
		for {
			var wg sync.WaitGroup
			for sh := range shards {
				if len(shards[sh].buf) == 0 && shards[sh].more {
					stats.Requests++
					wg.Add(1)
					go func() { defer wg.Done(); fetch(sh) }()
				}
			}
			wg.Wait()
			again := false
			for sh := range shards {
				if shards[sh].err != nil {
					return fmt.Errorf("query ledger shard %d: %w", sh, shards[sh].err)
				}
				again = again || len(shards[sh].buf) == 0 && shards[sh].more
			}
			if !again {
				return nil
			}
		}
	}
	defer func() {
		for _, sh := range shards {
			stats.ReadUnits += sh.units
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		if err := refill(); err != nil {
			return stats, err
		}
		// The bound: the lowest last key among shards with more pages.
		bound, bounded := "", false
		for _, sh := range shards {
			if sh.more && len(sh.buf) > 0 {
				if last := str(sh.buf[len(sh.buf)-1], attrSK); !bounded || last < bound {
					bound, bounded = last, true
				}
			}
		}
		var batch []map[string]types.AttributeValue
		for i := range shards {
			n := len(shards[i].buf)
			if bounded {
				n = 0
				for n < len(shards[i].buf) && str(shards[i].buf[n], attrSK) <= bound {
					n++
				}
			}
			batch = append(batch, shards[i].buf[:n]...)
			shards[i].buf = shards[i].buf[n:]
		}
		slices.SortFunc(batch, func(a, b map[string]types.AttributeValue) int { return strings.Compare(str(a, attrSK), str(b, attrSK)) })
		if len(batch) > 0 {
			out := make([]consumption.LedgerEntry, len(batch))
			for i, it := range batch {
				out[i] = ledgerEntry(it)
			}
			stats.Rows += int64(len(out))
			if err := fn(out); err != nil {
				return stats, err
			}
		}
		done := true
		for _, sh := range shards {
			if sh.more || len(sh.buf) > 0 {
				done = false
			}
		}
		if done {
			return stats, nil
		}
	}
}

// ledgerEntry decodes a ledger item (ledgerItem encodes it).
func ledgerEntry(it map[string]types.AttributeValue) consumption.LedgerEntry {
	return consumption.LedgerEntry{ContactID: str(it, "contactId"), Lane: str(it, "lane"), Channel: str(it, "channel"),
		WindowStart: str(it, "windowStart"), WindowEnd: str(it, "windowEnd"), Date: str(it, "date"),
		EventID: str(it, "eventId"), EventSource: str(it, "eventSource"), EventType: str(it, "eventType"),
		ExpertAgentID: str(it, "expertAgentId")}
}

// streamPage is the page size of LedgerStream (Config.StreamPage in tests).
func (st *Store) streamPage() int32 {
	if st.page > 0 {
		return st.page
	}
	return StreamPage
}

// BatchWriter is the one DynamoDB call LoadLedger makes (the raw client;
// the functions' store.API has no batch writes).
type BatchWriter interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// LoadLedger writes ledger entries straight into the table with
// BatchWriteItem (25 items a request), encoded exactly as the debit
// handler writes them in its transactions: for benchmarks and tests that
// need a year of ledger without metering it event by event. Each entry's
// WindowStart must be RFC 3339. Unprocessed items are retried.
func (st *Store) LoadLedger(ctx context.Context, db BatchWriter, org string, entries []consumption.LedgerEntry) error {
	exp := n(st.now().Add(consumption.BillingRetention).Unix())
	for startIdx := 0; startIdx < len(entries); startIdx += 25 {
		var reqs []types.WriteRequest
		for _, e := range entries[startIdx:min(startIdx+25, len(entries))] {
			t, err := time.Parse(time.RFC3339Nano, e.WindowStart)
			if err != nil {
				return fmt.Errorf("load ledger: window start %q: %w", e.WindowStart, err)
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: ledgerItem(org, t, e, exp)}})
		}
		pending := map[string][]types.WriteRequest{st.table: reqs}
		for len(pending[st.table]) > 0 {
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("load ledger: %w", err)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}
