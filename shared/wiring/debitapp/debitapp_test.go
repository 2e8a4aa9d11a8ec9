package debitapp

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestConfigErrors: given a missing setting, when a handler is built, then
// the error names it.
func TestConfigErrors(t *testing.T) {
	get := func(string) string { return "" }
	if _, err := New(context.Background(), get, slog.Default()); err == nil || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Fatalf("got %v", err)
	}
	bad := func(k string) string {
		if k == "SENTIMENT_PROVIDER" {
			return "magic"
		}
		return ""
	}
	if _, err := Classifier(context.Background(), bad); err == nil {
		t.Fatal("then an unknown provider is refused")
	}
}
