package ingest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/interactionz"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/sentiment"
)

var sp = localdate.MustLoadDefault()

func rcv(id string, at time.Time, routed string) contract.Event {
	return contract.Event{SpecVersion: "1.0", ID: id, Source: "s", Type: contract.MessageReceived, Time: at, OrgID: "o",
		Data: contract.Data{ContactID: "c", Channel: "whatsapp", RoutedTo: routed, Area: contract.AreaSupport}}
}

func TestDedupeRetention(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		later time.Duration
		dup   bool
	}{
		{"given an event when redelivered a minute later then duplicate", time.Minute, true},
		{"given an event when redriven 14 days later then still duplicate", 14 * 24 * time.Hour, true},
		{"given an event when it comes back after 16 days then forgotten", 16 * 24 * time.Hour, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s ContactState
			e := rcv("e1", t0, "bot")
			if s.Apply(e, Context{Loc: sp, Now: t0}).Duplicate {
				t.Fatal("first apply is not a duplicate")
			}
			// other traffic in between keeps the ring moving
			s.Apply(rcv("e2", t0.Add(c.later-time.Second), "bot"), Context{Loc: sp, Now: t0.Add(c.later - time.Second)})
			if got := s.Apply(e, Context{Loc: sp, Now: t0.Add(c.later)}).Duplicate; got != c.dup {
				t.Fatalf("duplicate = %v, want %v", got, c.dup)
			}
		})
	}
}

func TestSatisfactionFollowsTheLatestText(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var s ContactState
	ctx := func(label sentiment.Label) Context {
		return Context{Loc: sp, Now: t0.Add(48 * time.Hour), Sentiment: label}
	}
	s.Apply(rcv("a", t0.Add(2*time.Hour), "human"), ctx("negative"))
	s.Apply(rcv("b", t0.Add(1*time.Hour), "human"), ctx("positive")) // late: absorbed, no label
	s.Apply(rcv("c", t0.Add(3*time.Hour), "human"), ctx("positive"))
	s.Apply(rcv("d", t0.Add(2*time.Hour+time.Minute), "human"), ctx("neutral")) // older than c: ignored
	if len(s.Windows) != 1 || s.Windows[0].Sentiment != "positive" {
		t.Fatalf("then the window's label is the latest text's: %+v", s.Windows)
	}
}

func TestRetentionBoundsTheState(t *testing.T) {
	// Given a contact active every day for 120 days, then only the last 61
	// days of activity are kept and the state stays small.
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var s ContactState
	for d := 0; d < 120; d++ {
		at := t0.Add(time.Duration(d) * 24 * time.Hour)
		res := s.Apply(rcv("e"+time.Duration(d).String(), at, "bot"), Context{Loc: sp, Now: at})
		if res.Outcome != interactionz.Debit {
			t.Fatalf("day %d: %v", d, res.Outcome)
		}
	}
	if len(s.Days) > localdate.ActivityDays+1 {
		t.Fatalf("days kept: %d", len(s.Days))
	}
	raw, _ := json.Marshal(s)
	t.Logf("state after 120 active days: %d bytes, %d days, %d windows", len(raw), len(s.Days), len(s.Windows))
	if len(raw) > 8000 {
		t.Fatalf("state too large: %d bytes", len(raw))
	}
}

func TestTicketsAndAttendance(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	c := Context{Loc: sp, Now: t0.Add(time.Hour)}
	yes := true
	var s ContactState
	s.Apply(contract.Event{ID: "1", Source: "s", Type: contract.TicketOpened, Time: t0, Data: contract.Data{TicketID: "t", ContactID: "c", Area: "commercial", Visibility: "public"}}, c)
	s.Apply(contract.Event{ID: "2", Source: "s", Type: contract.TicketOpened, Time: t0, Data: contract.Data{TicketID: "i", ContactID: "c", Area: "support", Visibility: "internal"}}, c)
	s.Apply(contract.Event{ID: "3", Source: "s", Type: contract.TicketUpdated, Time: t0.Add(time.Minute), Data: contract.Data{TicketID: "t", ContactID: "c", Status: "waiting", Public: &yes}}, c)
	if len(s.Tickets) != 1 || s.Tickets["t"].Status != "waiting" {
		t.Fatalf("then only the public ticket is tracked, with its status: %+v", s.Tickets)
	}
	d := s.Days[0]
	if d.OpenedCommercial != 1 || d.OpenedSupport != 0 || !d.Commercial || d.Support || d.Interactions != 1 {
		t.Fatalf("then one commercial attendance: %+v", d)
	}
	s.Apply(contract.Event{ID: "4", Source: "s", Type: contract.TicketClosed, Time: t0.Add(time.Hour), Data: contract.Data{TicketID: "t", ContactID: "c"}}, c)
	if len(s.Tickets) != 0 {
		t.Fatal("then a closed ticket is no longer pending")
	}
}
