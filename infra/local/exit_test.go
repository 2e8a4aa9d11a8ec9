package local

import (
	"bytes"
	"errors"
	"testing"
)

// TestExit: given a command's outcome, when it exits, then a success is 0
// and silent, and a failure is 1 with the error after the command's name.
func TestExit(t *testing.T) {
	var out bytes.Buffer
	if code := exit(&out, "seed", nil); code != 0 || out.Len() != 0 {
		t.Fatalf("success: %d %q", code, out.String())
	}
	if code := exit(&out, "seed", errors.New("no stack")); code != 1 || out.String() != "seed: no stack\n" {
		t.Fatalf("failure: %d %q", code, out.String())
	}
}
