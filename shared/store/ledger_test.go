package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/tests/pipeline"
)

// TestShardedLedgerPagesInOrder: given debits of many contacts spread over
// the ledger's shards, when the consumption pages through them seven at a
// time, then the pages hold every debit once, in window-start order
// (then lane, then contact) across page boundaries, each page costs one
// Query per shard issued together, and the day totals summed over the
// totals shards count every debit.
func TestShardedLedgerPagesInOrder(t *testing.T) {
	t0 := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
	p := pipeline.New(t, pipeline.Options{Now: t0.Add(71 * time.Hour), NoQueue: true})
	var evs []contract.Event
	for c := 0; c < 40; c++ {
		for w := 0; w < 2; w++ {
			evs = append(evs, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("e%d-%d", c, w), Source: "channels/whatsapp",
				Type: contract.MessageReceived, Time: t0.Add(time.Duration(w)*25*time.Hour + time.Duration(c%7)*time.Minute),
				OrgID: "ledger", Data: contract.Data{ContactID: fmt.Sprintf("c-%02d", c), Channel: "whatsapp", RoutedTo: contract.RoutedHuman}})
		}
	}
	p.Deliver(t, evs)
	ctx := context.Background()
	var keysSeen []string
	cursor, pages := "", 0
	for {
		p.Meter.Reset()
		entries, next, err := p.Store.Ledger(ctx, "ledger", t0.Add(-time.Hour), t0.Add(72*time.Hour), cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		if q := p.Meter.Counts().Requests["Query"]; q != keys.LedgerShards {
			t.Fatalf("a page took %d queries, want one per shard (%d)", q, keys.LedgerShards)
		}
		if len(entries) > 7 {
			t.Fatalf("page of %d entries", len(entries))
		}
		for _, e := range entries {
			keysSeen = append(keysSeen, e.WindowStart+"#"+e.Lane+"#"+e.ContactID)
		}
		pages++
		if next == "" {
			break
		}
		cursor = next
	}
	if len(keysSeen) != len(evs) {
		t.Fatalf("%d entries over %d pages, want %d", len(keysSeen), pages, len(evs))
	}
	for i := 1; i < len(keysSeen); i++ {
		a, b := keysSeen[i-1], keysSeen[i]
		if a >= b {
			t.Fatalf("entry %d %s after %s: out of order", i, b, a)
		}
	}
	days, err := p.Store.DayTotals(ctx, "ledger", "2000-01-01", "2999-01-01")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, d := range days {
		total += d.Total
	}
	if total != int64(len(evs)) {
		t.Fatalf("day totals %d, want %d", total, len(evs))
	}
}
