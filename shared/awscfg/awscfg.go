// Package awscfg builds the AWS configuration and service clients every
// binary uses, so that the only difference between AWS and the local stack
// (DynamoDB Local, ElasticMQ) is a pair of environment variables:
// DYNAMODB_ENDPOINT and SQS_ENDPOINT. The clients are built in their own
// packages so that a function links only those it uses: the SDK's DynamoDB
// client in ddbcfg (the webhook does not link it), the SDK's S3 client in
// s3cfg; the functions call SQS through awscall/sqscall, and the SDK's SQS
// client, for the tools and tests that receive and create queues, is in
// sqscfg, which no function links.
//
// The configuration is read from the environment only, never through the
// SDK's aws/config: its default chain links, and initialises at every cold
// start, the STS, SSO, SSO-OIDC and sign-in clients, the IMDS client and the
// shared-config parser (about 0.5 MB in 3,900 allocations of package init),
// none of which a Lambda function uses: Lambda gives credentials in
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN and the
// region in AWS_REGION, and the local stack uses static dummy credentials.
// A tool run against AWS from a workstation exports its credentials the same
// way (`eval "$(aws configure export-credentials --format env)"`).
package awscfg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/customercloud/home/shared/resources"
)

// Local defaults: the emulators accept any credentials, but the SDK refuses
// to sign without some, and a region is needed to build endpoints.
const (
	LocalRegion    = "us-east-1"
	LocalAccessKey = "local"
	LocalSecretKey = "local"
)

// The environment variables the configuration is read from, as Lambda sets
// them and as the SDK's own environment configuration names them.
const (
	EnvAccessKeyID     = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken    = "AWS_SESSION_TOKEN"
	EnvRegion          = "AWS_REGION"
	EnvDefaultRegion   = "AWS_DEFAULT_REGION"
	EnvEndpointURL     = "AWS_ENDPOINT_URL"
	EnvIgnoreEndpoints = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
)

// ErrNoCredentials is what the credentials of a configuration loaded
// outside the local stack without AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY answer, at the first call that needs them (as the
// SDK's chain fails when it finds none); in Lambda they are always set.
var ErrNoCredentials = errors.New("no AWS credentials in the environment")

// Getenv looks up an environment variable; os.Getenv is one. It lets a caller
// (the test harness reading .local/stack.env) supply values without mutating
// the process environment.
type Getenv func(string) string

// Load returns the configuration from the process environment; see LoadWith.
func Load(ctx context.Context) (aws.Config, error) {
	return LoadWith(ctx, os.Getenv)
}

// LoadWith returns the configuration from the environment, read through
// getenv and, for what getenv does not supply, the process environment
// (so a harness reading .local/stack.env still sees AWS_REGION set in the
// shell), as the SDK's environment configuration reads it:
//
//   - credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN; when DYNAMODB_ENDPOINT or SQS_ENDPOINT is set (the
//     local emulators) they default to "local"/"local" and the session token
//     is not used; otherwise, without them, the first call that signs fails
//     with ErrNoCredentials;
//   - the region from AWS_REGION, else AWS_DEFAULT_REGION, else, locally,
//     us-east-1 (otherwise none, and the first call fails);
//   - the base endpoint from AWS_ENDPOINT_URL unless
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true (the service-specific
//     AWS_ENDPOINT_URL_<SERVICE> is read by each client's builder);
//   - the SDK's HTTP client, wrapped by LocalHTTPClient for the local
//     emulators.
//
// No profile, shared config file, IMDS, SSO or STS is ever consulted.
func LoadWith(_ context.Context, getenv Getenv) (aws.Config, error) {
	env := withProcessEnv(getenv)
	local := IsLocal(getenv)
	region := env(EnvRegion)
	if region == "" {
		region = env(EnvDefaultRegion)
	}
	var creds aws.CredentialsProvider
	if local {
		if region == "" {
			region = LocalRegion
		}
		creds = credentials.NewStaticCredentialsProvider(or(getenv(EnvAccessKeyID), LocalAccessKey), or(getenv(EnvSecretAccessKey), LocalSecretKey), "")
	} else if key, secret := env(EnvAccessKeyID), env(EnvSecretAccessKey); key != "" && secret != "" {
		creds = credentials.NewStaticCredentialsProvider(key, secret, env(EnvSessionToken))
	} else {
		creds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, fmt.Errorf("%w: %s and %s are not set", ErrNoCredentials, EnvAccessKeyID, EnvSecretAccessKey)
		})
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(creds),
		HTTPClient:  awshttp.NewBuildableClient(),
	}
	if u := env(EnvEndpointURL); u != "" && !ignoreEndpoints(env) {
		cfg.BaseEndpoint = aws.String(u)
	}
	if local {
		cfg.HTTPClient = LocalHTTPClient(cfg.HTTPClient)
	}
	return cfg, nil
}

// ServiceEndpoint is AWS_ENDPOINT_URL_<id> (id as the SDK spells the
// service, e.g. "DYNAMODB", "SQS", "S3"), read through getenv and then the
// process environment, or "" when it is unset or configured endpoints are
// ignored; the clients' builders give it precedence over the base endpoint,
// as the SDK's shared configuration does.
func ServiceEndpoint(getenv Getenv, id string) string {
	env := withProcessEnv(getenv)
	if ignoreEndpoints(env) {
		return ""
	}
	return env(EnvEndpointURL + "_" + id)
}

// Endpoint is where a client of the service id talks to: the local
// stack's variable localVar (DYNAMODB_ENDPOINT, SQS_ENDPOINT, S3_ENDPOINT)
// when set, else ServiceEndpoint(getenv, id), else "" (the region's). local
// says the first won, for the clients that adapt to a local emulator.
func Endpoint(getenv Getenv, localVar, id string) (endpoint string, local bool) {
	if e := getenv(localVar); e != "" {
		return e, true
	}
	return ServiceEndpoint(getenv, id), false
}

// BaseEndpoint is Endpoint as an SDK client's BaseEndpoint option: nil
// for the region's.
func BaseEndpoint(getenv Getenv, localVar, id string) (base *string, local bool) {
	e, local := Endpoint(getenv, localVar, id)
	if e == "" {
		return nil, false
	}
	return &e, local
}

func ignoreEndpoints(env Getenv) bool {
	return strings.EqualFold(env(EnvIgnoreEndpoints), "true")
}

// withProcessEnv reads through getenv, then the process environment.
func withProcessEnv(getenv Getenv) Getenv {
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return os.Getenv(k)
	}
}

// IsLocal reports whether getenv points at local emulators.
func IsLocal(getenv Getenv) bool {
	return getenv(resources.EnvDynamoDBEndpoint) != "" || getenv(resources.EnvSQSEndpoint) != ""
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
