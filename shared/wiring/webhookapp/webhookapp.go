// Package webhookapp builds the webhook function's handler; it links the
// webhook, the queue publisher, SSM and Meta's account map (accountmap: one
// GetItem, without the SDK's DynamoDB client), and no phone parser: the
// webhook forwards events, it does not read them.
package webhookapp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/queue"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/secrets"
	"github.com/customercloud/home/shared/store/accountmap"
	"github.com/customercloud/home/shared/webhook"
	"github.com/customercloud/home/shared/wiring"
)

// New builds the webhook function's HTTP handler from its environment
// (resources.Webhook.Env) read through getenv: the queue URL, the table, the
// secrets (SSM parameter names in AWS, read together in one GetParameters
// call; values locally), and the local endpoints DYNAMODB_ENDPOINT /
// SQS_ENDPOINT when set (through awscfg); log may be nil.
func New(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (http.Handler, error) {
	awsCfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	var get secrets.Getter
	params := []string{getenv(resources.EnvProducerSecretsParam), getenv(resources.EnvMetaAppSecretParam),
		getenv(resources.EnvMetaVerifyTokenParam)}
	if slices.ContainsFunc(params, func(p string) bool { return p != "" }) {
		if get, err = secrets.Prefetch(ctx, secrets.NewSSM(awsCfg), params...); err != nil {
			return nil, fmt.Errorf("webhook: %w", err)
		}
	}
	cfg, err := webhook.ConfigFromEnv(ctx, getenv, get)
	if err != nil {
		return nil, err
	}
	queueURL, err := wiring.Need(getenv, resources.EnvEventsQueueURL)
	if err != nil {
		return nil, err
	}
	pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: sqscall.New(awsCfg, getenv), QueueURL: queueURL})
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	deps := webhook.Deps{Publisher: pub, Logger: log}
	if len(cfg.MetaAppSecret) > 0 {
		table, err := wiring.Need(getenv, resources.EnvTableName) // the Meta account map
		if err != nil {
			return nil, err
		}
		am, err := accountmap.New(accountmap.Config{AWS: awsCfg, Getenv: getenv, Table: table})
		if err != nil {
			return nil, err
		}
		deps.Accounts = &webhook.CachedAccounts{Next: webhook.StoredAccounts{Store: am}}
	}
	h, err := webhook.New(cfg, deps)
	if err != nil {
		return nil, err // never a typed nil inside a non-nil http.Handler
	}
	return h, nil
}
