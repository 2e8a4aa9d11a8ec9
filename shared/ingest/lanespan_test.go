package ingest

import (
	"reflect"
	"testing"
	"time"

	"github.com/customercloud/home/shared/interactionz"
)

// TestLaneSpans: given a write's debits, when their spans are taken, then
// each lane spans from its first window's start to its last window's end,
// one span per lane, in lane order.
func TestLaneSpans(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	debit := func(l interactionz.Lane, start time.Time) Debit {
		return Debit{Lane: l, Window: interactionz.Window{Start: start, End: start.Add(day)}}
	}
	cases := []struct {
		name   string
		debits []Debit
		want   []LaneSpan
	}{
		{"none", nil, nil},
		{"one", []Debit{debit(interactionz.LaneHuman, t0)},
			[]LaneSpan{{interactionz.LaneHuman, t0, t0.Add(day)}}},
		{"two windows of a lane", []Debit{debit(interactionz.LaneBot, t0), debit(interactionz.LaneBot, t0.Add(day))},
			[]LaneSpan{{interactionz.LaneBot, t0, t0.Add(2 * day)}}},
		{"lanes sorted", []Debit{debit(interactionz.LaneHuman, t0), debit(interactionz.LaneBot, t0.Add(time.Hour)), debit(interactionz.LaneHuman, t0.Add(day))},
			[]LaneSpan{{interactionz.LaneBot, t0.Add(time.Hour), t0.Add(time.Hour + day)}, {interactionz.LaneHuman, t0, t0.Add(2 * day)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := LaneSpans(c.debits); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("LaneSpans = %v, want %v", got, c.want)
			}
		})
	}
}
