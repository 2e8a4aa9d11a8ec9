package sqscfg

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestEndpoint: given SQS_ENDPOINT set or not, when the client is built,
// then it talks to that endpoint, or to AWS's.
func TestEndpoint(t *testing.T) {
	for _, endpoint := range []string{"", "http://127.0.0.1:9324"} {
		t.Run("SQS_ENDPOINT="+endpoint, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "SQS_ENDPOINT" {
					return endpoint
				}
				return ""
			}
			if got := aws.ToString(New(aws.Config{Region: "us-east-1"}, getenv).Options().BaseEndpoint); got != endpoint {
				t.Fatalf("BaseEndpoint = %q, want %q", got, endpoint)
			}
		})
	}
}
