package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// ssmStandIn is an HTTP server speaking SSM's JSON 1.1 GetParameters (SSM
// has no local emulator): it checks each request is signed for SSM in the
// configured region and answers with status and body from answer.
func ssmStandIn(t *testing.T, answer func(n int32, names []string) (int, any)) (*SSM, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		auth := r.Header.Get("Authorization")
		if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameters" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
			!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/sa-east-1/ssm/aws4_request") ||
			!strings.Contains(auth, "x-amz-target") || r.Header.Get("X-Amz-Date") == "" || r.Header.Get("X-Amz-Security-Token") != "tok" {
			t.Errorf("request not shaped as SSM's: %s %v", r.Method, r.Header)
		}
		var in struct {
			Names          []string
			WithDecryption bool
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !in.WithDecryption {
			t.Errorf("body: %+v, %v", in, err)
		}
		status, body := answer(n, in.Names)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "sa-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "tok"), HTTPClient: srv.Client()}
	return NewSSM(cfg), &calls
}

func TestSSM_GivenParameters_WhenRead_ThenOneSignedCallAndTheirValues(t *testing.T) {
	c, calls := ssmStandIn(t, func(_ int32, names []string) (int, any) {
		return 200, map[string]any{
			"Parameters":        []map[string]string{{"Name": "/a", "Value": "1", "ARN": "arn:aws:ssm:sa-east-1:1:parameter/a"}, {"Name": "/b", "Selector": ":2", "Value": "2"}},
			"InvalidParameters": []string{"/c"},
		}
	})
	get, err := Prefetch(context.Background(), c, "/a", "/b:2", "/c")
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Fatalf("%d calls, want 1", calls.Load())
	}
	for name, want := range map[string]string{"/a": "1", "/b:2": "2"} {
		if v, err := get(context.Background(), name); err != nil || v != want {
			t.Errorf("%s: %q, %v", name, v, err)
		}
	}
	if _, err := get(context.Background(), "/c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("/c: %v, want ErrNotFound", err)
	}
}

func TestSSM_GivenRefusals_WhenRead_ThenRetriedOnlyWhenWorthIt(t *testing.T) {
	ok := map[string]any{"Parameters": []map[string]string{{"Name": "/a", "Value": "1"}}}
	throttled := map[string]string{"__type": "ThrottlingException", "message": "slow down"}
	tests := []struct {
		name      string
		answer    func(n int32, _ []string) (int, any)
		wantCalls int32
		wantCode  string // "" when it succeeds
	}{
		{"given throttling once, when read, then the second attempt answers", func(n int32, _ []string) (int, any) {
			if n == 1 {
				return 400, throttled
			}
			return 200, ok
		}, 2, ""},
		{"given server errors, when read, then three attempts and the error", func(int32, []string) (int, any) {
			return 500, map[string]string{"__type": "InternalServerError", "message": "boom"}
		}, 3, "InternalServerError"},
		{"given access denied, when read, then one attempt and the error", func(int32, []string) (int, any) {
			return 400, map[string]string{"__type": "com.amazon.coral.service#AccessDeniedException", "Message": "no"}
		}, 1, "AccessDeniedException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, calls := ssmStandIn(t, tc.answer)
			_, err := c.GetParameters(context.Background(), &GetParametersInput{Names: []string{"/a"}, WithDecryption: true})
			var se *SSMError
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantCode != "" && (!errors.As(err, &se) || se.Code != tc.wantCode):
				t.Fatalf("error %v, want code %s", err, tc.wantCode)
			}
			if calls.Load() != tc.wantCalls {
				t.Fatalf("%d calls, want %d", calls.Load(), tc.wantCalls)
			}
		})
	}
}

func TestNewSSM_GivenNoEndpoint_WhenBuilt_ThenTheRegionsPublicOne(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_SSM", "")
	for region, want := range map[string]string{"sa-east-1": "https://ssm.sa-east-1.amazonaws.com/", "cn-north-1": "https://ssm.cn-north-1.amazonaws.com.cn/"} {
		if got := NewSSM(aws.Config{Region: region}).client.Endpoint; got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}
