package awscfg

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func vars(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestGivenLocalEndpoints_WhenLoaded_ThenStaticCredentialsAndADefaultRegionAreUsed(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	tests := []struct {
		name       string
		env        map[string]string
		wantKey    string
		wantRegion string
	}{
		{"defaults", map[string]string{"DYNAMODB_ENDPOINT": "http://127.0.0.1:8000"}, "local", "us-east-1"},
		{"SQS only", map[string]string{"SQS_ENDPOINT": "http://127.0.0.1:9324"}, "local", "us-east-1"},
		{"explicit", map[string]string{"SQS_ENDPOINT": "x", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "eu-west-1"}, "k", "eu-west-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadWith(t.Context(), vars(tc.env))
			if err != nil {
				t.Fatalf("load: %v", err)
			}

			creds, err := cfg.Credentials.Retrieve(t.Context())
			if err != nil {
				t.Fatalf("credentials: %v", err)
			}
			if creds.AccessKeyID != tc.wantKey {
				t.Errorf("access key = %q, want %q", creds.AccessKeyID, tc.wantKey)
			}
			if cfg.Region != tc.wantRegion {
				t.Errorf("region = %q, want %q", cfg.Region, tc.wantRegion)
			}
		})
	}
}

func TestGivenLambdasEnvironment_WhenLoaded_ThenItsCredentialsRegionAndEndpointAreUsed(t *testing.T) {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} {
		t.Setenv(k, "")
	}
	lambda := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token", "AWS_REGION": "sa-east-1"}

	cfg, err := LoadWith(t.Context(), vars(lambda))

	if err != nil {
		t.Fatalf("load: %v", err)
	}
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatalf("credentials: %v", err)
	}
	if creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Errorf("credentials = %+v", creds)
	}
	if cfg.Region != "sa-east-1" || cfg.BaseEndpoint != nil {
		t.Errorf("region %q, base endpoint %v", cfg.Region, cfg.BaseEndpoint)
	}
	if _, local := cfg.HTTPClient.(*LocalClient); local || cfg.HTTPClient == nil {
		t.Errorf("HTTP client %T, want the SDK's", cfg.HTTPClient)
	}

	t.Run("AWS_DEFAULT_REGION and AWS_ENDPOINT_URL", func(t *testing.T) {
		env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "eu-west-1",
			"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:2"}
		cfg, err := LoadWith(t.Context(), vars(env))
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if cfg.Region != "eu-west-1" || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:1" {
			t.Errorf("region %q, base endpoint %q", cfg.Region, aws.ToString(cfg.BaseEndpoint))
		}
		if got := ServiceEndpoint(vars(env), "DYNAMODB"); got != "http://127.0.0.1:2" {
			t.Errorf("DynamoDB endpoint %q, want AWS_ENDPOINT_URL_DYNAMODB's", got)
		}
		env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
		cfg, _ = LoadWith(t.Context(), vars(env))
		if cfg.BaseEndpoint != nil || ServiceEndpoint(vars(env), "DYNAMODB") != "" {
			t.Errorf("configured endpoints used although ignored")
		}
	})
	t.Run("the process environment behind getenv", func(t *testing.T) {
		t.Setenv("AWS_REGION", "us-west-2")
		cfg, err := LoadWith(t.Context(), vars(map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}))
		if err != nil || cfg.Region != "us-west-2" {
			t.Errorf("region %q, err %v", cfg.Region, err)
		}
	})
	for _, missing := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Run("without "+missing, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range lambda {
				if k != missing {
					env[k] = v
				}
			}
			cfg, err := LoadWith(t.Context(), vars(env))
			if err != nil {
				t.Fatalf("load: %v (the SDK's chain fails at the first call, not here)", err)
			}
			if _, err := cfg.Credentials.Retrieve(t.Context()); !errors.Is(err, ErrNoCredentials) {
				t.Errorf("credentials: %v, want ErrNoCredentials", err)
			}
		})
	}
	t.Run("without a region", func(t *testing.T) {
		cfg, err := LoadWith(t.Context(), vars(map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}))
		if err != nil || cfg.Region != "" {
			t.Errorf("region %q, err %v", cfg.Region, err)
		}
	})
}

// TestGivenEndpointVariables_WhenAClientsEndpointIsChosen_ThenTheLocalOneWinsThenTheServices:
// the local stack's variable beats AWS_ENDPOINT_URL_<id>, which beats the
// region's (nil as a BaseEndpoint).
func TestGivenEndpointVariables_WhenAClientsEndpointIsChosen_ThenTheLocalOneWinsThenTheServices(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_SQS", "")
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")
	for _, c := range []struct {
		name      string
		env       map[string]string
		want      string
		wantLocal bool
	}{
		{"local", map[string]string{"SQS_ENDPOINT": "http://127.0.0.1:9324", "AWS_ENDPOINT_URL_SQS": "http://x"}, "http://127.0.0.1:9324", true},
		{"service", map[string]string{"AWS_ENDPOINT_URL_SQS": "http://x"}, "http://x", false},
		{"region", map[string]string{}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			getenv := func(k string) string { return c.env[k] }
			e, local := Endpoint(getenv, "SQS_ENDPOINT", "SQS")
			base, _ := BaseEndpoint(getenv, "SQS_ENDPOINT", "SQS")
			if e != c.want || local != c.wantLocal || (base == nil) != (c.want == "") {
				t.Fatalf("then %q local=%v, got %q local=%v base=%v", c.want, c.wantLocal, e, local, base)
			}
		})
	}
}
