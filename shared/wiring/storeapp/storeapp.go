// Package storeapp builds the table's store for the functions' builders. It
// is apart from shared/wiring so that a function that does not use the store
// (the webhook: its one read is made by store/accountmap) does not link the
// SDK's DynamoDB client.
package storeapp

import (
	"context"
	"fmt"

	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/awscfg/ddbcfg"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/shared/wiring"
)

// TableStore is the store over the table named by TABLE_NAME, with the
// local endpoint when DYNAMODB_ENDPOINT is set (through awscfg).
func TableStore(ctx context.Context, getenv wiring.Getenv) (*store.Store, error) {
	table, err := wiring.Need(getenv, resources.EnvTableName)
	if err != nil {
		return nil, err
	}
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, err
	}
	st, err := store.New(store.Config{DB: ddbcfg.New(cfg, getenv), Table: table})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	return st, nil
}
