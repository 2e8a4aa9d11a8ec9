package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/secrets"
)

func TestParseProducerSecrets(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	whsec := "whsec_" + base64.StdEncoding.EncodeToString(raw)
	tests := []struct {
		name    string
		doc     string
		want    map[string][]string
		wantErr bool
	}{
		{name: "given one Standard Webhooks secret per org, when parsed, then the key is the decoded bytes",
			doc: `{"org-acme":"` + whsec + `"}`, want: map[string][]string{"org-acme": {string(raw)}}},
		{name: "given a list during a rotation, when parsed, then both keys are kept in order",
			doc:  `{"org-acme":["` + whsec + `","plain-secret-0123456789abcdef"]}`,
			want: map[string][]string{"org-acme": {string(raw), "plain-secret-0123456789abcdef"}}},
		{name: "given a bad base64 whsec secret, when parsed, then an error", doc: `{"org-acme":"whsec_@@@"}`, wantErr: true},
		{name: "given a number, when parsed, then an error", doc: `{"org-acme":42}`, wantErr: true},
		{name: "given not an object, when parsed, then an error", doc: `["x"]`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseProducerSecrets([]byte(tc.doc))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				if strings.Contains(err.Error(), "whsec_@@@") {
					t.Errorf("error quotes the secret: %v", err)
				}
				return
			}
			gotS := map[string][]string{}
			for org, ks := range got {
				for _, k := range ks {
					gotS[org] = append(gotS[org], string(k))
				}
			}
			if fmt.Sprint(gotS) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", gotS, tc.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	secretsDoc := `{"org-acme":"producer-secret-org-acme-0123456789"}`
	tests := []struct {
		name      string
		env       map[string]string
		params    map[string]string
		noGetter  bool
		wantErr   string
		wantOrgs  int
		wantMeta  bool
		wantToken string
	}{
		{
			name:     "given local values in the environment, when built, then secrets come from them",
			env:      map[string]string{resources.EnvProducerSecretsJSON: secretsDoc, resources.EnvMetaAppSecret: testMetaSecret, resources.EnvMetaVerifyToken: testVerify},
			noGetter: true, wantOrgs: 1, wantMeta: true, wantToken: testVerify,
		},
		{
			name: "given SSM parameter names, when built, then the values are read through the getter and the local variables ignored",
			env: map[string]string{resources.EnvProducerSecretsParam: "/cch/producers", resources.EnvMetaAppSecretParam: "/cch/meta/secret",
				resources.EnvMetaVerifyTokenParam: "/cch/meta/verify", resources.EnvMetaVerifyToken: "ignored"},
			params:   map[string]string{"/cch/producers": secretsDoc, "/cch/meta/secret": testMetaSecret, "/cch/meta/verify": "from-ssm"},
			wantOrgs: 1, wantMeta: true, wantToken: "from-ssm",
		},
		{
			name:     "given producer secrets only, when built, then the Meta routes are off",
			env:      map[string]string{resources.EnvProducerSecretsJSON: secretsDoc},
			noGetter: true, wantOrgs: 1,
		},
		{
			name:     "given a parameter name but no getter, when built, then an error",
			env:      map[string]string{resources.EnvProducerSecretsParam: "/cch/producers"},
			noGetter: true, wantErr: "no parameter getter",
		},
		{
			name:    "given a missing parameter, when built, then the error names the variable",
			env:     map[string]string{resources.EnvMetaAppSecretParam: "/cch/nope"},
			params:  map[string]string{},
			wantErr: resources.EnvMetaAppSecretParam,
		},
		{
			name:     "given nothing configured, when built, then an error",
			env:      map[string]string{},
			noGetter: true, wantErr: "nothing could be authenticated",
		},
		{
			name:     "given a Meta secret without a verify token, when built, then an error",
			env:      map[string]string{resources.EnvMetaAppSecret: testMetaSecret},
			noGetter: true, wantErr: "set together",
		},
		{
			name:     "given a producer secret shorter than 24 bytes, when built, then an error that does not quote it",
			env:      map[string]string{resources.EnvProducerSecretsJSON: `{"org-acme":"short-secret"}`},
			noGetter: true, wantErr: "shorter than 24 bytes",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var get secrets.Getter
			if !tc.noGetter {
				get = secrets.Static(tc.params)
			}
			cfg, err := ConfigFromEnv(context.Background(), func(k string) string { return tc.env[k] }, get)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "short-secret") {
					t.Errorf("error quotes a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.ProducerSecrets) != tc.wantOrgs || (len(cfg.MetaAppSecret) > 0) != tc.wantMeta || string(cfg.MetaVerifyToken) != tc.wantToken {
				t.Fatalf("got orgs %d meta %v token %q", len(cfg.ProducerSecrets), len(cfg.MetaAppSecret) > 0, string(cfg.MetaVerifyToken))
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{ProducerSecrets: map[string][]Secret{"org-acme": {keyA}}}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr bool
	}{
		{name: "given one producer secret, when validated, then fine", mutate: func(*Config) {}},
		{name: "given an invalid org id, when validated, then an error", mutate: func(c *Config) { c.ProducerSecrets = map[string][]Secret{"org#1": {keyA}} }, wantErr: true},
		{name: "given an org with no key, when validated, then an error", mutate: func(c *Config) { c.ProducerSecrets = map[string][]Secret{"org-1": nil} }, wantErr: true},
		{name: "given routedTo agent, when validated, then an error", mutate: func(c *Config) { c.DefaultRoutedTo = "agent" }, wantErr: true},
		{name: "given a body cap over an SQS message, when validated, then an error", mutate: func(c *Config) { c.MaxBodyBytes = 1 << 20 }, wantErr: true},
		{name: "given a negative limit, when validated, then an error", mutate: func(c *Config) { c.MaxBatchEvents = -1 }, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mutate(&c)
			if err := c.Validate(); (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestSecretIsRedacted(t *testing.T) {
	t.Run("given a config with secrets, when printed or logged, then no secret appears", func(t *testing.T) {
		cfg := Config{ProducerSecrets: map[string][]Secret{"org-acme": {keyA}}, MetaAppSecret: Secret(testMetaSecret), MetaVerifyToken: Secret(testVerify)}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "secret", cfg.MetaAppSecret, "keys", cfg.ProducerSecrets)
		out := fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.MetaAppSecret) + buf.String()
		for _, s := range []string{string(keyA), testMetaSecret, testVerify,
			base64.StdEncoding.EncodeToString(keyA), base64.StdEncoding.EncodeToString([]byte(testMetaSecret))} {
			if strings.Contains(out, s) {
				t.Fatalf("printed config leaks %q: %s", s, out)
			}
		}
	})
}
