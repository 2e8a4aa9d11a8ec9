package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// TestLedgerStreamEqualsSortedOracle: given ledger entries of random
// contacts whose windows collide on the same millisecond across shards,
// loaded straight into the table, when the ledger is streamed over random
// ranges with random small page sizes, then the stream is exactly the
// oracle (every entry of the range, sorted by window start, lane and
// contact) in batches, every item is read once (the Query count is the
// shards' pages, never one per shard per batch), and a failing consumer
// stops it with its error.
func TestLedgerStreamEqualsSortedOracle(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{NoQueue: true})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(11, 12))
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const org = "stream"
	var all []consumption.LedgerEntry
	seen := map[string]bool{}
	for len(all) < 700 {
		start := t0.Add(time.Duration(rng.IntN(200)) * time.Minute)
		c := fmt.Sprintf("c-%03d", rng.IntN(90))
		lane := []string{"human", "bot", "expert_agent"}[rng.IntN(3)]
		k := start.Format(keys.LedgerTimeFormat) + "#" + lane + "#" + c
		if seen[k] {
			continue
		}
		seen[k] = true
		all = append(all, consumption.LedgerEntry{ContactID: c, Lane: lane, Channel: "whatsapp",
			WindowStart: start.Format(time.RFC3339Nano), WindowEnd: start.Add(24 * time.Hour).Format(time.RFC3339Nano),
			Date: start.Format("2006-01-02"), EventID: "e-" + k, EventSource: "src", EventType: "message.received"})
	}
	if err := p.Store.LoadLedger(ctx, p.Env.DDB, org, all); err != nil {
		t.Fatal(err)
	}
	sortKey := func(e consumption.LedgerEntry) string {
		ts, _ := time.Parse(time.RFC3339Nano, e.WindowStart)
		return ts.Format(keys.LedgerTimeFormat) + "#" + e.Lane + "#" + e.ContactID
	}
	for round := 0; round < 12; round++ {
		from := t0.Add(time.Duration(rng.IntN(100)-10) * time.Minute)
		to := from.Add(time.Duration(rng.IntN(150)+1) * time.Minute)
		if round == 0 {
			from, to = t0.Add(-time.Hour), t0.Add(5*time.Hour)
		}
		page := int32(rng.IntN(9) + 1)
		var want []string
		for _, e := range all {
			if ts, _ := time.Parse(time.RFC3339Nano, e.WindowStart); !ts.Before(from) && ts.Before(to) {
				want = append(want, sortKey(e))
			}
		}
		slices.Sort(want)
		var got []string
		p.Meter.Reset()
		stats, err := paged(t, p, page).LedgerStream(ctx, org, from, to, func(es []consumption.LedgerEntry) error {
			for _, e := range es {
				got = append(got, sortKey(e))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (page %d): stream of %d differs from the oracle's %d", round, page, len(got), len(want))
		}
		if stats.Rows != int64(len(want)) || p.Meter.Counts().Requests["Query"] != stats.Requests {
			t.Fatalf("stats %+v, meter %v", stats, p.Meter.Counts().Requests)
		}
		// Each shard is read page by page: at most ceil(n/page)+1 Queries
		// for its n items.
		if maxQ := len(want)/int(page) + 2*keys.LedgerShards; stats.Requests > maxQ {
			t.Fatalf("round %d: %d Queries for %d rows at page %d (max %d)", round, stats.Requests, len(want), page, maxQ)
		}
	}
	stop := fmt.Errorf("consumer stops")
	if _, err := paged(t, p, 5).LedgerStream(ctx, org, t0, t0.Add(time.Hour), func([]consumption.LedgerEntry) error { return stop }); err != stop {
		t.Fatalf("error %v, want the consumer's", err)
	}
}

// paged is the pipeline's store with ledger stream pages of n items: many
// page boundaries from few items.
func paged(t *testing.T, p *pipeline.Pipeline, n int32) *store.Store {
	t.Helper()
	return testkit.Must(store.New(store.Config{DB: p.Meter, Table: p.Table, Now: p.Clock.Now, StreamPage: n}))(t)
}
