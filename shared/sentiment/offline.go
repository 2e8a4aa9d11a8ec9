package sentiment

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Offline is the default Classifier: a deterministic lexicon classifier for
// short pt-BR, Spanish and English customer messages that needs no network,
// no model file and no credentials, so the satisfaction metric works in every
// environment, including tests and local runs. The zero value is ready to use
// and safe for concurrent use.
//
// It normalizes the text (lowercase, accents removed), splits it into words,
// emoji and clause boundaries, matches phrases before words, and sums the
// polarity of what it knows: a negator up to three tokens before a word flips
// it ("não gostei", "no me gustó", "not good"), intensifiers and diminishers
// next to it scale it ("muito bom", "re bien", "a bit slow"), and
// exclamation marks strengthen the total. A total within ±threshold, which is
// what mixed feelings and plain questions add up to, is Neutral.
type Offline struct{}

var _ Classifier = Offline{}

// Classify labels text. It fails only when ctx is already done, so a debit
// batch whose context ends stops promptly; empty text is Neutral.
func (Offline) Classify(ctx context.Context, text string) (Label, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("sentiment: offline classify: %w", err)
	}
	return labelOf(score(text)), nil
}

// threshold is the smallest total that counts as an opinion. One clear word
// (±1) passes it; a weak hint (±0.5, ±0.75) alone does not, nor does a
// clear word halved by a following "but", nor mixed messages whose parts
// cancel out.
const threshold = 0.8

// negationFactor scales a negated word that has no explicit negated weight:
// "not good" is less negative than "bad" is (the VADER heuristic).
const negationFactor = -0.8

// negationWindow is how many tokens before a word a negator still reaches,
// enough for "não estou nada satisfeita" and "didn't really like".
const negationWindow = 3

// modifierWindow is how far an intensifier reaches ("muito muito bom").
const modifierWindow = 2

func labelOf(total float64) Label {
	switch {
	case total >= threshold:
		return Positive
	case total <= -threshold:
		return Negative
	default:
		return Neutral
	}
}

// entry is one lexicon item: a polarity, a role that shapes its
// neighbours' polarity, or both.
type entry struct {
	value    float64 // polarity: + praise, - complaint
	negated  float64 // polarity when negated; 0 means negationFactor*value
	negator  bool    // flips the polarity of words after it
	narrow   bool    // a negator that reaches only the next word ("sem", "without")
	boundary bool    // ends the clause for negators and modifiers
	contrast bool    // a "but": what follows weighs more than what precedes
	pre      float64 // multiplies the polarity of the words after it
	post     float64 // multiplies the polarity of the words before it
	langs    string  // if set, the entry applies only in these languages
}

func (e entry) negatedValue() float64 {
	if e.negated != 0 {
		return e.negated
	}
	return negationFactor * e.value
}

func (e entry) appliesTo(lang string) bool {
	return e.langs == "" || strings.Contains(e.langs, lang)
}

// index is the lexicon split by key form for lookup: sorted keys searched
// by binary search, each with its entry at the same position. It is
// generated from lexicon (lexicon_index.go, by `go generate`) as slice
// literals of constants, which the linker lays out as data: the functions
// pay no package init for the lexicon, where a map would be built at every
// cold start. TestLexiconIndexIsGenerated holds it to lexicon.
type index struct {
	words         []string
	wordEntries   []entry
	stems         []string
	stemEntries   []entry
	stemLens      []int // distinct stem lengths, longest first
	phrases       []string
	phraseEntries []entry
	starts        []string // first words of phrases, to skip joins
}

//go:generate go test -run ^TestLexiconIndexIsGenerated$ -update-lexicon-index .

// lookup finds a single token: an exact word first, then the longest stem.
func (ix *index) lookup(tok string) (entry, bool) {
	if i, ok := slices.BinarySearch(ix.words, tok); ok {
		return ix.wordEntries[i], true
	}
	for _, n := range ix.stemLens {
		if len(tok) >= n {
			if i, ok := slices.BinarySearch(ix.stems, tok[:n]); ok {
				return ix.stemEntries[i], true
			}
		}
	}
	return entry{}, false
}

// phrase finds a phrase of two or three words joined by single spaces.
func (ix *index) phrase(key string) (entry, bool) {
	if i, ok := slices.BinarySearch(ix.phrases, key); ok {
		return ix.phraseEntries[i], true
	}
	return entry{}, false
}

// startsPhrase reports whether some phrase begins with the word tok.
func (ix *index) startsPhrase(tok string) bool {
	_, ok := slices.BinarySearch(ix.starts, tok)
	return ok
}

// known reports whether the lexicon has tok as a word or stem; squeeze uses
// it to pick the spelling of a lengthened word.
func known(tok string) bool {
	_, ok := lex.lookup(tok)
	return ok
}

// unit is a token or matched phrase with its lexicon entry, if any.
type unit struct {
	key      string
	e        entry
	found    bool
	boundary bool
	symbol   bool // emoji: never negated or scaled
}

// units matches phrases (three tokens, then two) before single tokens, never
// across a clause boundary, and drops entries that do not apply to lang.
func units(tokens []string, lang string) []unit {
	out := make([]unit, 0, len(tokens))
	for i := 0; i < len(tokens); {
		if tokens[i] == boundaryToken {
			out = append(out, unit{key: boundaryToken, boundary: true})
			i++
			continue
		}
		matched := false
		for n := 3; n >= 2 && !matched && lex.startsPhrase(tokens[i]); n-- {
			if i+n > len(tokens) || slices.Contains(tokens[i:i+n], boundaryToken) {
				continue
			}
			key := strings.Join(tokens[i:i+n], " ")
			if e, ok := lex.phrase(key); ok && e.appliesTo(lang) {
				out = append(out, unit{key: key, e: e, found: true, boundary: e.boundary})
				i += n
				matched = true
			}
		}
		if matched {
			continue
		}
		u := unit{key: tokens[i]}
		r, _ := utf8.DecodeRuneInString(tokens[i])
		u.symbol = !unicode.IsLetter(r) && !unicode.IsDigit(r)
		if e, ok := lex.lookup(tokens[i]); ok && e.appliesTo(lang) {
			u.e, u.found, u.boundary = e, true, e.boundary
		}
		out = append(out, u)
		i++
	}
	return out
}

// superlativeNegator: these negators with an intensifier after them praise rather than
// deny: "nunca fui tão bem atendido", "never been treated so well".
func superlativeNegator(key string) bool {
	switch key {
	case "nunca", "never", "jamais", "jamas":
		return true
	}
	return false
}

// negated reports whether a negator in the same clause, at most
// negationWindow units before us[i], reaches it.
func negated(us []unit, i int) bool {
	intensified := false
	for j := i - 1; j >= 0 && j >= i-negationWindow; j-- {
		u := us[j]
		if u.boundary {
			return false
		}
		if u.e.pre > 1 {
			intensified = true
		}
		if u.e.negator {
			if u.e.narrow && j != i-1 {
				return false
			}
			return !(intensified && superlativeNegator(u.key))
		}
	}
	return false
}

// scale is the product of the modifiers around us[i] in its clause.
func scale(us []unit, i int) float64 {
	m := 1.0
	for j := i - 1; j >= 0 && j >= i-modifierWindow && !us[j].boundary; j-- {
		if us[j].e.pre != 0 {
			m *= us[j].e.pre
		}
	}
	for j := i + 1; j < len(us) && j <= i+modifierWindow && !us[j].boundary; j++ {
		if us[j].e.post != 0 {
			m *= us[j].e.post
		}
	}
	return m
}

// Contrast weights: in "bom produto, mas a entrega atrasou" the clause after
// "mas"/"pero"/"but" carries the customer's verdict (the VADER heuristic).
const (
	beforeContrast = 0.5
	afterContrast  = 1.5
)

// score is the signed polarity total of text; labelOf turns it into a Label.
func score(text string) float64 {
	normalized := normalize(text)
	tokens := tokenize(normalized)
	us := units(tokens, detectTokens(text, tokens))
	firstContrast := slices.IndexFunc(us, func(u unit) bool { return u.e.contrast })
	total := 0.0
	for i, u := range us {
		weight := 1.0
		switch {
		case firstContrast < 0:
		case i < firstContrast:
			weight = beforeContrast
		case i > firstContrast:
			weight = afterContrast
		}
		if !u.found || (u.e.value == 0 && u.e.negated == 0) {
			continue
		}
		if u.symbol {
			total += weight * u.e.value
			continue
		}
		v := u.e.value
		if !u.e.negator && negated(us, i) {
			v = u.e.negatedValue()
		}
		total += weight * v * scale(us, i)
	}
	for _, f := range emoticons {
		total += f.value * float64(strings.Count(text, f.face))
	}
	if n := strings.Count(text, "!"); n > 0 {
		total *= 1 + 0.1*float64(min(n, 3))
	}
	return total
}

// emoticons are ASCII faces counted on the raw text, because tokenize drops
// the punctuation they are made of. A slice of constants, not a map: no
// init work.
var emoticons = []struct {
	face  string
	value float64
}{
	{":)", 1}, {":-)", 1}, {":D", 1.5}, {":-D", 1.5}, {";)", 1}, {"=)", 1}, {"<3", 2},
	{":(", -1.5}, {":-(", -1.5}, {":'(", -1.5}, {"=(", -1.5},
}
