// Package lambdaapi calls the Lambda Invoke API that `sam local
// start-lambda` serves: how the local event source (infra/cmd/lambdafeed)
// and the sam local tests run a function in its container.
package lambdaapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// New is a client for the Lambda API at endpoint (http://127.0.0.1:3002).
func New(endpoint string) *Client {
	return &Client{endpoint: endpoint, client: &http.Client{Timeout: 2 * time.Minute}}
}

// Client calls the Lambda Invoke API (RequestResponse).
type Client struct {
	endpoint string
	client   *http.Client
}

// ErrFunction is a function error: the invocation ran and the function
// failed (X-Amz-Function-Error), as opposed to a failed call.
var ErrFunction = errors.New("function error")

// Invoke calls function with in and decodes its response into out (nil:
// ignored). A function error (X-Amz-Function-Error) wraps ErrFunction.
func (l *Client) Invoke(ctx context.Context, function string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", function, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.endpoint+"/2015-03-31/functions/"+function+"/invocations", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("invoke %s: %w", function, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", function, err)
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(io.LimitReader(resp.Body, 6<<20))
	if err != nil {
		return fmt.Errorf("invoke %s: %w", function, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("invoke %s: HTTP %d: %.200s", function, resp.StatusCode, payload)
	}
	if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		return fmt.Errorf("invoke %s: %w (%s): %.200s", function, ErrFunction, fe, payload)
	}
	if out != nil {
		if err := json.Unmarshal(payload, out); err != nil {
			return fmt.Errorf("invoke %s: response: %w", function, err)
		}
	}
	return nil
}
