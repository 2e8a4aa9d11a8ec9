package bench

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/tests/testkit"
)

// TestNaiveMatchesOurs: on a small stream, the naive baseline debits
// exactly the windows the real processor debits, and a redelivered
// message is a duplicate for it.
func TestNaiveMatchesOurs(t *testing.T) {
	s := gen.Generate(gen.Options{Org: meterOrg, Contacts: 20, Days: 10, Now: streamEnd, Intensity: 0.5, Seed: 5})
	batches := fifoBatches(t, s.Events, 10)
	ours := newPipeline(t, batches[0].now, meterOrg)
	feed(t, ours, batches)

	p := newPipeline(t, batches[0].now, meterOrg)
	n := testkit.Must(NewNaive(p.Meter, p.Table, p.Clock.Now, sentiment.Offline{}))(t)
	ctx := context.Background()
	for _, bt := range batches {
		p.Clock.Set(bt.now)
		for _, m := range bt.ev.Records {
			if res, err := n.Handle(ctx, []byte(m.Body)); err != nil || res.Duplicate {
				t.Fatalf("message %s: %v (duplicate %v)", m.MessageId, err, res.Duplicate)
			}
		}
	}
	want, got := ledgerOf(t, ours, meterOrg), ledgerOf(t, p, meterOrg)
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("naive ledger (%d entries) differs from ours (%d)", len(got), len(want))
	}
	p.Clock.Set(streamEnd.Add(time.Hour))
	for _, m := range batches[len(batches)/2].ev.Records {
		res, err := n.Handle(ctx, []byte(m.Body))
		if err != nil || !res.Duplicate {
			t.Fatalf("redelivered message %s: %v (duplicate %v)", m.MessageId, err, res.Duplicate)
		}
	}
	if again := ledgerOf(t, p, meterOrg); !reflect.DeepEqual(again, want) {
		t.Fatalf("redelivery changed the naive ledger")
	}
	t.Logf("%d events, %d debits on both sides", len(s.Events), len(want))
}
