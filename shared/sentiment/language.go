package sentiment

import (
	"slices"
	"strings"
)

// DetectLanguage guesses whether a short customer message is Portuguese
// ("pt"), Spanish ("es") or English ("en"), the three languages the platform
// serves. It is cheap and offline, for callers that must name the language
// up front (Amazon Comprehend's DetectSentiment requires a LanguageCode) and
// for the Offline classifier's few language-dependent words ("no" negates in
// Spanish and English but means "in the" in Portuguese).
//
// It counts frequent function words and chat abbreviations of each language,
// plus spelling cues (ã, õ, ç, nh, lh and -ção for Portuguese; ñ, ¿, ¡ and
// -ción for Spanish; w, th, sh, -ing and -ly for English). Text with no cue at all, such as "ok" or an order number, is
// reported as "pt", the platform's main language.
func DetectLanguage(text string) string {
	return detectTokens(text, tokenize(normalize(text)))
}

// detectTokens is DetectLanguage for text already tokenized, so the Offline
// classifier does not normalize twice.
func detectTokens(text string, tokens []string) string {
	var pt, es, en float64
	for _, tok := range tokens {
		if i, ok := slices.BinarySearch(cueWords, tok); ok {
			langs := cueLangs[i]
			n := float64(strings.Count(langs, " ") + 1)
			// A word shared by two languages counts half for each.
			if strings.Contains(langs, "pt") {
				pt += 1 / n
			}
			if strings.Contains(langs, "es") {
				es += 1 / n
			}
			if strings.Contains(langs, "en") {
				en += 1 / n
			}
		}
		switch {
		case strings.HasSuffix(tok, "cao") || strings.HasSuffix(tok, "coes"):
			pt++
		case strings.HasSuffix(tok, "cion") || strings.HasSuffix(tok, "ciones"):
			es++
		}
		if strings.Contains(tok, "nh") || strings.Contains(tok, "lh") {
			pt += 0.5
		}
		// Spellings Portuguese and Spanish hardly use.
		if strings.Contains(tok, "w") || strings.Contains(tok, "th") || strings.Contains(tok, "sh") ||
			(len(tok) > 4 && (strings.HasSuffix(tok, "ing") || strings.HasSuffix(tok, "ly"))) {
			en += 0.5
		}
	}
	for _, r := range text {
		switch r {
		case 'ã', 'õ', 'ç', 'Ã', 'Õ', 'Ç', 'ê', 'ô', 'â', 'à':
			pt++
		case 'ñ', 'Ñ', '¿', '¡':
			es++
		}
	}
	switch {
	case pt >= es && pt >= en:
		return "pt"
	case es >= en:
		return "es"
	default:
		return "en"
	}
}
