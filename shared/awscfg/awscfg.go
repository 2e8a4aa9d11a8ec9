// Package awscfg builds the AWS configuration and service clients every
// binary uses, so that the only difference between AWS and the local stack
// (DynamoDB Local, ElasticMQ) is a pair of environment variables:
// DYNAMODB_ENDPOINT and SQS_ENDPOINT. When neither is set, everything is the
// SDK's default chain, untouched. The SQS client is in package sqscfg, so
// the functions that do not use SQS do not link its client.
package awscfg

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/customercloud/home/shared/resources"
)

// Local defaults: the emulators accept any credentials, but the SDK refuses
// to sign without some, and a region is needed to build endpoints.
const (
	LocalRegion    = "us-east-1"
	LocalAccessKey = "local"
	LocalSecretKey = "local"
)

// Getenv looks up an environment variable; os.Getenv is one. It lets a caller
// (the test harness reading .local/stack.env) supply values without mutating
// the process environment.
type Getenv func(string) string

// Load returns the SDK's default configuration, or, when DYNAMODB_ENDPOINT or
// SQS_ENDPOINT is set, one for the local emulators: static credentials from
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (default "local"/"local") so no
// credential chain (profiles, IMDS) is ever consulted, and region us-east-1
// unless one is configured.
func Load(ctx context.Context) (aws.Config, error) {
	return LoadWith(ctx, os.Getenv)
}

// LoadWith is Load reading the local-stack variables through getenv instead
// of the process environment. The SDK's own settings (AWS_REGION, profiles)
// still come from the process environment unless getenv supplies them.
func LoadWith(ctx context.Context, getenv Getenv) (aws.Config, error) {
	if !IsLocal(getenv) {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
		}
		return cfg, nil
	}
	key := or(getenv("AWS_ACCESS_KEY_ID"), LocalAccessKey)
	secret := or(getenv("AWS_SECRET_ACCESS_KEY"), LocalSecretKey)
	opts := []func(*config.LoadOptions) error{
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, secret, "")),
	}
	if r := getenv("AWS_REGION"); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config for the local stack: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = LocalRegion
	}
	cfg.HTTPClient = LocalHTTPClient(cfg.HTTPClient)
	return cfg, nil
}

// IsLocal reports whether getenv points at local emulators.
func IsLocal(getenv Getenv) bool {
	return getenv(resources.EnvDynamoDBEndpoint) != "" || getenv(resources.EnvSQSEndpoint) != ""
}

// DynamoDB returns a DynamoDB client with a retryer suited to DynamoDB (see
// DynamoDBRetryer). When DYNAMODB_ENDPOINT is set it talks to that endpoint
// and skips the x-amz-crc32 response check, because DynamoDB Local's error
// responses carry no checksum and the SDK would log a warning on every
// conditional failure (aws-sdk-go-v2 issue #3545). Against AWS the check
// stays on.
func DynamoDB(cfg aws.Config) *dynamodb.Client {
	return DynamoDBWith(cfg, os.Getenv)
}

// DynamoDBWith is DynamoDB reading DYNAMODB_ENDPOINT through getenv.
func DynamoDBWith(cfg aws.Config, getenv Getenv) *dynamodb.Client {
	endpoint := getenv(resources.EnvDynamoDBEndpoint)
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.Retryer = DynamoDBRetryer()
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.DisableValidateResponseChecksum = true
		}
	})
}

// DynamoDB retry settings. DynamoDB calls take milliseconds, so the SDK's
// generic backoff (up to 2 s after the first failure, 20 s cap) wastes most
// of a 10 s Lambda on one throttle. These follow DynamoDB's own guidance of
// short, jittered, exponential delays.
const (
	ddbMaxAttempts  = 8
	ddbBaseDelay    = 25 * time.Millisecond  // transient errors, 5xx
	ddbThrottleBase = 100 * time.Millisecond // throttling needs more room
	ddbMaxBackoff   = 1 * time.Second
)

// DynamoDBRetryer returns the standard retryer (retrying throttling,
// transient and 5xx errors; never conditional-check failures or validation
// errors) tuned for DynamoDB: 8 attempts, full-jitter exponential backoff
// from 25 ms (100 ms on throttling) capped at 1 s, and no client-side retry
// quota, so a burst of throttles on an on-demand table is ridden out with
// backoff instead of failing fast with "retry quota exceeded".
func DynamoDBRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = ddbMaxAttempts
		o.MaxBackoff = ddbMaxBackoff
		o.RateLimiter = ratelimit.None
		o.Backoff = ddbBackoff{throttle: retry.IsErrorThrottles(o.Throttles)}
	})
}

// ddbBackoff is full-jitter exponential backoff: a random delay in
// [0, min(base·2^attempt, ddbMaxBackoff)).
type ddbBackoff struct {
	throttle retry.IsErrorThrottle
}

// BackoffDelay implements retry.BackoffDelayer.
func (b ddbBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	base := ddbBaseDelay
	if b.throttle != nil && b.throttle.IsErrorThrottle(err) == aws.TrueTernary {
		base = ddbThrottleBase
	}
	ceiling := ddbMaxBackoff
	if attempt < 16 {
		ceiling = min(base<<attempt, ddbMaxBackoff)
	}
	return rand.N(ceiling), nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
