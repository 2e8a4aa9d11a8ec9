package backoff

import (
	"context"
	"testing"
	"time"
)

// TestDelay: given a base and an attempt, then the pause lies in
// [d/2, d] for d = base doubled per attempt after the first, capped.
func TestDelay(t *testing.T) {
	cases := []struct {
		scenario          string
		attempt, maxShift int
		d                 time.Duration
	}{
		{"the first retry waits about the base", 1, 5, 20 * time.Millisecond},
		{"the third retry, doubled twice", 3, 5, 80 * time.Millisecond},
		{"far retries stop growing at the cap", 12, 5, 640 * time.Millisecond},
		{"an attempt of 0 counts as the first", 0, 5, 20 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			for range 200 {
				if got := Delay(20*time.Millisecond, c.attempt, c.maxShift); got < c.d/2 || got > c.d {
					t.Fatalf("Delay = %v, want within [%v, %v]", got, c.d/2, c.d)
				}
			}
		})
	}
}

// TestSleepEndsWithItsContext: given a cancelled context, then Sleep
// returns its error at once instead of waiting.
func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("Sleep = %v", err)
	}
}
