// Package secrets reads secret configuration values by name. In AWS the
// functions get only the *names* of SSM parameters in their environment (the
// templates hold names, never values), and resolve them all at cold start in
// one SSM GetParameters call (Prefetch), not one round trip per secret. A
// Secrets Manager secret is read through the same call by naming it
// "/aws/reference/secretsmanager/<secret-id>", so one getter serves both
// stores and the functions need only ssm:GetParameters (plus
// secretsmanager:GetSecretValue for that reference form).
//
// Values returned here are secrets: callers must never log them, and errors
// produced here name the parameter, never its value.
package secrets

import (
	"context"
	"errors"
	"fmt"
)

// Getter resolves a secret by its parameter name. It is the shape
// webhook.ConfigFromEnv and any other function config take, so tests and the
// local runner can supply values without AWS.
type Getter func(ctx context.Context, name string) (string, error)

// SSMAPI is the SSM call Prefetch makes; *SSM (ssm.go) makes it in AWS.
type SSMAPI interface {
	GetParameters(ctx context.Context, in *GetParametersInput) (*GetParametersOutput, error)
}

// ErrEmpty reports a parameter that exists but holds no value, which for a
// secret is always a deployment mistake worth failing the cold start on.
var ErrEmpty = errors.New("secret parameter is empty")

// ErrNotFound reports a parameter SSM does not have (or may not be read).
var ErrNotFound = errors.New("secret parameter not found")

// maxPerCall is SSM's limit on names in one GetParameters call.
const maxPerCall = 10

// Prefetch reads the named SecureString (and plain String) parameters with
// decryption, in one GetParameters call per ten names, and returns a Getter
// over what it read, so a function's cold start pays one SSM round trip for
// all its secrets. Empty names are skipped and repeated ones read once. The
// Getter answers only the prefetched names: a name SSM did not return is
// ErrNotFound, an empty value ErrEmpty, a name not given to Prefetch an
// error; an SSM failure is Prefetch's error.
func Prefetch(ctx context.Context, api SSMAPI, names ...string) (Getter, error) {
	if api == nil {
		return nil, errors.New("secrets: Prefetch needs an SSM client")
	}
	var want []string
	asked := map[string]bool{}
	for _, n := range names {
		if n != "" && !asked[n] {
			asked[n] = true
			want = append(want, n)
		}
	}
	values := make(map[string]string, len(want))
	for start := 0; start < len(want); start += maxPerCall {
		batch := want[start:min(start+maxPerCall, len(want))]
		out, err := api.GetParameters(ctx, &GetParametersInput{Names: batch, WithDecryption: true})
		if err != nil {
			return nil, fmt.Errorf("secrets: get parameters %q: %w", batch, err)
		}
		for _, p := range out.Parameters {
			// Asked as a name, a name:version or name:label selector, or an
			// ARN: SSM answers with the bare name plus the selector and ARN.
			values[p.Name] = p.Value
			values[p.Name+p.Selector] = p.Value
			if p.ARN != "" {
				values[p.ARN] = p.Value
			}
		}
	}
	return func(_ context.Context, name string) (string, error) {
		if !asked[name] {
			return "", fmt.Errorf("secrets: parameter %q was not prefetched", name)
		}
		v, ok := values[name]
		if !ok {
			return "", fmt.Errorf("secrets: parameter %q: %w", name, ErrNotFound)
		}
		if v == "" {
			return "", fmt.Errorf("secrets: parameter %q: %w", name, ErrEmpty)
		}
		return v, nil
	}, nil
}

// Static returns a Getter over a fixed map, for tests and local runs where
// the "parameter store" is the process environment or a fixture.
func Static(values map[string]string) Getter {
	return func(_ context.Context, name string) (string, error) {
		v, ok := values[name]
		if !ok {
			return "", fmt.Errorf("secrets: parameter %q not found", name)
		}
		if v == "" {
			return "", fmt.Errorf("secrets: parameter %q: %w", name, ErrEmpty)
		}
		return v, nil
	}
}
