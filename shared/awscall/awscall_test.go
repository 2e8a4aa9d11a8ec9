package awscall

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

// standIn answers JSON 1.1 calls after checking each is signed for svc in
// sa-east-1 and names op; answer gives the n-th call's status and body.
func standIn(t *testing.T, svc Service, op string, answer func(n int32, in map[string]any) (int, any)) (*Client, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		auth := r.Header.Get("Authorization")
		if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != svc.TargetPrefix+"."+op ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
			!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(auth, "/sa-east-1/"+svc.SigningName+"/aws4_request") ||
			!strings.Contains(auth, "x-amz-target") || r.Header.Get("X-Amz-Date") == "" || r.Header.Get("X-Amz-Security-Token") != "tok" {
			t.Errorf("request not shaped as %s's: %s %v", svc.Name, r.Method, r.Header)
		}
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			t.Errorf("body: %v", err)
		}
		status, body := answer(n, in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "sa-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "tok"), HTTPClient: srv.Client()}
	return New(cfg, svc), &calls
}

func TestCall_GivenEachService_WhenCalled_ThenOneSignedRequestAndTheAnswerDecoded(t *testing.T) {
	for _, svc := range []Service{SSM, EventBridge, Comprehend} {
		t.Run(svc.Name, func(t *testing.T) {
			c, calls := standIn(t, svc, "Op", func(_ int32, in map[string]any) (int, any) {
				if in["A"] != "x" {
					t.Errorf("body %v", in)
				}
				return 200, map[string]string{"B": "y"}
			})
			var out struct{ B string }
			if err := c.Call(context.Background(), "Op", map[string]string{"A": "x"}, &out); err != nil || out.B != "y" {
				t.Fatalf("%+v, %v", out, err)
			}
			if calls.Load() != 1 {
				t.Fatalf("%d calls", calls.Load())
			}
		})
	}
}

func TestCall_GivenRefusals_WhenCalled_ThenRetriedOnlyWhenWorthIt(t *testing.T) {
	throttled := map[string]string{"__type": "ThrottlingException", "message": "slow down"}
	tests := []struct {
		name      string
		answer    func(n int32, _ map[string]any) (int, any)
		wantCalls int32
		wantCode  string // "" when it succeeds
	}{
		{"given throttling once, when called, then the second attempt answers", func(n int32, _ map[string]any) (int, any) {
			if n == 1 {
				return 400, throttled
			}
			return 200, map[string]any{}
		}, 2, ""},
		{"given server errors, when called, then three attempts and the error", func(int32, map[string]any) (int, any) {
			return 500, map[string]string{"__type": "InternalServerError", "message": "boom"}
		}, 3, "InternalServerError"},
		{"given access denied, when called, then one attempt and the error", func(int32, map[string]any) (int, any) {
			return 400, map[string]string{"__type": "com.amazon.coral.service#AccessDeniedException", "Message": "no"}
		}, 1, "AccessDeniedException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, calls := standIn(t, EventBridge, "PutEvents", tc.answer)
			var out struct{}
			err := c.Call(context.Background(), "PutEvents", struct{}{}, &out)
			var ae *Error
			switch {
			case tc.wantCode == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantCode != "" && (!errors.As(err, &ae) || ae.Code != tc.wantCode || ae.Service != "eventbridge"):
				t.Fatalf("error %v, want code %s", err, tc.wantCode)
			}
			if calls.Load() != tc.wantCalls {
				t.Fatalf("%d calls, want %d", calls.Load(), tc.wantCalls)
			}
		})
	}
}

func TestNew_GivenEndpointSettings_WhenBuilt_ThenTheSDKsOrder(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", "")
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")
	for region, want := range map[string]string{"sa-east-1": "https://events.sa-east-1.amazonaws.com/", "cn-north-1": "https://events.cn-north-1.amazonaws.com.cn/"} {
		if got := New(aws.Config{Region: region}, EventBridge).Endpoint; got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
	if got := New(aws.Config{Region: "sa-east-1", BaseEndpoint: aws.String("http://base:1")}, EventBridge).Endpoint; got != "http://base:1/" {
		t.Errorf("base endpoint: %s", got)
	}
	t.Setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", "http://own:2")
	if got := New(aws.Config{Region: "sa-east-1", BaseEndpoint: aws.String("http://base:1")}, EventBridge).Endpoint; got != "http://own:2/" {
		t.Errorf("service endpoint: %s", got)
	}
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
	if got := New(aws.Config{Region: "sa-east-1"}, EventBridge).Endpoint; got != "https://events.sa-east-1.amazonaws.com/" {
		t.Errorf("service endpoint although ignored: %s", got)
	}
}
