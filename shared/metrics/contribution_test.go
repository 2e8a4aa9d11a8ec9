package metrics

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/sentiment"
)

// sum folds states into aggregates the way the aggregate function does:
// each state's contribution added, as deltas from nothing.
func sum(states ...*ingest.ContactState) Aggregates {
	var c Contribution
	for _, s := range states {
		c.Add(Delta(nil, s))
	}
	return Aggregates{Days: c.Days, Base: c.Base, AsOf: asOf, Exists: true}
}

func same(t *testing.T, got, want Snapshot) {
	t.Helper()
	got.Contacts, want.Contacts = 0, 0
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("from aggregates:\n%s\nrecount:\n%s", g, w)
	}
}

func randomState(r *rand.Rand, around localdate.Date) *ingest.ContactState {
	s := &ingest.ContactState{Registered: r.IntN(3) > 0, UF: []string{"", "SP", "RJ", "MG", "unknown"}[r.IntN(5)]}
	s.Deleted = !s.Registered && r.IntN(2) == 0
	s.EverSent = r.IntN(2) == 0
	used := map[localdate.Date]bool{}
	for k := r.IntN(12); k > 0; k-- {
		d := around.AddDays(r.IntN(70) - 63)
		if used[d] {
			continue
		}
		used[d] = true
		day := ingest.Day{Date: d, Commercial: r.IntN(3) == 0, Support: r.IntN(3) == 0, Interactions: r.IntN(4),
			OpenedCommercial: r.IntN(2), OpenedSupport: r.IntN(2)}
		if r.IntN(2) == 0 {
			day.Sent = map[string]int{"whatsapp": 1 + r.IntN(3)}
		}
		if r.IntN(4) == 0 {
			day.Mass = map[string]int{"sms": 1 + r.IntN(2)}
		}
		s.Days = append(s.Days, day)
	}
	// Days are kept in date order by ingest.
	for i := range s.Days {
		for j := i + 1; j < len(s.Days); j++ {
			if s.Days[j].Date < s.Days[i].Date {
				s.Days[i], s.Days[j] = s.Days[j], s.Days[i]
			}
		}
	}
	for k := r.IntN(3); k > 0; k-- {
		if s.Tickets == nil {
			s.Tickets = map[string]ingest.Ticket{}
		}
		s.Tickets[string(rune('a'+k))] = ingest.Ticket{Area: []string{contract.AreaSupport, contract.AreaCommercial}[r.IntN(2)],
			Opened: around.AddDays(-r.IntN(40)), Status: []string{contract.StatusNew, contract.StatusWaiting, contract.StatusInProgress}[r.IntN(3)]}
	}
	for k := r.IntN(4); k > 0; k-- {
		s.Windows = append(s.Windows, ingest.Window{Date: around.AddDays(-r.IntN(35)), Sentiment: []sentiment.Label{"", sentiment.Positive, sentiment.Neutral, sentiment.Negative}[r.IntN(4)]})
	}
	return s
}

// TestAggregatesEqualRecountOfRandomStates: given random contact states
// (days in both periods, on today, in the future, gaps of every length,
// tickets, windows, mass sends), when their contributions are summed, then
// the figures built from the sums equal Aggregator's recount of the states,
// for every "today" from 40 days before to 40 days after the states' dates:
// the figures of an idle organization stay exact with no daily close.
func TestAggregatesEqualRecountOfRandomStates(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1))
	for round := 0; round < 60; round++ {
		var states []*ingest.ContactState
		for k := 1 + r.IntN(25); k > 0; k-- {
			states = append(states, randomState(r, today))
		}
		agg := sum(states...)
		for off := -40; off <= 40; off += 1 + r.IntN(7) {
			td := today.AddDays(off)
			cs := td.AddDays(-r.IntN(28))
			a := NewAggregator(asOf, td, cs)
			for _, s := range states {
				a.Add(s)
			}
			want := a.Snapshot()
			same(t, agg.Snapshot(td, cs), want)
		}
	}
}

// TestDeltaMovesAStateToAnother: given any two states of a contact, then
// Contribution(a) + Delta(a, b) = Contribution(b) in every counter but the
// sticky first steps, which only ever count a contact turning them on.
func TestDeltaMovesAStateToAnother(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 2))
	for i := 0; i < 500; i++ {
		a, b := randomState(r, today), randomState(r, today)
		got := Contribute(a)
		got.Add(Delta(a, b))
		want := Contribute(b)
		delete(got.Base, AttrEverSent)
		delete(got.Base, AttrEverRegistered)
		if len(got.Base) == 0 {
			got.Base = nil
		}
		if len(want.Base) == 0 {
			want.Base = nil
		}
		if len(got.Days) == 0 {
			got.Days = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("a + delta(a, b) = %v, want %v", got, want)
		}
		d := Delta(a, b)
		if d.Base[AttrEverSent] < 0 || d.Base[AttrEverRegistered] < 0 {
			t.Fatalf("a first step went back: %v", d.Base)
		}
	}
}

func day(d localdate.Date, sent int, com, sup bool, inter int) ingest.Day {
	x := ingest.Day{Date: d, Commercial: com, Support: sup, Interactions: inter}
	if sent > 0 {
		x.Sent = map[string]int{"whatsapp": sent}
	}
	return x
}

// TestDeltaCases: the cases, one change each, as the aggregate
// function sees them (old image → new image).
func TestDeltaCases(t *testing.T) {
	reachedAt := func(a Aggregates, e localdate.Date) int { return a.Distinct(AttrReached, e) }
	cases := []struct {
		scenario string
		prev     *ingest.ContactState
		next     *ingest.ContactState
		check    func(t *testing.T, before, after Aggregates)
	}{
		{"a late event on a day between two active days changes only its own and its successor's counters",
			&ingest.ContactState{Days: []ingest.Day{day(ago(20), 1, false, false, 1), day(ago(2), 1, false, false, 1)}},
			&ingest.ContactState{Days: []ingest.Day{day(ago(20), 1, false, false, 1), day(ago(10), 1, false, false, 1), day(ago(2), 1, false, false, 1)}},
			func(t *testing.T, before, after Aggregates) {
				d := Delta(&ingest.ContactState{Days: []ingest.Day{day(ago(20), 1, false, false, 1), day(ago(2), 1, false, false, 1)}},
					&ingest.ContactState{Days: []ingest.Day{day(ago(20), 1, false, false, 1), day(ago(10), 1, false, false, 1), day(ago(2), 1, false, false, 1)}})
				for date := range d.Days {
					if date != ago(10) && date != ago(2) {
						t.Fatalf("the late day touched %s", date)
					}
				}
				for e := ago(25); e <= today; e++ {
					if reachedAt(after, e) != reachedAt(before, e) && !(e >= ago(10) && e < ago(10).AddDays(30) && reachedAt(before, e) == 0) {
						t.Fatalf("window ending %s: %d → %d", e, reachedAt(before, e), reachedAt(after, e))
					}
				}
			}},
		{"a contact's newest active day changes only the counters of its own date, however recent the one before",
			&ingest.ContactState{Days: []ingest.Day{day(ago(3), 1, true, false, 1), day(ago(1), 1, true, true, 1)}},
			&ingest.ContactState{Days: []ingest.Day{day(ago(3), 1, true, false, 1), day(ago(1), 1, true, true, 1), day(today, 2, true, true, 3)}},
			func(t *testing.T, before, after Aggregates) {
				d := Delta(&ingest.ContactState{Days: []ingest.Day{day(ago(3), 1, true, false, 1), day(ago(1), 1, true, true, 1)}},
					&ingest.ContactState{Days: []ingest.Day{day(ago(3), 1, true, false, 1), day(ago(1), 1, true, true, 1), day(today, 2, true, true, 3)}})
				if len(d.Days) != 1 || len(d.Days[today]) == 0 {
					t.Fatalf("the newest day touched %v, want only %s", d.Days, today)
				}
				if reachedAt(after, today) != 1 || reachedAt(before, today) != 1 {
					t.Fatalf("reached today %d → %d, want 1 → 1", reachedAt(before, today), reachedAt(after, today))
				}
			}},
		{"a phone change moves the contact's interactions to its new state",
			&ingest.ContactState{UF: "SP", Days: []ingest.Day{day(ago(3), 1, false, false, 4)}},
			&ingest.ContactState{UF: "RJ", Days: []ingest.Day{day(ago(3), 1, false, false, 4)}},
			func(t *testing.T, before, after Aggregates) {
				b, a := before.Snapshot(today, cycleStart).Metrics.GeoDistribution, after.Snapshot(today, cycleStart).Metrics.GeoDistribution
				if len(b) != 1 || b[0] != (StateCount{"SP", 4}) || len(a) != 1 || a[0] != (StateCount{"RJ", 4}) {
					t.Fatalf("geo %v → %v", b, a)
				}
			}},
		{"a contact deleted and registered again counts once in the base, and the step stays done",
			&ingest.ContactState{Deleted: true},
			&ingest.ContactState{Registered: true},
			func(t *testing.T, before, after Aggregates) {
				if before.Base[AttrContactBase] != 0 || after.Base[AttrContactBase] != 1 || after.Base[AttrEverRegistered] != 1 {
					t.Fatalf("base %v → %v", before.Base, after.Base)
				}
			}},
		{"a ticket closing after its 30 days leaves today's pending figure as it was",
			&ingest.ContactState{Tickets: map[string]ingest.Ticket{"t": {Area: contract.AreaSupport, Opened: ago(31), Status: contract.StatusWaiting}}},
			&ingest.ContactState{},
			func(t *testing.T, before, after Aggregates) {
				b, a := before.Snapshot(today, cycleStart).Metrics.PendingAttendances, after.Snapshot(today, cycleStart).Metrics.PendingAttendances
				if b.Total != 0 || a.Total != 0 {
					t.Fatalf("pending %v → %v", b, a)
				}
				if y := before.Snapshot(today.AddDays(-2), cycleStart).Metrics.PendingAttendances; y.Waiting != 1 {
					t.Fatalf("two days ago the ticket was pending: %v", y)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			before := sum(c.prev)
			var acc Contribution
			acc.Add(Delta(nil, c.prev))
			acc.Add(Delta(c.prev, c.next))
			after := Aggregates{Days: acc.Days, Base: acc.Base, Exists: true}
			c.check(t, before, after)
			// and always: equal to the recount of the new state
			a := NewAggregator(asOf, today, cycleStart)
			a.Add(c.next)
			want := a.Snapshot()
			got := after.Snapshot(today, cycleStart)
			got.AsOf, want.AsOf = asOf, asOf
			want.ContactsRegistered = want.ContactsRegistered || got.ContactsRegistered
			same(t, got, want)
		})
	}
}

// TestPruneHorizon: the dates the function keeps writing cover every date
// any zone's Home reads, and the dates a Home may prune are older than
// what the function writes, in every zone.
func TestPruneHorizon(t *testing.T) {
	for _, off := range []int{-12, -3, 0, 5, 14} {
		now := asOf
		loc := localdate.Of(now.Add(timeHours(off)), utc)
		oldestRead := HomeDates(loc)[0]
		if OldestKept(now) > oldestRead {
			t.Fatalf("UTC%+d: the function drops %s but the Home reads %s", off, OldestKept(now), oldestRead)
		}
		if PruneBefore(loc) > OldestKept(now) {
			t.Fatalf("UTC%+d: pruning before %s would delete what the function writes from %s", off, PruneBefore(loc), OldestKept(now))
		}
	}
}

var utc = time.UTC

func timeHours(h int) time.Duration { return time.Duration(h) * time.Hour }

// TestRecountDriftRepairsTheAggregates: given aggregates that lost some
// deltas (a skipped record) and gained others, when the recount's drift is
// added, then the figures equal the recount again, and an exact aggregate
// has no drift.
func TestRecountDriftRepairsTheAggregates(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 3))
	var rc Recount
	var states []*ingest.ContactState
	for k := 0; k < 20; k++ {
		s := randomState(r, today)
		states = append(states, s)
		rc.Add(s)
	}
	exact := sum(states...)
	if d := rc.Drift(exact, today); !d.Empty() {
		t.Fatalf("exact aggregates drift by %v", d)
	}
	broken := sum(states[3:]...)
	extra := Contribute(randomState(r, today))
	broken.Days, broken.Base = (&Contribution{Days: broken.Days, Base: broken.Base}).plus(extra)
	fixed := Contribution{Days: broken.Days, Base: broken.Base}
	fixed.Add(rc.Drift(broken, today))
	got := Aggregates{Days: fixed.Days, Base: fixed.Base, AsOf: asOf, Exists: true}
	a := NewAggregator(asOf, today, cycleStart)
	for _, s := range states {
		a.Add(s)
	}
	same(t, got.Snapshot(today, cycleStart), a.Snapshot())
}

func (c *Contribution) plus(o Contribution) (map[localdate.Date]Counters, Counters) {
	c.Add(o)
	return c.Days, c.Base
}
