package sentiment

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// normalize lowercases text and removes accents (NFD, then drops combining
// marks) so that "Não", "nao" and "NÃO" are one token: customers type
// without accents as often as with them, and one lexicon entry then covers
// every spelling. Variation selectors on emoji are combining marks too, so
// "❤️" and "❤" become the same token.
func normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range norm.NFD.String(text) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// apostrophes removes apostrophes inside words, so English contractions
// ("didn't", "it’s") become single tokens ("didnt", "its") the lexicon lists.
var apostrophes = strings.NewReplacer("'", "", "’", "")

// boundaryToken stands for punctuation that ends a clause. Negation and
// intensifiers do not reach across it: in "não, adorei" the "não" answers a
// question and does not negate "adorei".
const boundaryToken = ","

// tokenize splits normalized text into words, emoji and clause boundaries
// without knowing the language: a word is a run of letters and digits
// (apostrophes inside it are dropped, so "didn't" is "didnt"), each emoji is
// a token of its own, and . , ; : ! ? and line breaks become boundaryToken.
// Letters repeated three or more times ("muuuito", "sooo") are squeezed to
// the form the lexicon knows.
func tokenize(normalized string) []string {
	tokens := make([]string, 0, 16)
	start := -1
	flush := func(end int) {
		if start >= 0 {
			tokens = append(tokens, squeeze(apostrophes.Replace(normalized[start:end])))
			start = -1
		}
	}
	boundary := func() {
		if n := len(tokens); n > 0 && tokens[n-1] != boundaryToken {
			tokens = append(tokens, boundaryToken)
		}
	}
	for i, r := range normalized {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
		case (r == '\'' || r == '’') && start >= 0:
			// Keep going: the apostrophe is inside a word.
		case strings.ContainsRune(".,;:!?¿¡\n", r):
			flush(i)
			boundary()
		case unicode.Is(unicode.So, r):
			flush(i)
			tokens = append(tokens, string(r))
		default:
			// Spaces, other punctuation, emoji modifiers and joiners.
			flush(i)
		}
	}
	flush(len(normalized))
	return tokens
}

// squeeze turns expressive lengthening into a dictionary form: runs of three
// or more equal letters become two ("goood" → "good") when the lexicon knows
// that form, and otherwise one ("muuuito" → "muito"). Tokens without such a
// run are returned unchanged and without allocating.
func squeeze(tok string) string {
	if !hasRun(tok) {
		return tok
	}
	two, one := squeezeTo(tok, 2), squeezeTo(tok, 1)
	if known(two) {
		return two
	}
	if known(one) {
		return one
	}
	return two
}

func hasRun(s string) bool {
	for i := 2; i < len(s); i++ {
		if s[i] == s[i-1] && s[i] == s[i-2] {
			return true
		}
	}
	return false
}

// squeezeTo keeps at most max consecutive copies of each byte. Only ASCII
// letters repeat in practice; multi-byte runes are copied as they are.
func squeezeTo(s string, max int) string {
	b := make([]byte, 0, len(s))
	run := 0
	for i := 0; i < len(s); i++ {
		if i > 0 && s[i] == s[i-1] && s[i] < 0x80 {
			run++
		} else {
			run = 1
		}
		if run <= max {
			b = append(b, s[i])
		}
	}
	return string(b)
}
