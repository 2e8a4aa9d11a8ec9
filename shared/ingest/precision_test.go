package ingest

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/interactionz"
)

// TestWindowEdgesAtSubMillisecondTimes is a property over event times with
// sub-millisecond parts: given a window opened at t0 (any nanosecond) and a
// second event of the lane at t0+24h+delta (delta within ±1.5 ms, any
// nanosecond, 0 and ±1 ns included), when both go through the contract's
// encoding and decoding and the state is stored between them (its JSON, as
// the store keeps it), then the second event is free exactly when it is
// before the window's end (delta < 0) and debits otherwise, and the stored
// window starts at t0 to the nanosecond.
func TestWindowEdgesAtSubMillisecondTimes(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2))
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	now := base.Add(72 * time.Hour)
	deltas := []time.Duration{0, -1, 1, -400 * time.Microsecond, 400 * time.Microsecond, -999_999, 999_999, -1_000_001}
	for range 2000 {
		deltas = append(deltas, time.Duration(r.Int64N(3_000_001))-1_500_000)
	}
	for i, delta := range deltas {
		t0 := base.Add(time.Duration(r.Int64N(int64(time.Hour))))
		if i%3 == 0 {
			t0 = t0.Truncate(time.Millisecond).Add(time.Millisecond - time.Duration(1+r.IntN(1000))) // just under a ms edge
		}
		t1 := t0.Add(interactionz.WindowLength + delta)
		var s ContactState
		first := s.Apply(decoded(t, rcv("a", t0, "bot")), Context{Loc: sp, Now: now})
		s = stored(t, s)
		second := s.Apply(decoded(t, rcv("b", t1, "bot")), Context{Loc: sp, Now: now})
		wantDebit := delta >= 0
		if first.Outcome != interactionz.Debit || (second.Outcome == interactionz.Debit) != wantDebit {
			t.Fatalf("t0 %s, t1 = t0+24h%+v: outcomes %v then %v, want a debit then debit=%v",
				t0.Format(time.RFC3339Nano), delta, first.Outcome, second.Outcome, wantDebit)
		}
		if w, _ := s.CurrentWindow(interactionz.LaneBot); wantDebit && !w.Start.Equal(t1) || !wantDebit && !w.Start.Equal(t0) {
			t.Fatalf("t0 %s, delta %v: current window starts %s", t0.Format(time.RFC3339Nano), delta, w.Start.Format(time.RFC3339Nano))
		}
	}
}

// decoded is e after the contract's encoding and decoding, the way the
// consumer receives it.
func decoded(t *testing.T, e contract.Event) contract.Event {
	t.Helper()
	body, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := contract.Decode(body, e.Time.Add(time.Minute))
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if !out.Time.Equal(e.Time) {
		t.Fatalf("decoded time %v, sent %v", out.Time, e.Time)
	}
	return out
}

// stored is s after a round trip through its stored form.
func stored(t *testing.T, s ContactState) ContactState {
	t.Helper()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out ContactState
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStoredWindowsOfOlderStates: given a state stored before windows kept
// sub-millisecond parts (start in whole milliseconds), when it is read, then
// its window is where it was.
func TestStoredWindowsOfOlderStates(t *testing.T) {
	var s ContactState
	if err := json.Unmarshal([]byte(`{"w":[{"l":"bot","s":1763000000123,"d":20400}]}`), &s); err != nil {
		t.Fatal(err)
	}
	w, _ := s.CurrentWindow(interactionz.LaneBot)
	if got, want := w.Start, time.UnixMilli(1763000000123).UTC(); !got.Equal(want) {
		t.Fatalf("window starts %v, want %v", got, want)
	}
}
