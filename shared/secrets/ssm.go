package secrets

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/customercloud/home/shared/awscall"
)

// GetParametersInput is SSM GetParameters' request: up to ten names (bare,
// name:selector or ARN) and whether SecureStrings are decrypted.
type GetParametersInput struct {
	Names          []string
	WithDecryption bool
}

// Parameter is one parameter SSM returned: the bare name, the selector it
// was asked with (":3", ":label"), its ARN and its value.
type Parameter struct {
	Name, Selector, ARN, Value string
}

// GetParametersOutput is SSM GetParameters' answer: what it found, and the
// names it does not have or may not be read.
type GetParametersOutput struct {
	Parameters        []Parameter
	InvalidParameters []string
}

// SSMError is an error SSM answered with: its HTTP status, its error type
// (e.g. "AccessDeniedException", "ThrottlingException") and message.
type SSMError = awscall.Error

// SSM is the one SSM operation the functions use, GetParameters, made by
// awscall without the SDK's SSM client package: that package's init builds
// the schemas of all of SSM's operations (1.4 MB in about 7,900
// allocations, 1–3 ms at every cold start of the webhook, measured by
// BenchmarkColdStart) for the one call it makes once per cold start. The
// request is SSM's documented JSON 1.1 protocol; the endpoint is
// AWS_ENDPOINT_URL_SSM, else the configuration's base endpoint
// (AWS_ENDPOINT_URL), else the region's public one; throttling, server and
// network errors are retried, three attempts in all.
type SSM struct {
	client *awscall.Client
}

// NewSSM returns the SSM GetParameters caller for cfg.
func NewSSM(cfg aws.Config) *SSM {
	return &SSM{client: awscall.New(cfg, awscall.SSM)}
}

// GetParameters calls SSM GetParameters, retrying throttling, server and
// network errors up to three attempts in all; an SSM refusal is an
// *SSMError.
func (c *SSM) GetParameters(ctx context.Context, in *GetParametersInput) (*GetParametersOutput, error) {
	req := struct {
		Names          []string
		WithDecryption bool
	}{in.Names, in.WithDecryption}
	var out struct {
		Parameters []struct {
			Name, Selector, ARN, Value string
		}
		InvalidParameters []string
	}
	if err := c.client.Call(ctx, "GetParameters", req, &out); err != nil {
		return nil, err
	}
	res := &GetParametersOutput{InvalidParameters: out.InvalidParameters}
	for _, p := range out.Parameters {
		res.Parameters = append(res.Parameters, Parameter(p))
	}
	return res, nil
}
