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
	awscomprehend "github.com/aws/aws-sdk-go-v2/service/comprehend"
	"github.com/aws/aws-sdk-go-v2/service/comprehend/types"

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

// DetectSentimentAPI is the one Comprehend operation the adapter needs.
// *comprehend.Client satisfies it; tests pass a fake, since there is no
// Comprehend emulator.
type DetectSentimentAPI interface {
	DetectSentiment(ctx context.Context, params *awscomprehend.DetectSentimentInput, optFns ...func(*awscomprehend.Options)) (*awscomprehend.DetectSentimentOutput, error)
}

// The SDK client is what production passes to New.
var _ DetectSentimentAPI = (*awscomprehend.Client)(nil)

// Classifier implements sentiment.Classifier with Amazon Comprehend. It is
// safe for concurrent use if api is, as *comprehend.Client is.
type Classifier struct {
	api DetectSentimentAPI
}

var _ sentiment.Classifier = (*Classifier)(nil)

// New returns a Classifier that calls api, typically
// comprehend.NewFromConfig(cfg).
func New(api DetectSentimentAPI) *Classifier {
	return &Classifier{api: api}
}

// Classify asks Comprehend for the sentiment of text in the language
// sentiment.DetectLanguage guesses (Comprehend requires one up front), and
// maps POSITIVE, NEUTRAL and NEGATIVE to the matching Label and MIXED to
// Neutral, as the satisfaction metric counts mixed feelings as neither praise
// nor complaint. Blank text is Neutral without a call, since Comprehend
// rejects it. Errors wrap the SDK's error and never quote the text.
func (c *Classifier) Classify(ctx context.Context, text string) (sentiment.Label, error) {
	if strings.TrimSpace(text) == "" {
		return sentiment.Neutral, nil
	}
	text = truncate(text, MaxTextBytes)
	lang := languageCode(sentiment.DetectLanguage(text))
	out, err := c.api.DetectSentiment(ctx, &awscomprehend.DetectSentimentInput{
		LanguageCode: lang,
		Text:         aws.String(text),
	})
	if err != nil {
		return "", fmt.Errorf("comprehend: detect sentiment (%s, %d bytes): %w", lang, len(text), err)
	}
	return labelOf(out.Sentiment)
}

// labelOf maps Comprehend's verdict onto the three labels.
func labelOf(s types.SentimentType) (sentiment.Label, error) {
	switch s {
	case types.SentimentTypePositive:
		return sentiment.Positive, nil
	case types.SentimentTypeNegative:
		return sentiment.Negative, nil
	case types.SentimentTypeNeutral, types.SentimentTypeMixed:
		return sentiment.Neutral, nil
	default:
		return "", fmt.Errorf("%w: %q", ErrUnexpectedSentiment, s)
	}
}

// languageCode turns DetectLanguage's answer into Comprehend's code. It is
// total: anything unexpected falls back to Portuguese, the platform's main
// language, rather than failing the message.
func languageCode(lang string) types.LanguageCode {
	switch lang {
	case "es":
		return types.LanguageCodeEs
	case "en":
		return types.LanguageCodeEn
	default:
		return types.LanguageCodePt
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
