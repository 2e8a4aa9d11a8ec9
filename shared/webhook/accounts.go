package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/event"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/resources"
)

// AccountResolver maps a channel provider's account (a WhatsApp phone number
// id, a Facebook page id, an Instagram account id) to the organization that
// connected it. ok is false for an account no organization owns; err is for
// a lookup that could not be made (the caller answers 503 so Meta retries).
type AccountResolver interface {
	OrgFor(ctx context.Context, provider Provider, account string) (org string, ok bool, err error)
}

// DynamoAPI is the part of the DynamoDB client the account map uses.
type DynamoAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// AttrOrgID is the attribute holding the organization of a provider account item.
const AttrOrgID = "orgId"

// DynamoAccounts is the provider account map in the main table, at
// keys.ProviderAccount(provider, account), attribute orgId (S).
type DynamoAccounts struct {
	api   DynamoAPI
	table string
}

var _ AccountResolver = (*DynamoAccounts)(nil)

// NewDynamoAccounts returns the account map over table.
func NewDynamoAccounts(api DynamoAPI, table string) (*DynamoAccounts, error) {
	if api == nil || table == "" {
		return nil, errors.New("webhook: NewDynamoAccounts needs a DynamoDB client and a table name")
	}
	return &DynamoAccounts{api: api, table: table}, nil
}

// OrgFor reads the organization of a provider account with a strongly
// consistent GetItem (a just-connected account is found at once).
func (d *DynamoAccounts) OrgFor(ctx context.Context, provider Provider, account string) (string, bool, error) {
	if account == "" {
		return "", false, nil
	}
	k := keys.ProviderAccount(string(provider), account)
	out, err := d.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            aws.String(d.table),
		Key:                  keyAttrs(k),
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String(AttrOrgID),
	})
	if err != nil {
		return "", false, fmt.Errorf("webhook: provider account lookup: %w", err)
	}
	v, ok := out.Item[AttrOrgID].(*types.AttributeValueMemberS)
	if !ok || v.Value == "" {
		return "", false, nil
	}
	return v.Value, true, nil
}

// ProviderAccount is one entry of the account map.
type ProviderAccount struct {
	Provider Provider
	Account  string
	OrgID    string
}

// Validate checks the entry before it is written.
func (p ProviderAccount) Validate() error {
	var errs []error
	if !p.Provider.Valid() {
		errs = append(errs, fmt.Errorf("provider %q is not one of %v", p.Provider, Providers))
	}
	if p.Account == "" || len(p.Account) > 128 {
		errs = append(errs, errors.New("account must be 1-128 characters"))
	}
	if hasField((event.Event{OrgID: p.OrgID}).Validate(time.Time{}), "orgid") {
		errs = append(errs, fmt.Errorf("organization id %q is not valid", p.OrgID))
	}
	if len(errs) > 0 {
		return fmt.Errorf("webhook: invalid provider account: %w", errors.Join(errs...))
	}
	return nil
}

// PutProviderAccount connects a provider account to an organization (the
// seeding tool and tests; in production the channel-connection flow writes
// the same item). It overwrites: an account moves to its new owner.
func (d *DynamoAccounts) PutProviderAccount(ctx context.Context, p ProviderAccount) error {
	if err := p.Validate(); err != nil {
		return err
	}
	item := keyAttrs(keys.ProviderAccount(string(p.Provider), p.Account))
	item[AttrOrgID] = &types.AttributeValueMemberS{Value: p.OrgID}
	if _, err := d.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: item}); err != nil {
		return fmt.Errorf("webhook: put provider account: %w", err)
	}
	return nil
}

func keyAttrs(k keys.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		resources.Table.PartitionKey.Name: &types.AttributeValueMemberS{Value: k.PK},
		resources.Table.SortKey.Name:      &types.AttributeValueMemberS{Value: k.SK},
	}
}

// CachedAccounts remembers an AccountResolver's answers for a while, so a
// warm Lambda does not read the table for every delivery of a busy number.
// Unknown accounts are remembered for a shorter time, so a newly connected
// account starts flowing quickly. Errors are never cached.
type CachedAccounts struct {
	Next        AccountResolver
	TTL         time.Duration // default 5 minutes
	NegativeTTL time.Duration // default 30 seconds
	MaxEntries  int           // default 10000; the cache is cleared when full
	Now         func() time.Time

	mu      sync.Mutex
	entries map[string]cachedOrg
}

type cachedOrg struct {
	org     string
	ok      bool
	expires time.Time
}

// OrgFor answers from the cache or asks Next.
func (c *CachedAccounts) OrgFor(ctx context.Context, provider Provider, account string) (string, bool, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	key := string(provider) + "\x00" + account
	c.mu.Lock()
	if e, hit := c.entries[key]; hit && now().Before(e.expires) {
		c.mu.Unlock()
		return e.org, e.ok, nil
	}
	c.mu.Unlock()
	org, ok, err := c.Next.OrgFor(ctx, provider, account)
	if err != nil {
		return "", false, err
	}
	ttl, negTTL, maxEntries := c.TTL, c.NegativeTTL, c.MaxEntries
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	if negTTL <= 0 {
		negTTL = 30 * time.Second
	}
	if maxEntries <= 0 {
		maxEntries = 10000
	}
	if !ok {
		ttl = negTTL
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxEntries {
		c.entries = map[string]cachedOrg{}
	}
	c.entries[key] = cachedOrg{org: org, ok: ok, expires: now().Add(ttl)}
	c.mu.Unlock()
	return org, ok, nil
}
