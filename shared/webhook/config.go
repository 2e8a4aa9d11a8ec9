package webhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/queue"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/secrets"
)

// Defaults of Config's limits.
const (
	// DefaultMaxBodyBytes caps a producer request at an SQS message's size
	// (queue.MaxMessageBytes): a single event larger than that could never
	// be enqueued, and a batch is held to the same cap to keep a request's
	// work bounded.
	DefaultMaxBodyBytes = queue.MaxMessageBytes
	// DefaultMaxMetaBodyBytes caps a Meta webhook: Meta batches several
	// updates in one delivery and we publish each message as its own small
	// event, so the cap is only a guard against abuse, not an SQS limit.
	DefaultMaxMetaBodyBytes = 1024 * 1024
	// DefaultMaxBatchEvents is the most events one batch request may carry.
	DefaultMaxBatchEvents = 100
	// DefaultReplayWindow is how far a producer's webhook-timestamp may be
	// from our clock, either way.
	DefaultReplayWindow = 5 * time.Minute
	// DefaultReplayCacheSize bounds the remembered webhook-ids per instance.
	DefaultReplayCacheSize = 10000
	// MinSecretBytes is the shortest HMAC key accepted (Standard Webhooks
	// asks for 24 to 64 bytes).
	MinSecretBytes = 24
)

// Secret is key material. Its String, GoString and LogValue are redacted so
// a Config printed by mistake (%v, slog) does not leak it.
type Secret []byte

// String keeps %v and %s from printing the bytes.
func (Secret) String() string { return "[redacted]" }

// GoString keeps %#v from printing the bytes.
func (Secret) GoString() string { return "[redacted]" }

// LogValue keeps slog from printing the bytes.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalJSON keeps JSON encoders (slog's JSON handler on a map holding
// secrets, for one) from writing the bytes as base64.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

// Config is what the webhook handler needs to know: secrets and limits.
// Build it with ConfigFromEnv in the functions; tests build it directly.
type Config struct {
	// ProducerSecrets maps an organization id to its HMAC keys (more than
	// one during a rotation: a signature by any of them is accepted).
	ProducerSecrets map[string][]Secret
	// MetaAppSecret signs Meta's deliveries (X-Hub-Signature-256) and
	// MetaVerifyToken answers the subscription handshake. Both empty
	// disables the Meta routes (404).
	MetaAppSecret   Secret
	MetaVerifyToken Secret
	// DefaultRoutedTo is the routedTo of inbound channel messages: who
	// attends a conversation that starts on a channel ("bot" or "human").
	DefaultRoutedTo string
	// SkipContactUpserts stops the contact.upserted that precedes each
	// inbound channel message (see docs/WEBHOOKS.md).
	SkipContactUpserts bool
	MaxBodyBytes       int64
	MaxMetaBodyBytes   int64
	MaxBatchEvents     int
	ReplayWindow       time.Duration
	ReplayCacheSize    int
}

// Validate reports a configuration the handler cannot run with. Zero limits
// mean "use the default" and are fine.
func (c Config) Validate() error {
	var errs []error
	if len(c.ProducerSecrets) == 0 && len(c.MetaAppSecret) == 0 {
		errs = append(errs, errors.New("no producer secrets and no Meta app secret: nothing could be authenticated"))
	}
	for _, org := range slices.Sorted(maps.Keys(c.ProducerSecrets)) {
		if !contract.ValidID(org) {
			errs = append(errs, fmt.Errorf("producer secrets: %q is not a valid organization id", org))
		}
		keys := c.ProducerSecrets[org]
		if len(keys) == 0 {
			errs = append(errs, fmt.Errorf("producer secrets: organization %q has no secret", org))
		}
		for i, k := range keys {
			if len(k) < MinSecretBytes {
				errs = append(errs, fmt.Errorf("producer secrets: organization %q secret %d is shorter than %d bytes", org, i, MinSecretBytes))
			}
		}
	}
	if (len(c.MetaAppSecret) == 0) != (len(c.MetaVerifyToken) == 0) {
		errs = append(errs, errors.New("the Meta app secret and verify token must be set together"))
	}
	if c.DefaultRoutedTo != "" && c.DefaultRoutedTo != contract.RoutedBot && c.DefaultRoutedTo != contract.RoutedHuman {
		errs = append(errs, fmt.Errorf("DefaultRoutedTo %q must be %q or %q", c.DefaultRoutedTo, contract.RoutedBot, contract.RoutedHuman))
	}
	if c.MaxBodyBytes < 0 || c.MaxMetaBodyBytes < 0 || c.MaxBatchEvents < 0 || c.ReplayWindow < 0 || c.ReplayCacheSize < 0 {
		errs = append(errs, errors.New("limits must not be negative"))
	}
	if c.MaxBodyBytes > DefaultMaxBodyBytes {
		errs = append(errs, fmt.Errorf("MaxBodyBytes %d exceeds an SQS message (%d)", c.MaxBodyBytes, DefaultMaxBodyBytes))
	}
	if len(errs) > 0 {
		return fmt.Errorf("webhook: invalid config: %w", errors.Join(errs...))
	}
	return nil
}

// withDefaults fills zero limits.
func (c Config) withDefaults() Config {
	if c.DefaultRoutedTo == "" {
		c.DefaultRoutedTo = contract.RoutedBot
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxMetaBodyBytes == 0 {
		c.MaxMetaBodyBytes = DefaultMaxMetaBodyBytes
	}
	if c.MaxBatchEvents == 0 {
		c.MaxBatchEvents = DefaultMaxBatchEvents
	}
	if c.ReplayWindow == 0 {
		c.ReplayWindow = DefaultReplayWindow
	}
	if c.ReplayCacheSize == 0 {
		c.ReplayCacheSize = DefaultReplayCacheSize
	}
	return c
}

// ParseSecret turns a configured secret into key bytes: a Standard Webhooks
// secret "whsec_<base64>" is its decoded bytes; any other string is used as
// is (its UTF-8 bytes).
func ParseSecret(s string) (Secret, error) {
	if rest, ok := strings.CutPrefix(s, "whsec_"); ok {
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, errors.New("whsec_ secret is not valid base64")
		}
		return Secret(b), nil
	}
	return Secret(s), nil
}

// ParseProducerSecrets reads the producer secrets document: a JSON object
// from organization id to a secret, or to a list of secrets during a
// rotation, e.g. {"org-1":"whsec_...","org-2":["whsec_new","whsec_old"]}.
// Errors never quote a secret.
func ParseProducerSecrets(doc []byte) (map[string][]Secret, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, errors.New("producer secrets: not a JSON object of organization id to secret")
	}
	out := make(map[string][]Secret, len(raw))
	for org, v := range raw {
		var one string
		var many []string
		switch {
		case json.Unmarshal(v, &one) == nil:
			many = []string{one}
		case json.Unmarshal(v, &many) == nil:
		default:
			return nil, fmt.Errorf("producer secrets: organization %q: want a string or a list of strings", org)
		}
		for i, s := range many {
			k, err := ParseSecret(s)
			if err != nil {
				return nil, fmt.Errorf("producer secrets: organization %q secret %d: %w", org, i, err)
			}
			out[org] = append(out[org], k)
		}
	}
	return out, nil
}

// ConfigFromEnv builds the Config of the webhook function. Each secret comes
// from the SSM parameter named by its *_PARAM variable when that is set (in
// AWS: the templates hold only names), read through get; otherwise from the
// variable holding the value itself (local runs). getenv is os.Getenv in
// Lambda; get may be nil when no *_PARAM variable is set.
func ConfigFromEnv(ctx context.Context, getenv func(string) string, get secrets.Getter) (Config, error) {
	read := func(paramVar, valueVar string) (string, error) {
		if name := getenv(paramVar); name != "" {
			if get == nil {
				return "", fmt.Errorf("webhook: %s is set but no parameter getter was given", paramVar)
			}
			v, err := get(ctx, name)
			if err != nil {
				return "", fmt.Errorf("webhook: read %s: %w", paramVar, err)
			}
			return v, nil
		}
		return getenv(valueVar), nil
	}
	var cfg Config
	doc, err := read(resources.EnvProducerSecretsParam, resources.EnvProducerSecretsJSON)
	if err != nil {
		return Config{}, err
	}
	if strings.TrimSpace(doc) != "" {
		if cfg.ProducerSecrets, err = ParseProducerSecrets([]byte(doc)); err != nil {
			return Config{}, fmt.Errorf("webhook: %w", err)
		}
	}
	appSecret, err := read(resources.EnvMetaAppSecretParam, resources.EnvMetaAppSecret)
	if err != nil {
		return Config{}, err
	}
	verify, err := read(resources.EnvMetaVerifyTokenParam, resources.EnvMetaVerifyToken)
	if err != nil {
		return Config{}, err
	}
	cfg.MetaAppSecret, cfg.MetaVerifyToken = Secret(appSecret), Secret(verify)
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
