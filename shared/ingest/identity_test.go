package ingest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
)

// spillStore plays the spill items: identities by event day.
type spillStore map[int32]IDSet

func (s spillStore) put(bs []IDs) {
	for _, b := range bs {
		if s[b.Day] == nil {
			s[b.Day] = IDSet{}
		}
		s[b.Day].AddHashes(b.Hashes)
	}
}

// write applies a run as the debit handler does: to a copy of the stored
// state, then spilling what was pending in the stored one.
func write(t *testing.T, stored ContactState, sp spillStore, run []contract.Event, now time.Time) (ContactState, []bool) {
	t.Helper()
	var known IDSet
	for _, e := range run {
		if d, ok := stored.NeedsSpilled(e); ok {
			if known == nil {
				known = IDSet{}
			}
			for id := range sp[d] {
				known[id] = struct{}{}
			}
		}
	}
	next := stored.Clone()
	dups := make([]bool, len(run))
	for i, e := range run {
		dups[i] = next.Apply(e, Context{Loc: sp0, Now: now, Spilled: known}).Duplicate
	}
	raw, _ := json.Marshal(next)
	next.SpillFrom(&stored, len(raw)/2) // about what flate makes of it
	sp.put(next.Spill)
	next.Spill = nil
	return next, dups
}

var sp0 = time.UTC

// TestStateStaysBoundedAtAnyRate: given a contact at 1,000 and at 10,000
// events a day for 30 days, written ten events at a time, when every
// event's identity must stay known for 14 days, then the identities kept in
// the state never pass MaxPending plus one write's events, the state's JSON
// stays under 4 KB, and each event resent 14 days later is a duplicate.
func TestStateStaysBoundedAtAnyRate(t *testing.T) {
	for _, perDay := range []int{1000, 10000} {
		t.Run(fmt.Sprintf("%d a day", perDay), func(t *testing.T) {
			t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
			step := 24 * time.Hour / time.Duration(perDay)
			var s ContactState
			sp := spillStore{}
			var first []contract.Event
			for i := 0; i < perDay*30; i += 10 {
				var run []contract.Event
				for k := i; k < i+10; k++ {
					run = append(run, rcv(fmt.Sprintf("e%d", k), t0.Add(time.Duration(k)*step), "bot"))
				}
				if i < 20 {
					first = append(first, run...)
				}
				now := run[len(run)-1].Time.Add(time.Second)
				s, _ = write(t, s, sp, run, now)
				if s.PendingLen() > MaxPending+10 {
					t.Fatalf("after %d events: %d identities pending", i+10, s.PendingLen())
				}
				if i == 14*perDay {
					// 14 days later the producer resends the first events.
					_, dups := write(t, s, sp, first, now)
					for k, d := range dups {
						if !d {
							t.Fatalf("event %s resent 14 days later was applied again", first[k].ID)
						}
					}
				}
			}
			raw, _ := json.Marshal(s)
			if len(raw) > 4096 {
				t.Fatalf("state JSON is %d bytes", len(raw))
			}
		})
	}
}

// TestLateEventPath: given identities spilled, when an event after the
// latest spilled time arrives, no spill item is needed; when a late event
// arrives, its day's items are needed, and with them a resend is a
// duplicate while a new late event is applied.
func TestLateEventPath(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var s ContactState
	sp := spillStore{}
	var evs []contract.Event
	for k := 0; k < 3*MaxPending; k++ {
		evs = append(evs, rcv(fmt.Sprintf("e%d", k), t0.Add(time.Duration(k)*time.Minute), "bot"))
	}
	for k := 0; k < len(evs); k += 4 {
		s, _ = write(t, s, sp, evs[k:k+4], evs[k+3].Time)
	}
	if s.SpilledMax == 0 {
		t.Fatal("nothing was spilled")
	}
	if _, ok := s.NeedsSpilled(rcv("new", t0.Add(10*24*time.Hour), "bot")); ok {
		t.Fatal("an event after every spilled one needs the spill items")
	}
	old := evs[3]
	day, ok := s.NeedsSpilled(old)
	if !ok || day != EventDay(old.Time) {
		t.Fatalf("a resend of a spilled event: needs = %v, day %d", ok, day)
	}
	_, dups := write(t, s, sp, []contract.Event{old, rcv("late", old.Time, "bot")}, t0.Add(48*time.Hour))
	if !dups[0] || dups[1] {
		t.Fatalf("duplicates = %v, want [true false]", dups)
	}
}

// TestSequenceMarks: given a group's mark, a redelivery (same or lower
// SequenceNumber, sent no later) is delivered; a later message is not, nor
// a message numbered lower by a queue that numbers anew but sent later, nor
// another group's message.
func TestSequenceMarks(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var s ContactState
	s.MarkDelivered("o#c", "18446744073709551617", 1000, now)
	cases := []struct {
		name, group, seq string
		sent             int64
		want             bool
	}{
		{"same message redelivered", "o#c", "18446744073709551617", 1000, true},
		{"an earlier message", "o#c", "9", 900, true},
		{"a later message", "o#c", "18446744073709551618", 1001, false},
		{"a longer number", "o#c", "118446744073709551610", 1001, false},
		{"numbered anew but sent later", "o#c", "5", 2000, false},
		{"another group", "o#_org", "1", 10, false},
		{"no sequence number", "o#c", "", 0, false},
	}
	for _, c := range cases {
		if got := s.Delivered(c.group, c.seq, c.sent); got != c.want {
			t.Errorf("%s: delivered = %v, want %v", c.name, got, c.want)
		}
	}
	for g := 0; g < 10; g++ {
		s.MarkDelivered(fmt.Sprintf("g%d", g), "1", 1, now)
	}
	if len(s.Marks) > maxMarks {
		t.Fatalf("%d marks kept", len(s.Marks))
	}
}
