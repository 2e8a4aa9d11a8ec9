// Package sentiment classifies short customer messages (WhatsApp, webchat)
// as positive, neutral or negative for the Home page's satisfaction metric.
//
// The metric must work with no network and no AI service configured, so the
// default is Offline, a deterministic lexicon classifier for Brazilian
// Portuguese, Spanish and English. The comprehend subpackage adapts Amazon
// Comprehend to the same Classifier interface for deployments that want it;
// domain code depends only on this package and never on the AWS SDK.
//
// Message text is personal data: nothing in this package logs it, and errors
// never quote it.
package sentiment

import "context"

// Label is the sentiment of one customer message. Its values are the keys the
// satisfaction metric counts under, so they are stable strings.
type Label string

// The three labels. A message with mixed feelings, or none (a question, a
// greeting, an order number), is Neutral: the satisfaction index counts only
// clear praise and clear complaint.
const (
	Positive Label = "positive"
	Neutral  Label = "neutral"
	Negative Label = "negative"
)

// Classifier labels one customer message. Implementations must be safe for
// concurrent use, since the debit handler classifies a batch's messages in
// parallel (package debit), and must not log the text.
type Classifier interface {
	Classify(ctx context.Context, text string) (Label, error)
}
