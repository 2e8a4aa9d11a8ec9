package accountmap_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/customercloud/home/shared/awscall"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/shared/store/accountmap"
	"github.com/customercloud/home/tests/testenv"
	"github.com/customercloud/home/tests/testkit"
)

// TestGivenDynamoDBLocal_WhenTheMapIsWrittenByOneAndReadByTheOther_ThenStoreAndAccountmapAgree
// holds the webhook's account map to the store's: the same items, whichever
// writes them (both directions), an unknown account is nobody's, and a move
// to a new owner is seen at once (consistent read).
func TestGivenDynamoDBLocal_WhenTheMapIsWrittenByOneAndReadByTheOther_ThenStoreAndAccountmapAgree(t *testing.T) {
	env := testenv.Stack(t)
	ctx := t.Context()
	table := env.NewTable(t)
	st := testkit.Must(store.New(store.Config{DB: env.DDB, Table: table}))(t)
	getenv := func(k string) string { return env.Vars[k] }
	am := testkit.Must(accountmap.New(accountmap.Config{AWS: env.Cfg, Getenv: getenv, Table: table}))(t)
	read := map[string]func(provider, account string) (string, bool, error){
		"store":      func(p, a string) (string, bool, error) { return st.ProviderAccountOrg(ctx, p, a) },
		"accountmap": func(p, a string) (string, bool, error) { return am.ProviderAccountOrg(ctx, p, a) },
	}

	// given one account written by the store and one by accountmap
	if err := st.PutProviderAccount(ctx, "WhatsApp", "1065", "org-a"); err != nil {
		t.Fatal(err)
	}
	if err := am.PutProviderAccount(ctx, "messenger", "1087", "org-b"); err != nil {
		t.Fatal(err)
	}

	// then each reads both, and neither knows a third
	for name, get := range read {
		for _, c := range []struct{ provider, account, org string }{
			{"whatsapp", "1065", "org-a"}, {"Messenger", "1087", "org-b"}, {"whatsapp", "1087", ""}, {"instagram", "9", ""},
		} {
			org, ok, err := get(c.provider, c.account)
			if err != nil || org != c.org || ok != (c.org != "") {
				t.Errorf("%s: %s/%s = %q, %v, %v; want %q", name, c.provider, c.account, org, ok, err, c.org)
			}
		}
	}

	// when the store moves an account, accountmap sees the new owner at once
	if err := st.PutProviderAccount(ctx, "messenger", "1087", "org-c"); err != nil {
		t.Fatal(err)
	}
	if org, _, err := am.ProviderAccountOrg(ctx, "messenger", "1087"); err != nil || org != "org-c" {
		t.Errorf("after the move: %q, %v", org, err)
	}
}

// TestGivenNoTable_WhenRead_ThenDynamoDBsOwnError: a refusal is
// DynamoDB's own error, an *awscall.Error with its code.
func TestGivenNoTable_WhenRead_ThenDynamoDBsOwnError(t *testing.T) {
	env := testenv.Stack(t)
	am := testkit.Must(accountmap.New(accountmap.Config{AWS: env.Cfg, Getenv: func(k string) string { return env.Vars[k] }, Table: "no-such-table-for-accountmap"}))(t)
	_, _, err := am.ProviderAccountOrg(t.Context(), "whatsapp", "1")
	var ae *awscall.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Code != "ResourceNotFoundException" {
		t.Fatalf("err = %v, want ResourceNotFoundException", err)
	}
}

// TestGivenAConfigWithoutTableOrRegion_WhenBuilt_ThenBothAreNamed: New
// refuses an incomplete Config and says what is missing.
func TestGivenAConfigWithoutTableOrRegion_WhenBuilt_ThenBothAreNamed(t *testing.T) {
	_, err := accountmap.New(accountmap.Config{})

	if want := "accountmap: AWS.Region is required\naccountmap: Table is required"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}
