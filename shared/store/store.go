// Package store keeps the meter's and the Home's state in one DynamoDB table
// (layout in package keys). Every write that must not be lost or doubled is
// conditional: contact and organization states carry a version, and a debit
// writes the contact, its ledger entry and the organization's totals in one
// transaction.
package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/records"
	"github.com/customercloud/home/shared/resources"
)

// API is the part of the DynamoDB client the store calls; *dynamodb.Client
// satisfies it, and a counting or fault-injecting decorator can wrap it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store is the DynamoDB-backed state.
type Store struct {
	db    API
	table string
	now   func() time.Time
	// maxState bounds a contact's stored state (MaxStateBytes).
	maxState int
	// page is LedgerStream's page size; 0 is StreamPage.
	page int32
}

// Config is what a Store is built from; New validates it.
type Config struct {
	DB    API
	Table string
	// Now is the clock of TTLs and export expiry; nil is time.Now (tests
	// set it).
	Now func() time.Time
	// MaxStateBytes bounds a contact's stored state; 0 is MaxStateBytes
	// (tests of the size guard, which cannot afford 256 KB states, set
	// less).
	MaxStateBytes int
	// StreamPage is LedgerStream's page size; 0 is StreamPage (tests: many
	// page boundaries from few items).
	StreamPage int32
}

// Validate says what is missing or unusable.
func (c Config) Validate() error {
	return config.Check("store", config.Required("DB", c.DB != nil), config.Required("Table", c.Table != ""),
		config.NotNegative("MaxStateBytes", c.MaxStateBytes), config.NotNegative("StreamPage", c.StreamPage))
}

// New returns a store on cfg.Table.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Store{db: cfg.DB, table: cfg.Table, now: config.Clock(cfg.Now), maxState: cmp.Or(cfg.MaxStateBytes, MaxStateBytes), page: cfg.StreamPage}, nil
}

// Table is the table name.
func (s *Store) Table() string { return s.table }

// Attribute names.
const (
	attrPK      = "pk"
	attrSK      = "sk"
	attrState   = "st"
	attrVersion = "v"
	attrPlan    = "plan"
	attrSnap    = "snap"
	attrGSIPK   = "gsi1pk"
	attrGSISK   = "gsi1sk"
)

var attrTTL = resources.Table.TTLAttribute

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func key(k keys.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: s(k.PK), attrSK: s(k.SK)}
}

func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func num(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		i, _ := strconv.ParseInt(v.Value, 10, 64)
		return i
	}
	return 0
}

func decodeProfile(org string, item map[string]types.AttributeValue) (records.Profile, error) {
	p := records.Profile{Org: org, Plan: plan.Default()}
	if item == nil {
		return p, nil
	}
	p.Exists = true
	p.Version = num(item, attrVersion)
	if raw := str(item, attrPlan); raw != "" {
		if err := json.Unmarshal([]byte(raw), &p.Plan); err != nil {
			return p, fmt.Errorf("decode plan of %s: %w", org, err)
		}
		p.HasPlan = true
	}
	if err := decodeState(item[attrState], &p.State); err != nil {
		return p, fmt.Errorf("org state of %s: %w", org, err)
	}
	return p, nil
}

// GetProfile reads an organization's profile (strongly consistent, so a
// plan change is seen by the next call).
func (st *Store) GetProfile(ctx context.Context, org string) (records.Profile, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &st.table, Key: key(keys.Profile(org)), ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return records.Profile{}, fmt.Errorf("get profile %s: %w", org, err)
	}
	return decodeProfile(org, out.Item)
}

// PutPlan sets an organization's plan; it creates the profile if needed and
// registers the organization in the index the rollups list.
func (st *Store) PutPlan(ctx context.Context, org string, p plan.Plan) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	_, err = st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &st.table,
		Key:                       key(keys.Profile(org)),
		UpdateExpression:          aws.String("SET #p = :p, #g = :g, #gs = :gs"),
		ExpressionAttributeNames:  map[string]string{"#p": attrPlan, "#g": attrGSIPK, "#gs": attrGSISK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(string(raw)), ":g": s(keys.OrgIndexPK), ":gs": s(org)},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return fmt.Errorf("put plan %s: %w", org, err)
	}
	return nil
}

// SaveOrgState writes an organization's state if its version is still
// prev; ErrConflict otherwise.
func (st *Store) SaveOrgState(ctx context.Context, org string, prev int64, state ingest.OrgState) error {
	enc, err := encodeState(state)
	if err != nil {
		return err
	}
	cond, vals := versionCondition(prev)
	vals[":st"] = enc
	vals[":v1"] = n(prev + 1)
	vals[":g"] = s(keys.OrgIndexPK)
	vals[":gs"] = s(org)
	refused, err := st.updateIf(ctx, key(keys.Profile(org)), cond, "SET #st = :st, #v = :v1, #g = :g, #gs = :gs",
		map[string]string{"#st": attrState, "#v": attrVersion, "#g": attrGSIPK, "#gs": attrGSISK}, vals)
	if refused {
		return fmt.Errorf("org %s: %w", org, records.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("save org state %s: %w", org, err)
	}
	return nil
}

func versionCondition(prev int64) (string, map[string]types.AttributeValue) {
	if prev == 0 {
		return "attribute_not_exists(#v)", map[string]types.AttributeValue{}
	}
	return "#v = :v0", map[string]types.AttributeValue{":v0": n(prev)}
}

// EnsureOrg registers an organization seen for the first time in the index
// the rollups list (idempotent, unconditional: it only sets the index keys).
func (st *Store) EnsureOrg(ctx context.Context, org string) error {
	_, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &st.table,
		Key:                       key(keys.Profile(org)),
		UpdateExpression:          aws.String("SET #g = :g, #gs = :gs"),
		ExpressionAttributeNames:  map[string]string{"#g": attrGSIPK, "#gs": attrGSISK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s(keys.OrgIndexPK), ":gs": s(org)},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return fmt.Errorf("ensure org %s: %w", org, err)
	}
	return nil
}
