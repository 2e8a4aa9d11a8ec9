package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
)

// AggregateDays reads the dated aggregates from..to (at most 100 dates, in
// one BatchGetItem, eventually consistent): the threshold sweep's cycle
// mass sends (shared/orgwork), which need the cycle's dates only, not the
// 60 a Home reads (Aggregates).
func (st *Store) AggregateDays(ctx context.Context, org string, from, to localdate.Date) (map[localdate.Date]metrics.Counters, error) {
	if to < from || int(to-from) >= 100 {
		return nil, fmt.Errorf("aggregate days of %s: range %s..%s", org, from, to)
	}
	ks := make([]map[string]types.AttributeValue, 0, int(to-from)+1)
	for d := from; d <= to; d++ {
		ks = append(ks, key(keys.AggregateDay(org, d.String())))
	}
	items, err := st.batchGet(ctx, ks, false)
	if err != nil {
		return nil, err
	}
	out := map[localdate.Date]metrics.Counters{}
	for d := from; d <= to; d++ {
		if it := items[keys.AggregateDay(org, d.String())]; it != nil {
			out[d] = counters(it)
		}
	}
	return out, nil
}
