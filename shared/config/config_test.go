package config

import (
	"testing"
	"time"
)

// TestCheckNamesEveryFailedRuleInOrder: given a Config with two problems
// and one field that is fine, when checked, then the error names the two,
// in the order given, after the package; with no problem, nil.
func TestCheckNamesEveryFailedRuleInOrder(t *testing.T) {
	err := Check("debit", Required("Store", false), Required("Log", true), NotNegative("Parallel", -2))

	want := "debit: Store is required\ndebit: Parallel -2 is negative"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if err := Check("debit", Required("Store", true), NotNegative("Lease", time.Duration(0))); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

// TestClockDefaultsToTimeNow: given no clock, when defaulted, then the wall
// clock; given one, that one.
func TestClockDefaultsToTimeNow(t *testing.T) {
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	if got := Clock(func() time.Time { return fixed })(); !got.Equal(fixed) {
		t.Fatalf("got %v, want the given clock's %v", got, fixed)
	}
	before := time.Now()
	if got := Clock(nil)(); got.Before(before) {
		t.Fatalf("got %v, want the wall clock, not before %v", got, before)
	}
}
