package contract

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestSyntaxLoopsMatchTheirExpressions: isID, isSource and isE164 replaced
// regular expressions to spare their compilation at cold start; given
// random and edge strings, when checked both ways, then they agree.
func TestSyntaxLoopsMatchTheirExpressions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		re    *regexp.Regexp
		check func(string) bool
		alpha string
	}{
		{"id", regexp.MustCompile(`^[A-Za-z0-9._:@+\-]{1,64}$`), isID, "aZ09._:@+-#/ \x00é"},
		{"source", regexp.MustCompile(`^[\x21-\x7e]{1,256}$`), isSource, "a~!/ \x7f\x20\x21\t\nçé"},
		{"e164", regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`), isE164, "+0123456789 -x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			alpha := []rune(tc.alpha)
			var edges []string
			for _, n := range []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 257} {
				edges = append(edges, strings.Repeat("1", n), "+"+strings.Repeat("5", n), "+1"+strings.Repeat("2", n), strings.Repeat("a", n)+"\n")
			}
			agreed := 0
			for i := range 60000 + len(edges) {
				var s string
				if i < len(edges) {
					s = edges[i]
				} else {
					var sb strings.Builder
					for range r.IntN(270) {
						sb.WriteRune(alpha[r.IntN(len(alpha))])
					}
					s = sb.String()
					switch r.IntN(4) { // bias towards the short and the valid-looking
					case 0:
						s = s[:min(len(s), r.IntN(20))]
					case 1:
						s = "+" + randomDigits(r, 6+r.IntN(12))
					}
				}
				if got, want := tc.check(s), tc.re.MatchString(s); got != want {
					t.Fatalf("%q: loop says %v, expression %v", s, got, want)
				}
				if tc.re.MatchString(s) {
					agreed++
				}
			}
			if agreed < 50 {
				t.Fatalf("only %d valid inputs tried; the comparison proves little", agreed)
			}
		})
	}
}

func randomDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}
