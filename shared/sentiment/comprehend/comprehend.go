// Package comprehend classifies customer messages with Amazon Comprehend's
// DetectSentiment, for deployments that choose an AI service over the
// built-in sentiment.Offline classifier. It is the only package of the
// sentiment feature that imports the AWS SDK, so domain code depends on
// sentiment.Classifier and never on AWS.
package comprehend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/customercloud/home/shared/awscall"
	"github.com/customercloud/home/shared/sentiment"
)

// MaxTextBytes is the largest text DetectSentiment accepts (5 KB of UTF-8).
// Longer messages are cut at a rune boundary below it rather than rejected:
// the opening of a customer message carries its sentiment.
const MaxTextBytes = 5000

// ErrUnexpectedSentiment reports a Sentiment value this adapter does not know,
// which would mean Comprehend added one; callers can count it apart from
// transport errors.
var ErrUnexpectedSentiment = errors.New("comprehend: unexpected sentiment")

// SentimentType is Comprehend's verdict.
type SentimentType string

// The verdicts DetectSentiment answers with.
const (
	SentimentTypePositive SentimentType = "POSITIVE"
	SentimentTypeNegative SentimentType = "NEGATIVE"
	SentimentTypeNeutral  SentimentType = "NEUTRAL"
	SentimentTypeMixed    SentimentType = "MIXED"
)

// LanguageCode is the language Comprehend is told the text is in.
type LanguageCode string

// The languages the platform serves.
const (
	LanguageCodePt LanguageCode = "pt"
	LanguageCodeEs LanguageCode = "es"
	LanguageCodeEn LanguageCode = "en"
)

// DetectSentimentInput is DetectSentiment's request.
type DetectSentimentInput struct {
	LanguageCode LanguageCode
	Text         string
}

// DetectSentimentOutput is the part of DetectSentiment's answer used.
type DetectSentimentOutput struct {
	Sentiment SentimentType
}

// DetectSentimentAPI is the one Comprehend operation the adapter needs.
// *API makes it in AWS; tests pass a fake, since there is no Comprehend
// emulator.
type DetectSentimentAPI interface {
	DetectSentiment(ctx context.Context, in *DetectSentimentInput) (*DetectSentimentOutput, error)
}

// API is DetectSentimentAPI in AWS: Comprehend's DetectSentiment made by
// awscall (signed JSON 1.1, three attempts for throttling and server
// errors, as the SDK's standard retryer) rather than by the SDK's
// Comprehend client, whose package init built its endpoint tables and
// schemas at every cold start of the debit, for this one operation.
type API struct {
	client *awscall.Client
}

var _ DetectSentimentAPI = (*API)(nil)

// NewAPI returns the DetectSentiment caller for cfg (endpoint
// AWS_ENDPOINT_URL_COMPREHEND, else AWS_ENDPOINT_URL, else the region's).
func NewAPI(cfg aws.Config) *API {
	return &API{client: awscall.New(cfg, awscall.Comprehend)}
}

// DetectSentiment calls Comprehend's DetectSentiment.
func (a *API) DetectSentiment(ctx context.Context, in *DetectSentimentInput) (*DetectSentimentOutput, error) {
	req := struct {
		LanguageCode LanguageCode
		Text         string
	}{in.LanguageCode, in.Text}
	var out DetectSentimentOutput
	if err := a.client.Call(ctx, "DetectSentiment", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Classifier implements sentiment.Classifier with Amazon Comprehend. It is
// safe for concurrent use if api is, as *API is.
type Classifier struct {
	api DetectSentimentAPI
}

var _ sentiment.Classifier = (*Classifier)(nil)

// New returns a Classifier that calls api, typically NewAPI(cfg).
func New(api DetectSentimentAPI) *Classifier {
	return &Classifier{api: api}
}

// Classify asks Comprehend for the sentiment of text in the language
// sentiment.DetectLanguage guesses (Comprehend requires one up front), and
// maps POSITIVE, NEUTRAL and NEGATIVE to the matching Label and MIXED to
// Neutral, as the satisfaction metric counts mixed feelings as neither praise
// nor complaint. Blank text is Neutral without a call, since Comprehend
// rejects it. Errors wrap the call's error and never quote the text.
func (c *Classifier) Classify(ctx context.Context, text string) (sentiment.Label, error) {
	if strings.TrimSpace(text) == "" {
		return sentiment.Neutral, nil
	}
	text = truncate(text, MaxTextBytes)
	lang := languageCode(sentiment.DetectLanguage(text))
	out, err := c.api.DetectSentiment(ctx, &DetectSentimentInput{LanguageCode: lang, Text: text})
	if err != nil {
		return "", fmt.Errorf("comprehend: detect sentiment (%s, %d bytes): %w", lang, len(text), err)
	}
	return labelOf(out.Sentiment)
}

// labelOf maps Comprehend's verdict onto the three labels.
func labelOf(s SentimentType) (sentiment.Label, error) {
	switch s {
	case SentimentTypePositive:
		return sentiment.Positive, nil
	case SentimentTypeNegative:
		return sentiment.Negative, nil
	case SentimentTypeNeutral, SentimentTypeMixed:
		return sentiment.Neutral, nil
	default:
		return "", fmt.Errorf("%w: %q", ErrUnexpectedSentiment, s)
	}
}

// languageCode turns DetectLanguage's answer into Comprehend's code. It is
// total: anything unexpected falls back to Portuguese, the platform's main
// language, rather than failing the message.
func languageCode(lang string) LanguageCode {
	switch lang {
	case "es":
		return LanguageCodeEs
	case "en":
		return LanguageCodeEn
	default:
		return LanguageCodePt
	}
}

// truncate cuts s to at most max bytes without splitting a UTF-8 sequence.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
