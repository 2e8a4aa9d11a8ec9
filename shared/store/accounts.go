package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/store/accountmap"
)

// attrOrgID holds the organization of a provider account item (the
// webhook reads these items through accountmap, without this package).
const attrOrgID = accountmap.AttrOrgID

// ProviderAccountOrg is the organization that connected a channel
// provider's account (a WhatsApp phone number id, a page id), read strongly
// consistent so a just-connected account is found at once; ok is false for
// an account no organization owns.
func (st *Store) ProviderAccountOrg(ctx context.Context, provider, account string) (org string, ok bool, err error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            aws.String(st.table),
		Key:                  key(keys.ProviderAccount(provider, account)),
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String(attrOrgID),
	})
	if err != nil {
		return "", false, fmt.Errorf("provider account lookup: %w", err)
	}
	org = str(out.Item, attrOrgID)
	return org, org != "", nil
}

// PutProviderAccount connects a provider's account to an organization. It
// overwrites: an account moves to its new owner.
func (st *Store) PutProviderAccount(ctx context.Context, provider, account, org string) error {
	item := key(keys.ProviderAccount(provider, account))
	item[attrOrgID] = s(org)
	if _, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: item}); err != nil {
		return fmt.Errorf("put provider account: %w", err)
	}
	return nil
}
