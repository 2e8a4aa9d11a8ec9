package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/queue"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/secrets"
	"github.com/customercloud/home/shared/store"
)

// NewFromEnv builds the webhook function's handler from its environment
// (resources.Webhook.Env) read through getenv: the queue URL, the table, the
// secrets (SSM parameter names in AWS, values locally), and the local
// endpoints DYNAMODB_ENDPOINT / SQS_ENDPOINT when set (through awscfg). It
// is what the function's wiring calls once at cold start; log may be nil.
func NewFromEnv(ctx context.Context, getenv func(string) string, log *slog.Logger) (*Handler, error) {
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
	cfg, err := ConfigFromEnv(ctx, getenv, get)
	if err != nil {
		return nil, err
	}
	queueURL := getenv(resources.EnvEventsQueueURL)
	if queueURL == "" {
		return nil, fmt.Errorf("webhook: %s is not set", resources.EnvEventsQueueURL)
	}
	pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: awscfg.SQSWith(awsCfg, getenv), QueueURL: queueURL})
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	deps := Deps{Publisher: pub, Logger: log}
	if len(cfg.MetaAppSecret) > 0 {
		table := getenv(resources.EnvTableName)
		if table == "" {
			return nil, errors.New("webhook: " + resources.EnvTableName + " is not set (needed for the Meta account map)")
		}
		accts := StoredAccounts{Store: store.New(awscfg.DynamoDBWith(awsCfg, getenv), table)}
		deps.Accounts = &CachedAccounts{Next: accts}
	}
	return New(cfg, deps)
}
