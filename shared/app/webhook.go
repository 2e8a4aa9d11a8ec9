package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/queue"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/secrets"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/shared/webhook"
)

// Webhook builds the webhook function's HTTP handler from its environment
// (resources.Webhook.Env) read through getenv: the queue URL, the table, the
// secrets (SSM parameter names in AWS, values locally), and the local
// endpoints DYNAMODB_ENDPOINT / SQS_ENDPOINT when set (through awscfg); log
// may be nil.
func Webhook(ctx context.Context, getenv Getenv, log *slog.Logger) (http.Handler, error) {
	awsCfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	var get secrets.Getter
	if getenv(resources.EnvProducerSecretsParam) != "" || getenv(resources.EnvMetaAppSecretParam) != "" ||
		getenv(resources.EnvMetaVerifyTokenParam) != "" {
		if get, err = secrets.FromSSM(ssm.NewFromConfig(awsCfg)); err != nil {
			return nil, fmt.Errorf("webhook: %w", err)
		}
	}
	cfg, err := webhook.ConfigFromEnv(ctx, getenv, get)
	if err != nil {
		return nil, err
	}
	queueURL, err := need(getenv, resources.EnvEventsQueueURL)
	if err != nil {
		return nil, err
	}
	pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: awscfg.SQSWith(awsCfg, getenv), QueueURL: queueURL})
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	deps := webhook.Deps{Publisher: pub, Logger: log}
	if len(cfg.MetaAppSecret) > 0 {
		table, err := need(getenv, resources.EnvTableName) // the Meta account map
		if err != nil {
			return nil, err
		}
		accts := webhook.StoredAccounts{Store: store.New(awscfg.DynamoDBWith(awsCfg, getenv), table)}
		deps.Accounts = &webhook.CachedAccounts{Next: accts}
	}
	h, err := webhook.New(cfg, deps)
	if err != nil {
		return nil, err // never a typed nil inside a non-nil http.Handler
	}
	return h, nil
}
