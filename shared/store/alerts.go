package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/records"
)

// markPrefix starts the attribute name of a threshold mark in an alerts item.
const markPrefix = "m_"

// AlertState reads an organization's alert state for the cycle that starts
// on cycleStart ("2006-01-02"): the profile, every shard of the cycle's
// totals (summed, as Home does) and the alerts item, in one BatchGetItem of
// 2 + keys.TotalShards keys.
func (st *Store) AlertState(ctx context.Context, org, cycleStart string) (records.AlertState, error) {
	pk, ak := keys.Profile(org), keys.Alerts(org, cycleStart)
	ks := []map[string]types.AttributeValue{key(pk), key(ak)}
	for sh := 0; sh < keys.TotalShards; sh++ {
		ks = append(ks, key(keys.CycleTotals(org, cycleStart, sh)))
	}
	items, err := st.batchGet(ctx, ks, true)
	if err != nil {
		return records.AlertState{}, err
	}
	var a records.AlertState
	if a.Profile, err = decodeProfile(org, items[pk]); err != nil {
		return a, err
	}
	a.Cycle = emptyTotals()
	for sh := 0; sh < keys.TotalShards; sh++ {
		addTotals(&a.Cycle, decodeTotals(items[keys.CycleTotals(org, cycleStart, sh)]))
	}
	a.Marks = map[string]string{}
	for name, v := range items[ak] {
		if sv, ok := v.(*types.AttributeValueMemberS); ok && strings.HasPrefix(name, markPrefix) {
			a.Marks[strings.TrimPrefix(name, markPrefix)] = sv.Value
		}
	}
	return a, nil
}

// PutAlertMark sets mark to value in the cycle's alerts item if it still
// holds prev ("" for a mark that must not exist yet): the one conditional
// write that makes a threshold crossing recorded exactly once, whoever
// detects it. ErrConflict when another writer changed it first.
func (st *Store) PutAlertMark(ctx context.Context, org, cycleStart, mark, value, prev string) error {
	names := map[string]string{"#m": markPrefix + mark, "#ttl": attrTTL}
	vals := map[string]types.AttributeValue{":v": s(value), ":ttl": n(st.now().Add(consumption.BillingRetention).Unix())}
	cond := "attribute_not_exists(#m)"
	if prev != "" {
		cond = "#m = :p"
		vals[":p"] = s(prev)
	}
	refused, err := st.updateIf(ctx, key(keys.Alerts(org, cycleStart)), cond, "SET #m = :v, #ttl = :ttl", names, vals)
	if refused {
		return fmt.Errorf("alert mark of %s: %w", org, records.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("put alert mark %s: %w", org, err)
	}
	return nil
}

// PutWebhookSubscription registers (or replaces) the organization's webhook
// (UpdateItem: the Home API's role has no PutItem).
func (st *Store) PutWebhookSubscription(ctx context.Context, org string, w records.WebhookSubscription) error {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &st.table,
		Key:                      key(keys.NotificationWebhook(org)),
		UpdateExpression:         aws.String("SET #u = :u, #s = :s, #t = :t"),
		ExpressionAttributeNames: map[string]string{"#u": "url", "#s": "secret", "#t": "updatedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":u": s(w.URL), ":s": s(w.Secret), ":t": s(w.UpdatedAt.UTC().Format(time.RFC3339Nano)),
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return fmt.Errorf("put webhook subscription %s: %w", org, err)
	}
	return nil
}

// GetWebhookSubscription reads the organization's webhook (Exists false
// when none is registered).
func (st *Store) GetWebhookSubscription(ctx context.Context, org string) (records.WebhookSubscription, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: key(keys.NotificationWebhook(org)),
		ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		return records.WebhookSubscription{}, fmt.Errorf("get webhook subscription %s: %w", org, err)
	}
	if out.Item == nil {
		return records.WebhookSubscription{}, nil
	}
	w := records.WebhookSubscription{URL: str(out.Item, "url"), Secret: str(out.Item, "secret"), Exists: true}
	w.UpdatedAt, _ = time.Parse(time.RFC3339Nano, str(out.Item, "updatedAt"))
	return w, nil
}
