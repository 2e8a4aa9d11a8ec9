// Package storeapp builds the table's store for the functions' builders. It
// is apart from shared/wiring so that a function that does not use the store
// (the webhook: its one read is made by store/accountmap) does not link the
// SDK's DynamoDB client.
package storeapp

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/awscfg/ddbcfg"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/shared/wiring"
)

// TableStore is the store over the table named by TABLE_NAME, with the
// local endpoint when DYNAMODB_ENDPOINT is set (through awscfg).
func TableStore(ctx context.Context, getenv wiring.Getenv) (*store.Store, error) {
	_, st, err := Open(ctx, getenv)
	return st, err
}

// Open is what the builder of a function over the table starts from: the
// SDK's configuration, loaded once for all its clients, and the table's
// store (TableStore).
func Open(ctx context.Context, getenv wiring.Getenv) (aws.Config, *store.Store, error) {
	table, err := wiring.Need(getenv, resources.EnvTableName)
	if err != nil {
		return aws.Config{}, nil, err
	}
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return aws.Config{}, nil, err
	}
	st, err := store.New(store.Config{DB: ddbcfg.New(cfg, getenv), Table: table})
	if err != nil {
		return aws.Config{}, nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	return cfg, st, nil
}
