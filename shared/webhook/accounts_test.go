package webhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/testenv"
	"github.com/customercloud/home/tests/testkit"
)

func TestStoredAccountsAgainstDynamoDBLocal(t *testing.T) {
	env := testenv.Stack(t)
	table := env.NewTable(t)
	accts := StoredAccounts{Store: testkit.Must(store.New(store.Config{DB: env.DDB, Table: table}))(t)}
	ctx := context.Background()
	seed := []ProviderAccount{
		{Provider: WhatsApp, Account: "106540352242922", OrgID: "org-acme"},
		{Provider: Messenger, Account: "108765432109876", OrgID: "org-acme"},
		{Provider: Instagram, Account: "108765432109876", OrgID: "org-beta"}, // same id, other provider
	}
	for _, p := range seed {
		if err := accts.PutProviderAccount(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		provider Provider
		account  string
		wantOrg  string
		wantOK   bool
	}{
		{name: "given a connected WhatsApp number, when looked up, then its organization", provider: WhatsApp, account: "106540352242922", wantOrg: "org-acme", wantOK: true},
		{name: "given the same account id under two providers, when looked up, then each provider's owner", provider: Instagram, account: "108765432109876", wantOrg: "org-beta", wantOK: true},
		{name: "given an unknown account, when looked up, then not ok and no error", provider: WhatsApp, account: "999", wantOK: false},
		{name: "given an empty account, when looked up, then not ok without a read", provider: Messenger, account: "", wantOK: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			org, ok, err := accts.OrgFor(ctx, tc.provider, tc.account)
			if err != nil || ok != tc.wantOK || org != tc.wantOrg {
				t.Fatalf("got %q %v %v", org, ok, err)
			}
		})
	}
	t.Run("given the item written, when read raw, then it sits at keys.ProviderAccount with orgId", func(t *testing.T) {
		k := keys.ProviderAccount("whatsapp", "106540352242922")
		out, err := env.DDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			resources.Table.PartitionKey.Name: &types.AttributeValueMemberS{Value: k.PK},
			resources.Table.SortKey.Name:      &types.AttributeValueMemberS{Value: k.SK},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := out.Item["orgId"].(*types.AttributeValueMemberS); !ok || v.Value != "org-acme" {
			t.Fatalf("item %v", out.Item)
		}
	})
	t.Run("given an account moved to another organization, when looked up, then the new owner", func(t *testing.T) {
		if err := accts.PutProviderAccount(ctx, ProviderAccount{Provider: WhatsApp, Account: "106540352242922", OrgID: "org-gamma"}); err != nil {
			t.Fatal(err)
		}
		if org, ok, err := accts.OrgFor(ctx, WhatsApp, "106540352242922"); err != nil || !ok || org != "org-gamma" {
			t.Fatalf("got %q %v %v", org, ok, err)
		}
	})
	t.Run("given a missing table, when looked up, then an error (the caller answers 503)", func(t *testing.T) {
		broken := StoredAccounts{Store: testkit.Must(store.New(store.Config{DB: env.DDB, Table: "t-no-such-table"}))(t)}
		if _, _, err := broken.OrgFor(ctx, WhatsApp, "1"); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestProviderAccountValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       ProviderAccount
		wantErr bool
	}{
		{name: "given a full entry, when validated, then fine", p: ProviderAccount{Provider: WhatsApp, Account: "1", OrgID: "org-1"}},
		{name: "given an unknown provider, when validated, then an error", p: ProviderAccount{Provider: "telegram", Account: "1", OrgID: "org-1"}, wantErr: true},
		{name: "given no account, when validated, then an error", p: ProviderAccount{Provider: WhatsApp, OrgID: "org-1"}, wantErr: true},
		{name: "given an org id with '#', when validated, then an error", p: ProviderAccount{Provider: WhatsApp, Account: "1", OrgID: "org#1"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Validate(); (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
		})
	}
}

// countingAccounts counts lookups and answers from a map.
type countingAccounts struct {
	calls int
	orgs  map[string]string
	err   error
}

func (c *countingAccounts) OrgFor(_ context.Context, _ Provider, account string) (string, bool, error) {
	c.calls++
	if c.err != nil {
		return "", false, c.err
	}
	org, ok := c.orgs[account]
	return org, ok, nil
}

func TestCachedAccounts(t *testing.T) {
	tests := []struct {
		name      string
		account   string
		err       error
		advance   time.Duration
		wantCalls int
	}{
		{name: "given a known account, when asked twice within the TTL, then the table is read once", account: "a", wantCalls: 1},
		{name: "given a known account, when asked again after the TTL, then it is read again", account: "a", advance: 6 * time.Minute, wantCalls: 2},
		{name: "given an unknown account, when asked again after 31s, then it is read again (short negative TTL)", account: "zzz", advance: 31 * time.Second, wantCalls: 2},
		{name: "given an unknown account, when asked again within 30s, then it is read once", account: "zzz", advance: 10 * time.Second, wantCalls: 1},
		{name: "given a failing table, when asked twice, then errors are not cached", account: "a", err: errors.New("boom"), wantCalls: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := now
			next := &countingAccounts{orgs: map[string]string{"a": "org-a"}, err: tc.err}
			c := &CachedAccounts{Next: next, Now: func() time.Time { return clock }}
			for range 2 {
				org, ok, err := c.OrgFor(context.Background(), WhatsApp, tc.account)
				if tc.err == nil && tc.account == "a" && (org != "org-a" || !ok || err != nil) {
					t.Fatalf("got %q %v %v", org, ok, err)
				}
				clock = clock.Add(tc.advance)
			}
			if next.calls != tc.wantCalls {
				t.Fatalf("calls %d, want %d", next.calls, tc.wantCalls)
			}
		})
	}
}
