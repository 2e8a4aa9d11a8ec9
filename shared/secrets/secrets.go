// Package secrets reads secret configuration values by name. In AWS the
// functions get only the *names* of SSM parameters in their environment (the
// templates hold names, never values), and resolve them once at cold start
// through SSM. A Secrets Manager secret is read through the same call by
// naming it "/aws/reference/secretsmanager/<secret-id>", so one getter serves
// both stores and the functions need only ssm:GetParameter (plus
// secretsmanager:GetSecretValue for that reference form).
//
// Values returned here are secrets: callers must never log them, and errors
// produced here name the parameter, never its value.
package secrets

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Getter resolves a secret by its parameter name. It is the shape
// webhook.ConfigFromEnv and any other function config take, so tests and the
// local runner can supply values without AWS.
type Getter func(ctx context.Context, name string) (string, error)

// SSMAPI is the part of the SSM client the getter uses; *ssm.Client has it.
type SSMAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// ErrEmpty reports a parameter that exists but holds no value, which for a
// secret is always a deployment mistake worth failing the cold start on.
var ErrEmpty = errors.New("secret parameter is empty")

// FromSSM returns a Getter that reads SecureString (and plain String)
// parameters with decryption. It does not cache: callers resolve their
// secrets once at construction time.
func FromSSM(api SSMAPI) (Getter, error) {
	if api == nil {
		return nil, errors.New("secrets: FromSSM needs an SSM client")
	}
	return func(ctx context.Context, name string) (string, error) {
		if name == "" {
			return "", errors.New("secrets: empty parameter name")
		}
		out, err := api.GetParameter(ctx, &ssm.GetParameterInput{
			Name:           aws.String(name),
			WithDecryption: aws.Bool(true),
		})
		if err != nil {
			return "", fmt.Errorf("secrets: get parameter %q: %w", name, err)
		}
		if out == nil || out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
			return "", fmt.Errorf("secrets: parameter %q: %w", name, ErrEmpty)
		}
		return aws.ToString(out.Parameter.Value), nil
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
