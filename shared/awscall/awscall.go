// Package awscall makes single AWS API calls in the AWS JSON protocols
// (JSON 1.1: SSM, EventBridge, Comprehend; JSON 1.0: SQS, package sqscall,
// and the webhook's one DynamoDB read, package store/accountmap)
// with the AWS SDK's configuration, HTTP
// client and SigV4 signer but without the SDK's service client packages:
// each of those builds, at package init, the schemas of all its service's
// operations and its endpoint tables (EventBridge's 0.43 MB in about 2,600
// allocations, SSM's 1.4 MB), paid at every cold start of every function
// that links it, for the one operation a function calls. One owner for the
// signing, the endpoint and the retries of these calls.
package awscall

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

// Error is an error the service answered with: its HTTP status, its error
// type (e.g. "AccessDeniedException", "ThrottlingException") and message.
type Error struct {
	Service string // the client's name, e.g. "ssm"
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d): %s", e.Service, e.Code, e.Status, e.Message)
}

// Retryable reports whether the answer is worth another attempt:
// throttling and server errors are; anything else (access denied, bad
// request) fails the same way again.
func (e *Error) Retryable() bool {
	// "Throttling", "ThrottlingException", SQS's "RequestThrottled",
	// DynamoDB's "ProvisionedThroughputExceededException".
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || strings.Contains(e.Code, "Throttl") ||
		strings.Contains(e.Code, "ProvisionedThroughputExceeded") || e.Code == "RequestLimitExceeded"
}

// Attempts and Backoff bound the retries: three attempts, as the SDK's
// standard retryer makes, paused by backoff's rule.
const (
	Attempts = 3
	Backoff  = 50 * time.Millisecond
)

// maxAnswer bounds the answer read (the calls made answer a few KB).
const maxAnswer = 1 << 20

// Service names one AWS service for Client: the name errors are prefixed
// with, the endpoint's host prefix, the SigV4 signing name, the JSON
// target prefix, the SDK's service identifier for AWS_ENDPOINT_URL_<ID>,
// and the JSON protocol's version ("1.0" or, when empty, "1.1").
type Service struct {
	Name, EndpointPrefix, SigningName, TargetPrefix, EnvID string
	JSONVersion                                            string
}

// The services the functions call.
var (
	SSM         = Service{Name: "ssm", EndpointPrefix: "ssm", SigningName: "ssm", TargetPrefix: "AmazonSSM", EnvID: "SSM"}
	EventBridge = Service{Name: "eventbridge", EndpointPrefix: "events", SigningName: "events", TargetPrefix: "AWSEvents", EnvID: "EVENTBRIDGE"}
	Comprehend  = Service{Name: "comprehend", EndpointPrefix: "comprehend", SigningName: "comprehend", TargetPrefix: "Comprehend_20171127", EnvID: "COMPREHEND"}
	SQS         = Service{Name: "sqs", EndpointPrefix: "sqs", SigningName: "sqs", TargetPrefix: "AmazonSQS", EnvID: "SQS", JSONVersion: "1.0"}
	DynamoDB    = Service{Name: "dynamodb", EndpointPrefix: "dynamodb", SigningName: "dynamodb", TargetPrefix: "DynamoDB_20120810", EnvID: "DYNAMODB", JSONVersion: "1.0"}
)

// Client calls one service's operations. It is safe for concurrent use.
type Client struct {
	svc      Service
	cfg      aws.Config
	Endpoint string // with a trailing slash
	signer   *v4.Signer
	now      func() time.Time
}

// New returns a Client for svc with cfg. The endpoint is
// AWS_ENDPOINT_URL_<EnvID> (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is
// true), else the configuration's base endpoint (AWS_ENDPOINT_URL), else
// the region's public one, as the SDK resolves it for these services.
func New(cfg aws.Config, svc Service) *Client {
	var endpoint string
	if !strings.EqualFold(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_" + svc.EnvID)
	}
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	if endpoint == "" {
		suffix := "amazonaws.com"
		if strings.HasPrefix(cfg.Region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		endpoint = "https://" + svc.EndpointPrefix + "." + cfg.Region + "." + suffix
	}
	return &Client{svc: svc, cfg: cfg, Endpoint: strings.TrimSuffix(endpoint, "/") + "/", signer: v4.NewSigner(), now: time.Now}
}

// Call makes operation op with in as its JSON body and decodes the answer
// into out (nil, or an empty answer, decodes nothing), retrying throttling, server and network errors up to Attempts
// in all; a refusal is an *Error.
func (c *Client) Call(ctx context.Context, op string, in, out any) error {
	if c.cfg.Region == "" {
		return fmt.Errorf("%s: no region configured", c.svc.Name)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: %w", c.svc.Name, err)
	}
	var last error
	for attempt := 1; attempt <= Attempts; attempt++ {
		if attempt > 1 {
			if err := backoff.Sleep(ctx, backoff.Delay(Backoff, attempt-1, 3)); err != nil {
				return fmt.Errorf("%s: %w (after %w)", c.svc.Name, err, last)
			}
		}
		err := c.once(ctx, op, body, out)
		if err == nil {
			return nil
		}
		last = err
		var ae *Error
		if errors.As(err, &ae) && !ae.Retryable() {
			return err
		}
		if ctx.Err() != nil {
			return err
		}
	}
	return last
}

// once makes one signed request.
func (c *Client) once(ctx context.Context, op string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", c.svc.Name, err)
	}
	version := c.svc.JSONVersion
	if version == "" {
		version = "1.1"
	}
	req.Header.Set("Content-Type", "application/x-amz-json-"+version)
	req.Header.Set("X-Amz-Target", c.svc.TargetPrefix+"."+op)
	if c.cfg.Credentials == nil {
		return fmt.Errorf("%s: no credentials configured", c.svc.Name)
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%s: credentials: %w", c.svc.Name, err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.svc.SigningName, c.cfg.Region, c.now()); err != nil {
		return fmt.Errorf("%s: sign: %w", c.svc.Name, err)
	}
	client := c.cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", c.svc.Name, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", c.svc.Name, err)
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
		return &Error{Service: c.svc.Name, Status: res.StatusCode, Code: code, Message: e.Message + e.MessageU}
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", c.svc.Name, err)
	}
	return nil
}
