package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/customercloud/home/shared/backoff"
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
type SSMError struct {
	Status  int
	Code    string
	Message string
}

func (e *SSMError) Error() string {
	return fmt.Sprintf("ssm: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// retryable reports whether SSM's answer is worth another attempt:
// throttling and server errors are; anything else (access denied, bad
// request) fails the same way again.
func (e *SSMError) retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || strings.Contains(e.Code, "Throttling")
}

// ssmAttempts and ssmBackoff bound SSM's retries at cold start: three
// attempts, as the SDK's standard retryer makes, paused by backoff's rule.
const (
	ssmAttempts = 3
	ssmBackoff  = 50 * time.Millisecond
)

// SSM is the one SSM operation the functions use, GetParameters, made with
// the AWS SDK's configuration, HTTP client and SigV4 signer but without its
// SSM client package: that package's init builds the schemas of all of
// SSM's operations (1.4 MB in about 7,900 allocations, 1–3 ms at every cold
// start of the webhook, measured by BenchmarkColdStart) for the one call it
// makes once per cold start. The request is SSM's documented JSON 1.1
// protocol; the endpoint is AWS_ENDPOINT_URL_SSM, else the configuration's
// base endpoint (AWS_ENDPOINT_URL), else the region's public one.
type SSM struct {
	cfg      aws.Config
	endpoint string
	signer   *v4.Signer
	now      func() time.Time
}

// NewSSM returns the SSM GetParameters caller for cfg.
func NewSSM(cfg aws.Config) *SSM {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_SSM")
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	if endpoint == "" {
		suffix := "amazonaws.com"
		if strings.HasPrefix(cfg.Region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		endpoint = "https://ssm." + cfg.Region + "." + suffix
	}
	return &SSM{cfg: cfg, endpoint: strings.TrimSuffix(endpoint, "/") + "/", signer: v4.NewSigner(), now: time.Now}
}

// GetParameters calls SSM GetParameters, retrying throttling, server and
// network errors up to three attempts in all; an SSM refusal is an
// *SSMError.
func (c *SSM) GetParameters(ctx context.Context, in *GetParametersInput) (*GetParametersOutput, error) {
	if c.cfg.Region == "" {
		return nil, errors.New("ssm: no region configured")
	}
	body, err := json.Marshal(struct {
		Names          []string
		WithDecryption bool
	}{in.Names, in.WithDecryption})
	if err != nil {
		return nil, fmt.Errorf("ssm: %w", err)
	}
	var last error
	for attempt := 1; attempt <= ssmAttempts; attempt++ {
		if attempt > 1 {
			if err := backoff.Sleep(ctx, backoff.Delay(ssmBackoff, attempt-1, 3)); err != nil {
				return nil, fmt.Errorf("ssm: %w (after %v)", err, last)
			}
		}
		out, err := c.call(ctx, body)
		if err == nil {
			return out, nil
		}
		last = err
		var se *SSMError
		if errors.As(err, &se) && !se.retryable() {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, err
		}
	}
	return nil, last
}

// call makes one signed GetParameters request.
func (c *SSM) call(ctx context.Context, body []byte) (*GetParametersOutput, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("ssm: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameters")
	if c.cfg.Credentials == nil {
		return nil, errors.New("ssm: no credentials configured")
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("ssm: credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", c.cfg.Region, c.now()); err != nil {
		return nil, fmt.Errorf("ssm: sign: %w", err)
	}
	client := c.cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ssm: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("ssm: read answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Type     string `json:"__type"`
			Message  string `json:"message"`
			MessageU string `json:"Message"`
		}
		_ = json.Unmarshal(raw, &e)
		code := e.Type
		if i := strings.LastIndexByte(code, '#'); i >= 0 { // "com.amazon...#AccessDeniedException"
			code = code[i+1:]
		}
		if code == "" {
			code = http.StatusText(res.StatusCode)
		}
		return nil, &SSMError{Status: res.StatusCode, Code: code, Message: e.Message + e.MessageU}
	}
	var out struct {
		Parameters []struct {
			Name, Selector, ARN, Value string
		}
		InvalidParameters []string
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("ssm: decode answer: %w", err)
	}
	res2 := &GetParametersOutput{InvalidParameters: out.InvalidParameters}
	for _, p := range out.Parameters {
		res2.Parameters = append(res2.Parameters, Parameter(p))
	}
	return res2, nil
}
