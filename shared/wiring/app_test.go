package wiring

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// TestLogsCarryTheLambdaRequestID: given a Lambda context, when a handler
// logs with it, then the JSON line carries the invocation's request id.
func TestLogsCarryTheLambdaRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(requestIDs{slog.NewJSONHandler(&buf, nil)}).With("function", "debit")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
	log.InfoContext(ctx, "hello", "n", 1)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["awsRequestId"] != "req-123" || line["function"] != "debit" {
		t.Fatalf("got %v", line)
	}
}
