// Package backoff is the one pause rule of the project's own retries (SQS
// sends, DynamoDB transaction conflicts): exponential with half of each
// pause random, so callers that failed together do not retry in step and
// meet again.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Delay is the pause before retry number attempt (from 1): base, doubled for
// each later attempt up to base<<maxShift; half fixed, half random.
func Delay(base time.Duration, attempt, maxShift int) time.Duration {
	d := base << min(max(attempt-1, 0), maxShift)
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d, or returns ctx's error if ctx ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
