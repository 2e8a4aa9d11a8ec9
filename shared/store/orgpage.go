package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/keys"
)

// OrgPage lists up to limit organizations of the index after cursor ("" for
// the first page), in index order, and the cursor of the next page ("" after
// the last). Unlike ListOrgs it stops after one request, so a fan-out can
// hand the rest of the listing on in a message instead of one run walking
// the whole index. The cursor is opaque: the last organization's id, from
// which the index position (its profile's keys) is rebuilt.
func (st *Store) OrgPage(ctx context.Context, cursor string, limit int32) (orgs []string, next string, err error) {
	in := &dynamodb.QueryInput{
		TableName:                 &st.table,
		IndexName:                 aws.String("gsi1"),
		KeyConditionExpression:    aws.String("#g = :g"),
		ExpressionAttributeNames:  map[string]string{"#g": attrGSIPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s(keys.OrgIndexPK)},
		Limit:                     aws.Int32(limit),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || len(raw) == 0 {
			return nil, "", fmt.Errorf("org page: %w", ErrBadOrgCursor)
		}
		last := string(raw)
		start := key(keys.Profile(last))
		start[attrGSIPK] = s(keys.OrgIndexPK)
		start[attrGSISK] = s(last)
		in.ExclusiveStartKey = start
	}
	res, err := st.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("org page: %w", err)
	}
	orgs = make([]string, 0, len(res.Items))
	for _, it := range res.Items {
		orgs = append(orgs, str(it, attrGSISK))
	}
	if len(res.LastEvaluatedKey) > 0 && len(orgs) > 0 {
		next = base64.RawURLEncoding.EncodeToString([]byte(orgs[len(orgs)-1]))
	}
	return orgs, next, nil
}

// ErrBadOrgCursor means an organization listing's cursor was not one OrgPage
// handed out (a continuation message altered or from another table).
var ErrBadOrgCursor = errors.New("invalid organization cursor")
