package contract

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIListsEveryType: given the API document (docs/openapi.yaml),
// when its EventType enum is read, then it lists exactly Types, in order:
// a new event type is declared here and documented there, and this test
// says which one is missing.
func TestOpenAPIListsEveryType(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^    EventType:\n      enum: \[([^\]]*)\]`).FindSubmatch(b)
	if m == nil {
		t.Fatal("docs/openapi.yaml has no EventType enum")
	}
	var got []string
	for _, s := range strings.Split(string(m[1]), ",") {
		got = append(got, strings.TrimSpace(s))
	}
	var want []string
	for _, ty := range Types {
		want = append(want, string(ty))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("EventType enum %v, want event.Types %v", got, want)
	}
}
