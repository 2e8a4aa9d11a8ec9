package comprehend

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/customercloud/home/shared/sentiment"
)

// fakeAPI records the request and answers with a fixed sentiment or error.
// A fake is the only option here: there is no Comprehend emulator.
type fakeAPI struct {
	answer SentimentType
	err    error
	calls  []*DetectSentimentInput
}

func (f *fakeAPI) DetectSentiment(_ context.Context, in *DetectSentimentInput) (*DetectSentimentOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return &DetectSentimentOutput{Sentiment: f.answer}, nil
}

func TestClassify_GivenComprehendVerdict_WhenMapped_ThenLabel(t *testing.T) {
	tests := []struct {
		name   string
		answer SentimentType
		want   sentiment.Label
	}{
		{"given POSITIVE then positive", SentimentTypePositive, sentiment.Positive},
		{"given NEGATIVE then negative", SentimentTypeNegative, sentiment.Negative},
		{"given NEUTRAL then neutral", SentimentTypeNeutral, sentiment.Neutral},
		{"given MIXED then neutral, neither praise nor complaint", SentimentTypeMixed, sentiment.Neutral},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New(&fakeAPI{answer: tc.answer})
			got, err := c.Classify(context.Background(), "Chegou certinho, obrigada")
			if err != nil {
				t.Fatalf("Classify: %v", err)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestClassify_GivenUnknownVerdict_WhenMapped_ThenErrUnexpectedSentiment(t *testing.T) {
	c := New(&fakeAPI{answer: SentimentType("EUPHORIC")})
	_, err := c.Classify(context.Background(), "hello")
	if !errors.Is(err, ErrUnexpectedSentiment) {
		t.Fatalf("err = %v, want ErrUnexpectedSentiment", err)
	}
}

func TestClassify_GivenMessageLanguage_WhenCalling_ThenLanguageCodeAndTextAreSent(t *testing.T) {
	tests := []struct {
		name string
		text string
		want LanguageCode
	}{
		{"given Portuguese then pt", "Não recebi meu pedido, que descaso", LanguageCodePt},
		{"given Spanish then es", "¿Dónde está mi pedido? Ya pasó una semana", LanguageCodeEs},
		{"given English then en", "Where is my order? It's been a week", LanguageCodeEn},
		{"given no language cue then the platform default pt", "ok", LanguageCodePt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{answer: SentimentTypeNeutral}
			if _, err := New(api).Classify(context.Background(), tc.text); err != nil {
				t.Fatalf("Classify: %v", err)
			}
			if len(api.calls) != 1 {
				t.Fatalf("%d calls, want 1", len(api.calls))
			}
			if got := api.calls[0].LanguageCode; got != tc.want {
				t.Errorf("LanguageCode = %q, want %q", got, tc.want)
			}
			if got := api.calls[0].Text; got != tc.text {
				t.Errorf("Text = %q, want the message unchanged", got)
			}
		})
	}
}

func TestClassify_GivenBlankText_WhenClassified_ThenNeutralWithoutCallingComprehend(t *testing.T) {
	api := &fakeAPI{err: errors.New("must not be called")}
	for _, text := range []string{"", "   ", "\n\t"} {
		got, err := New(api).Classify(context.Background(), text)
		if err != nil || got != sentiment.Neutral {
			t.Fatalf("Classify(%q) = %s, %v; want neutral, nil", text, got, err)
		}
	}
	if len(api.calls) != 0 {
		t.Fatalf("Comprehend was called %d times for blank text", len(api.calls))
	}
}

func TestClassify_GivenTextOverTheLimit_WhenCalling_ThenCutAtARuneBoundary(t *testing.T) {
	api := &fakeAPI{answer: SentimentTypePositive}
	long := strings.Repeat("ã", MaxTextBytes) // 2 bytes each: twice the limit
	if _, err := New(api).Classify(context.Background(), long); err != nil {
		t.Fatalf("Classify: %v", err)
	}
	sent := api.calls[0].Text
	if len(sent) > MaxTextBytes || !utf8.ValidString(sent) || !strings.HasPrefix(long, sent) {
		t.Fatalf("sent %d bytes (valid UTF-8: %v); want a valid prefix of at most %d", len(sent), utf8.ValidString(sent), MaxTextBytes)
	}
	if len(sent) < MaxTextBytes-utf8.UTFMax {
		t.Fatalf("sent only %d bytes; the cut should be just under the limit", len(sent))
	}
}

func TestClassify_GivenComprehendFails_WhenClassifying_ThenTheErrorIsWrappedWithoutTheText(t *testing.T) {
	cause := errors.New("ThrottlingException: rate exceeded")
	_, err := New(&fakeAPI{err: cause}).Classify(context.Background(), "meu cpf é 123.456.789-00")
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v, want it to wrap the SDK error", err)
	}
	if strings.Contains(err.Error(), "123.456") {
		t.Fatalf("error %q quotes the customer's text", err)
	}
}

func TestAPI_GivenAText_WhenDetected_ThenOneSignedDetectSentimentAndItsVerdict(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		auth := r.Header.Get("Authorization")
		if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "Comprehend_20171127.DetectSentiment" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || !strings.Contains(auth, "/sa-east-1/comprehend/aws4_request") {
			t.Errorf("request not shaped as DetectSentiment: %s %v", r.Method, r.Header)
		}
		var in map[string]string
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in["LanguageCode"] != "es" || in["Text"] != "¿Dónde está mi pedido?" || len(in) != 2 {
			t.Errorf("body %v, %v", in, err)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"Sentiment":"NEGATIVE","SentimentScore":{"Negative":0.9,"Positive":0.01,"Neutral":0.08,"Mixed":0.01}}`)
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "sa-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "tok"), HTTPClient: srv.Client()}
	got, err := New(NewAPI(cfg)).Classify(context.Background(), "¿Dónde está mi pedido?")
	if err != nil || got != sentiment.Negative || calls != 1 {
		t.Fatalf("%s, %v after %d calls; want negative after 1", got, err, calls)
	}
}
