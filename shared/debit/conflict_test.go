package debit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
)

// TestTransactionConflictsAreRetried: given DynamoDB cancelling half of the
// transactions because another one held an item (as happens when contacts
// of one organization debit at once: they share its totals), when batches
// opening windows for 20 contacts are handled, then the store retries: no
// message fails, and each contact is debited exactly once.
func TestTransactionConflictsAreRetried(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	var evs []contract.Event
	for i := range 20 {
		evs = append(evs, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("e%d", i), Source: "test", Type: contract.MessageReceived,
			Time: now.Add(-time.Duration(i) * time.Minute), OrgID: "conflicted",
			Data: contract.Data{ContactID: fmt.Sprintf("c%d", i), Channel: "whatsapp", RoutedTo: contract.RoutedHuman}})
	}
	p.Meter.SetFaults(ddbmeter.Faults{Conflict: 0.5, Seed: 3})

	p.Deliver(t, evs) // fails the test on any reported failure

	if n := p.Meter.Counts().Conflicts; n == 0 {
		t.Fatal("no conflict was injected: pick another seed")
	}
	p.Meter.SetFaults(ddbmeter.Faults{})
	entries, _, err := p.Store.Ledger(context.Background(), "conflicted", now.Add(-2*time.Hour), now.Add(time.Hour), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	days, err := p.Store.DayTotals(context.Background(), "conflicted", "2000-01-01", "2999-01-01")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, d := range days {
		total += d.Total
	}
	if len(entries) != 20 || total != 20 {
		t.Fatalf("then 20 debits and a day total of 20, got %d entries and %d", len(entries), total)
	}
}
