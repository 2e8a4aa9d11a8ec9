package ddbcfg

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/customercloud/home/shared/awscfg"
)

func vars(m map[string]string) awscfg.Getenv { return func(k string) string { return m[k] } }

func TestGivenEndpoints_WhenClientsAreBuilt_ThenOnlyLocalClientsSkipTheChecksumAndSetTheEndpoint(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1"}
	tests := []struct {
		name         string
		env          map[string]string
		wantEndpoint string
	}{
		{"AWS", map[string]string{}, ""},
		{"local", map[string]string{"DYNAMODB_ENDPOINT": "http://127.0.0.1:8000", "SQS_ENDPOINT": "http://127.0.0.1:9324"}, "local"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := New(cfg, vars(tc.env)).Options()

			local := tc.wantEndpoint != ""
			if got := aws.ToString(db.BaseEndpoint); got != tc.env["DYNAMODB_ENDPOINT"] {
				t.Errorf("DynamoDB BaseEndpoint = %q", got)
			}
			if db.DisableValidateResponseChecksum != local {
				t.Errorf("DisableValidateResponseChecksum = %v, want %v", db.DisableValidateResponseChecksum, local)
			}
			if db.Retryer.MaxAttempts() != ddbMaxAttempts {
				t.Errorf("DynamoDB MaxAttempts = %d, want %d", db.Retryer.MaxAttempts(), ddbMaxAttempts)
			}
		})
	}
}

func TestGivenDynamoDBErrors_WhenRetrying_ThenThrottlesAreRetriedWithBoundedBackoffAndConditionsAreNot(t *testing.T) {
	r := Retryer()
	throttle := &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}
	tests := []struct {
		name      string
		err       error
		retryable bool
	}{
		{"throttling", throttle, true},
		{"on-demand throttling", &smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{"conditional check failed", &smithy.GenericAPIError{Code: "ConditionalCheckFailedException"}, false},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException"}, false},
		{"other", errors.New("boom"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.IsErrorRetryable(tc.err); got != tc.retryable {
				t.Errorf("IsErrorRetryable = %v, want %v", got, tc.retryable)
			}
		})
	}
	for attempt := 1; attempt < 20; attempt++ {
		d, err := r.RetryDelay(attempt, throttle)
		if err != nil {
			t.Fatalf("RetryDelay(%d): %v", attempt, err)
		}
		ceiling := min(ddbThrottleBase<<attempt, ddbMaxBackoff)
		if attempt >= 16 {
			ceiling = ddbMaxBackoff
		}
		if d < 0 || d >= ceiling || d > time.Second {
			t.Errorf("RetryDelay(%d) = %v, want in [0, %v)", attempt, d, ceiling)
		}
	}
}

func TestGivenAWS_ENDPOINT_URL_DYNAMODB_WhenBuilt_ThenItIsTheEndpointUnlessIgnored(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")
	cfg := aws.Config{Region: "us-east-1"}
	env := map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:2"}
	if got := aws.ToString(New(cfg, vars(env)).Options().BaseEndpoint); got != "http://127.0.0.1:2" {
		t.Errorf("endpoint %q", got)
	}
	env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
	if got := New(cfg, vars(env)).Options().BaseEndpoint; got != nil {
		t.Errorf("endpoint %q although ignored", *got)
	}
}
