package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/records"
)

// CreateExport records a new export (UpdateItem, as the Home API's role
// has no PutItem), refusing an id already taken.
func (st *Store) CreateExport(ctx context.Context, org string, r records.Export) error {
	taken, err := st.updateIf(ctx, key(keys.Export(org, r.ID)), "attribute_not_exists(#pk)",
		"SET #f = :f, #t = :t, #v = :v, #s = :s, #k = :k, #c = :c, #u = :c, #ttl = :ttl",
		map[string]string{"#pk": attrPK, "#f": "from", "#t": "to", "#v": "view", "#s": "status",
			"#k": "objectKey", "#c": "createdAt", "#u": "updatedAt", "#ttl": attrTTL},
		map[string]types.AttributeValue{
			":f": s(r.From), ":t": s(r.To), ":v": s(r.View), ":s": s(r.Status), ":k": s(r.ObjectKey),
			":c": s(r.CreatedAt.UTC().Format(time.RFC3339Nano)), ":ttl": n(r.ExpiresAt.Unix()),
		})
	if taken {
		return records.ErrExportExists
	}
	if err != nil {
		return fmt.Errorf("create export %s/%s: %w", org, r.ID, err)
	}
	return nil
}

// updateIf is one conditional UpdateItem of the item at k (attribute
// names and values as the expressions use them); refused says the
// condition did not hold, which each caller names for itself
// (records.ErrConflict, records.ErrExportExists, or nothing).
func (st *Store) updateIf(ctx context.Context, k map[string]types.AttributeValue, condition, update string,
	names map[string]string, values map[string]types.AttributeValue) (refused bool, err error) {
	_, err = st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &st.table,
		Key:                       k,
		ConditionExpression:       aws.String(condition),
		UpdateExpression:          aws.String(update),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true, nil
	}
	return false, err
}

// GetExport reads one of the organization's exports (Exists false when
// there is none by that id, or it expired).
func (st *Store) GetExport(ctx context.Context, org, id string) (records.Export, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &st.table, Key: key(keys.Export(org, id)),
		ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		return records.Export{}, fmt.Errorf("get export %s/%s: %w", org, id, err)
	}
	it := out.Item
	if it == nil {
		return records.Export{}, nil
	}
	r := records.Export{ID: id, From: str(it, "from"), To: str(it, "to"), View: str(it, "view"), Status: str(it, "status"),
		ObjectKey: str(it, "objectKey"), Reason: str(it, "reason"), Rows: num(it, "rows"), Bytes: num(it, "bytes"),
		Parts: num(it, "parts"), Exists: true}
	r.CreatedAt, _ = time.Parse(time.RFC3339Nano, str(it, "createdAt"))
	r.Updated, _ = time.Parse(time.RFC3339Nano, str(it, "updatedAt"))
	r.ExpiresAt = time.Unix(num(it, attrTTL), 0).UTC()
	// DynamoDB deletes expired items within days, not at once.
	if !r.ExpiresAt.IsZero() && num(it, attrTTL) > 0 && st.now().After(r.ExpiresAt) {
		return records.Export{}, nil
	}
	return r, nil
}

// SetExportStatus moves an existing export to status with its figures (and
// a reason when it failed); an export that no longer exists is left absent.
func (st *Store) SetExportStatus(ctx context.Context, org string, r records.Export) error {
	_, err := st.updateIf(ctx, key(keys.Export(org, r.ID)), "attribute_exists(#pk)",
		"SET #s = :s, #r = :r, #rows = :rows, #b = :b, #p = :p, #u = :u",
		map[string]string{"#pk": attrPK, "#s": "status", "#r": "reason", "#rows": "rows", "#b": "bytes", "#p": "parts", "#u": "updatedAt"},
		map[string]types.AttributeValue{
			":s": s(r.Status), ":r": s(r.Reason), ":rows": n(r.Rows), ":b": n(r.Bytes), ":p": n(r.Parts),
			":u": s(r.Updated.UTC().Format(time.RFC3339Nano)),
		})
	if err != nil {
		return fmt.Errorf("set export %s/%s to %s: %w", org, r.ID, r.Status, err)
	}
	return nil
}
