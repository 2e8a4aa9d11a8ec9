package sentiment

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode"
)

func classify(t *testing.T, text string) Label {
	t.Helper()
	got, err := Offline{}.Classify(context.Background(), text)
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	return got
}

func TestOffline_Scenarios(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Label
	}{
		{"given plain praise in Portuguese when classified then positive", "gostei", Positive},
		{"given 'não gostei' when classified then the negation makes it negative", "não gostei", Negative},
		{"given 'nao gostei' typed without accents when classified then negative", "nao gostei", Negative},
		{"given shouting in capitals when classified then same as lowercase", "NÃO GOSTEI", Negative},
		{"given 'no me gustó' when classified then negative", "no me gustó", Negative},
		{"given 'not good' when classified then negative", "not good", Negative},
		{"given 'not bad at all' when classified then mildly positive", "not bad at all", Positive},
		{"given a negator three words back when classified then it still reaches", "não estou nada satisfeita", Negative},
		{"given a negated expectation verb when classified then a complaint", "o pedido não chegou", Negative},
		{"given the same verb unnegated when classified then neutral", "o pedido chegou", Neutral},
		{"given 'doesn't work' when classified then negative", "it doesn't work", Negative},
		{"given Portuguese 'no' meaning 'in the' when classified then not a negation", "chegou no prazo, gostei muito", Positive},
		{"given Spanish 'sin' before an unrelated word when classified then its scope ends there", "¿En cuántas cuotas sin interés puedo pagar?", Neutral},
		{"given 'never been so well treated' when classified then a superlative, not a denial", "nunca fui tão bem atendido", Positive},
		{"given a thank-you when classified then positive", "Obrigada!", Positive},
		{"given a question when classified then neutral", "Qual o prazo de entrega para Recife?", Neutral},
		{"given a greeting that contains 'bom' when classified then neutral", "Bom dia", Neutral},
		{"given an order number when classified then neutral", "pedido 48213", Neutral},
		{"given a mixed message with a softened complaint when classified then neutral", "o produto é bom, mas a entrega demorou um pouco", Neutral},
		{"given a complaint then a happy ending after 'but' when classified then positive", "demorou, mas chegou perfeito", Positive},
		{"given only a heart emoji with its variation selector when classified then positive", "❤️", Positive},
		{"given a thumbs up with a skin tone when classified then positive", "👍🏽👍🏽", Positive},
		{"given an angry emoji when classified then negative", "😡", Negative},
		{"given an eye roll after a neutral fact when classified then negative", "de novo sem sinal 🙄", Negative},
		{"given an ASCII smiley when classified then positive", "chegou :)", Positive},
		{"given an ASCII frown when classified then negative", "ainda nada :(", Negative},
		{"given a lengthened word when classified then read as the word", "muuuuito boooom", Positive},
		{"given English slang when classified then negative", "internet down again smh", Negative},
		{"given empty text when classified then neutral", "", Neutral},
		{"given only blanks and punctuation when classified then neutral", "  ?!  ", Neutral},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(t, tc.text); got != tc.want {
				t.Fatalf("Classify(%q) = %s (score %.2f), want %s", tc.text, got, score(tc.text), tc.want)
			}
		})
	}
}

func TestOffline_GivenModifiers_WhenScored_ThenTheyScaleTheWord(t *testing.T) {
	tests := []struct {
		name           string
		weaker, strong string
	}{
		{"given 'muito' before praise then stronger", "bom", "muito bom"},
		{"given 'demais' after praise then stronger", "top", "top demais"},
		{"given Spanish 're' before praise then stronger", "bien", "re bien"},
		{"given 'very' before praise then stronger", "good", "very good"},
		{"given exclamation marks then stronger", "great", "great!!!"},
		{"given 'super' before a complaint then more negative", "-grosso", "-super grosso"},
		{"given 'a bit' after a complaint then less negative", "-slow", "-a bit slow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			magnitude := func(s string) float64 {
				v := score(strings.TrimPrefix(s, "-"))
				if strings.HasPrefix(s, "-") {
					return -v
				}
				return v
			}
			w, s := magnitude(tc.weaker), magnitude(tc.strong)
			if tc.name == "given 'a bit' after a complaint then less negative" {
				w, s = s, w
			}
			if !(s > w && w > 0) {
				t.Fatalf("score(%q) = %.2f, score(%q) = %.2f: want the second stronger, both of the same sign",
					tc.weaker, score(strings.TrimPrefix(tc.weaker, "-")), tc.strong, score(strings.TrimPrefix(tc.strong, "-")))
			}
		})
	}
}

func TestOffline_GivenCancelledContext_WhenClassifying_ThenItReturnsTheContextError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Offline{}.Classify(ctx, "secret customer text")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatal("the error quotes the message text")
	}
}

func TestOffline_GivenConcurrentCallers_WhenClassifying_ThenResultsAgree(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := classify(t, "não gostei, péssimo 😡"); got != Negative {
					t.Errorf("got %s under concurrency", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestLexicon_GivenEveryKey_WhenNormalized_ThenItIsUnchanged guards the data
// file: a key with an accent, a capital or punctuation would never match,
// because the classifier only ever sees normalized tokens.
func TestLexicon_GivenEveryKey_WhenNormalized_ThenItIsUnchanged(t *testing.T) {
	check := func(table, key string) {
		r := []rune(key)[0]
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return // emoji
		}
		bare := strings.TrimSuffix(key, "*")
		if got := strings.Join(tokenize(normalize(bare)), " "); got != bare {
			t.Errorf("%s key %q tokenizes to %q; write it normalized", table, key, got)
		}
		if strings.HasSuffix(key, "*") && len(bare) < 3 {
			t.Errorf("%s stem %q is too short to be safe", table, key)
		}
	}
	for k := range lexicon {
		check("lexicon", k)
	}
	for k := range languageCues {
		check("languageCues", k)
	}
	for k, e := range lexicon {
		if e.langs != "" {
			for _, l := range strings.Fields(e.langs) {
				if l != "pt" && l != "es" && l != "en" {
					t.Errorf("lexicon key %q restricted to unknown language %q", k, l)
				}
			}
		}
	}
}

func TestDetectLanguage_Scenarios(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"given Portuguese with accents then pt", "Não recebi meu pedido até agora", "pt"},
		{"given Portuguese chat without accents then pt", "vc pode me mandar o boleto?", "pt"},
		{"given Spanish with inverted question mark then es", "¿Dónde está mi pedido?", "es"},
		{"given Spanish without accents then es", "hola, ya pague y no me llego nada", "es"},
		{"given English then en", "Where is my order? It's been a week", "en"},
		{"given English slang then en", "thx, it works now", "en"},
		{"given no cue at all then the platform default pt", "ok", "pt"},
		{"given empty text then pt", "", "pt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DetectLanguage(tc.text); got != tc.want {
				t.Fatalf("DetectLanguage(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

var labelSink Label

func BenchmarkOfflineClassify(b *testing.B) {
	ctx := context.Background()
	text := "Meu pedido tá atrasado há 10 dias e ninguém me responde, muito decepcionada 😞"
	b.ReportAllocs()
	for b.Loop() {
		labelSink, _ = Offline{}.Classify(ctx, text)
	}
}
