package interactionz

import (
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
)

func TestClassify(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name     string
		ev       contract.Event
		lane     Lane
		billable bool
	}{
		{"given a message routed to the bot then bot lane", contract.Event{Type: contract.MessageReceived, Data: contract.Data{RoutedTo: "bot"}}, LaneBot, true},
		{"given a message routed to a human then human lane", contract.Event{Type: contract.MessageReceived, Data: contract.Data{RoutedTo: "human"}}, LaneHuman, true},
		{"given an agent send then human lane", contract.Event{Type: contract.MessageSent, Data: contract.Data{Sender: "agent"}}, LaneHuman, true},
		{"given a bot send then bot lane", contract.Event{Type: contract.MessageSent, Data: contract.Data{Sender: "bot"}}, LaneBot, true},
		{"given an expert agent send then expert lane", contract.Event{Type: contract.MessageSent, Data: contract.Data{Sender: "expert_agent"}}, LaneExpertAgent, true},
		{"given a campaign send then not billable", contract.Event{Type: contract.MessageSent, Data: contract.Data{Sender: "campaign"}}, "", false},
		{"given an auto reply then not billable", contract.Event{Type: contract.MessageSent, Data: contract.Data{Sender: "auto_reply"}}, "", false},
		{"given a public ticket then human lane", contract.Event{Type: contract.TicketOpened, Data: contract.Data{Visibility: "public"}}, LaneHuman, true},
		{"given an internal ticket then not billable", contract.Event{Type: contract.TicketOpened, Data: contract.Data{Visibility: "internal"}}, "", false},
		{"given a public ticket movement then human lane", contract.Event{Type: contract.TicketUpdated, Data: contract.Data{Public: &yes}}, LaneHuman, true},
		{"given an internal ticket movement then not billable", contract.Event{Type: contract.TicketUpdated, Data: contract.Data{Public: &no}}, "", false},
		{"given a ticket closed then not billable", contract.Event{Type: contract.TicketClosed}, "", false},
		{"given a contact upsert then not billable", contract.Event{Type: contract.ContactUpserted}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lane, ok := Classify(c.ev)
			if lane != c.lane || ok != c.billable {
				t.Fatalf("got (%q, %v), want (%q, %v)", lane, ok, c.lane, c.billable)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	w := &Window{Start: t0, End: t0.Add(WindowLength)}
	cases := []struct {
		name    string
		current *Window
		at      time.Time
		want    Outcome
	}{
		{"given no window when an event arrives then debit", nil, t0, Debit},
		{"given an open window when inside then free", w, t0.Add(23 * time.Hour), Free},
		{"given an open window when at its start then free", w, t0, Free},
		{"given a window when exactly at its end then debit", w, t0.Add(WindowLength), Debit},
		{"given a window when a week later then debit", w, t0.Add(7 * 24 * time.Hour), Debit},
		{"given a window when an older event arrives then absorbed", w, t0.Add(-time.Minute), Absorbed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, nw := Decide(c.current, c.at)
			if got != c.want {
				t.Fatalf("got %v want %v", got, c.want)
			}
			if got == Debit && (!nw.Start.Equal(c.at) || nw.End.Sub(nw.Start) != WindowLength) {
				t.Fatalf("new window %v", nw)
			}
		})
	}
}
