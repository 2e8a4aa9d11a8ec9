// Package accountmap reads and writes the channel providers' account map
// (which organization connected a WhatsApp phone number id, a page id) with
// single DynamoDB calls made by awscall, for the webhook. Its one DynamoDB
// read, a GetItem per unknown account, would otherwise make it link the
// SDK's DynamoDB client, whose package init (the schemas of all of
// DynamoDB's operations and its endpoint tables, 0.67 MB in about 3,800
// allocations) is most of the webhook's cold start. The items are the
// store's (store.ProviderAccountOrg and PutProviderAccount read and write
// the same ones: the key is keys.ProviderAccount, the attribute AttrOrgID);
// a test holds the two to each other on DynamoDB Local.
//
// Calls are retried as awscall retries them (throttling, server and network
// errors; three attempts in all), not with awscfg's DynamoDB retryer.
package accountmap

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/customercloud/home/shared/awscall"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/resources"
)

// AttrOrgID holds the organization of a provider account item.
const AttrOrgID = "orgId"

// Table is the account map in one DynamoDB table.
type Table struct {
	call *awscall.Client
	name string
}

// Config is what the account map is built from; New validates it.
type Config struct {
	// AWS is the SDK configuration: region and credentials.
	AWS aws.Config
	// Getenv reads the endpoint overrides (DYNAMODB_ENDPOINT, else
	// AWS_ENDPOINT_URL_DYNAMODB, else AWS_ENDPOINT_URL); nil reads none and
	// calls the region's endpoint.
	Getenv awscfg.Getenv
	// Table is the table's name.
	Table string
}

// Validate says what is missing.
func (c Config) Validate() error {
	return config.Check("accountmap", config.Required("AWS.Region", c.AWS.Region != ""), config.Required("Table", c.Table != ""))
}

// New returns the account map in cfg.Table, at DYNAMODB_ENDPOINT (read
// through cfg.Getenv) when it is set, else AWS_ENDPOINT_URL_DYNAMODB, else
// AWS_ENDPOINT_URL, else the region's.
func New(cfg Config) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	c := awscall.New(cfg.AWS, awscall.DynamoDB)
	if e, _ := awscfg.Endpoint(getenv, resources.EnvDynamoDBEndpoint, "DYNAMODB"); e != "" {
		c.Endpoint = strings.TrimSuffix(e, "/") + "/"
	}
	return &Table{call: c, name: cfg.Table}, nil
}

// attr is a string AttributeValue in DynamoDB's JSON.
type attr struct {
	S string `json:"S"`
}

func (t *Table) key(provider, account string) map[string]attr {
	k := keys.ProviderAccount(provider, account)
	return map[string]attr{resources.Table.PartitionKey.Name: {k.PK}, resources.Table.SortKey.Name: {k.SK}}
}

// ProviderAccountOrg is the organization that connected a provider's
// account, read strongly consistent so a just-connected account is found at
// once; ok is false for an account no organization owns.
func (t *Table) ProviderAccountOrg(ctx context.Context, provider, account string) (org string, ok bool, err error) {
	in := struct {
		TableName            string
		Key                  map[string]attr
		ConsistentRead       bool
		ProjectionExpression string
	}{t.name, t.key(provider, account), true, AttrOrgID}
	var out struct {
		Item map[string]attr
	}
	if err := t.call.Call(ctx, "GetItem", in, &out); err != nil {
		return "", false, fmt.Errorf("provider account lookup: %w", err)
	}
	org = out.Item[AttrOrgID].S
	return org, org != "", nil
}

// PutProviderAccount connects a provider's account to an organization. It
// overwrites: an account moves to its new owner.
func (t *Table) PutProviderAccount(ctx context.Context, provider, account, org string) error {
	item := t.key(provider, account)
	item[AttrOrgID] = attr{org}
	in := struct {
		TableName string
		Item      map[string]attr
	}{t.name, item}
	if err := t.call.Call(ctx, "PutItem", in, nil); err != nil {
		return fmt.Errorf("put provider account: %w", err)
	}
	return nil
}
