// Package ddbcfg builds the SDK's DynamoDB client on awscfg's
// configuration. It is apart from awscfg so that a function that does not
// use the client (the webhook: its one read is made by store/accountmap)
// does not link it and pay its package init at every cold start: the
// schemas of all of DynamoDB's operations and its endpoint tables, 0.67 MB
// in about 3,800 allocations.
package ddbcfg

import (
	"math/rand/v2"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/resources"
)

// NewFromEnv is New reading the process environment.
func NewFromEnv(cfg aws.Config) *dynamodb.Client {
	return New(cfg, os.Getenv)
}

// New returns a DynamoDB client with a retryer suited to DynamoDB (see
// Retryer). When DYNAMODB_ENDPOINT (read through getenv) is set it talks to
// that endpoint and skips the x-amz-crc32 response check, because DynamoDB
// Local's error responses carry no checksum and the SDK would log a warning
// on every conditional failure (aws-sdk-go-v2 issue #3545). Against AWS the
// check stays on, and AWS_ENDPOINT_URL_DYNAMODB, when set, is the endpoint.
func New(cfg aws.Config, getenv awscfg.Getenv) *dynamodb.Client {
	base, local := awscfg.BaseEndpoint(getenv, resources.EnvDynamoDBEndpoint, "DYNAMODB")
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.Retryer = Retryer()
		o.BaseEndpoint = base
		o.DisableValidateResponseChecksum = local
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

// Retryer returns the standard retryer (retrying throttling,
// transient and 5xx errors; never conditional-check failures or validation
// errors) tuned for DynamoDB: 8 attempts, full-jitter exponential backoff
// from 25 ms (100 ms on throttling) capped at 1 s, and no client-side retry
// quota, so a burst of throttles on an on-demand table is ridden out with
// backoff instead of failing fast with "retry quota exceeded".
func Retryer() aws.Retryer {
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
