package debit_test

import (
	"context"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/tests/pipeline"
)

// TestSubMillisecondTimesThroughTheStore: given a contact's bot window
// opened at a time with a sub-millisecond part, when its next bot event
// comes 23:59:59.9996 later (inside the window by 0.4 ms) in a later batch,
// after the window went through DynamoDB Local, then it is free: one debit;
// and an event exactly 24 h after the start opens a second window.
func TestSubMillisecondTimesThroughTheStore(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	t0 := time.Date(2026, 11, 17, 10, 0, 0, 900_000, time.UTC) // .0009 s
	ev := func(id string, at time.Time) contract.Event {
		return contract.Event{SpecVersion: "1.0", ID: id, Source: "inbox", Type: contract.MessageReceived, Time: at, OrgID: "subms",
			Data: contract.Data{ContactID: "c1", Channel: "whatsapp", RoutedTo: contract.RoutedBot}}
	}
	inside := t0.Add(24*time.Hour - 400*time.Microsecond)

	p.Deliver(t, []contract.Event{ev("a", t0)})
	p.Deliver(t, []contract.Event{ev("b", inside)})
	p.Deliver(t, []contract.Event{ev("c", t0.Add(24*time.Hour))})

	entries, _, err := p.Store.Ledger(context.Background(), "subms", t0.Add(-time.Hour), now, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].EventID != "a" || entries[1].EventID != "c" {
		t.Fatalf("then debits for a and c only, got %+v", entries)
	}
	if got := entries[0].WindowStart; got != t0.Format(time.RFC3339Nano) {
		t.Errorf("then the first window starts at %s, got %s", t0.Format(time.RFC3339Nano), got)
	}
}
