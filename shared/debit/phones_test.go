package debit

import (
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/records"
)

// TestContactPhonesAreParsed: ingest takes its phone resolver from the
// caller (so the functions that only read states do not link the parser);
// given contacts upserted with phones in spellings only the parser reads,
// when the debit computes their states, then each gets its state.
func TestContactPhonesAreParsed(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	prof := records.Profile{Org: "o", Plan: plan.Default()}
	for _, tc := range []struct{ phone, want string }{
		{"+55 (11) 98765-4321", "SP"},
		{"(21) 3333-4444", "RJ"},
		{"0 71 98765 4321", "BA"},
		{"+5561987654321", "DF"},
		{"+1 415 555 2671", "unknown"},
	} {
		t.Run(tc.phone, func(t *testing.T) {
			ev := contract.Event{SpecVersion: "1.0", ID: "e1", Source: "crm", Type: contract.ContactUpserted, Time: now.Add(-time.Minute),
				OrgID: "o", Data: contract.Data{ContactID: "c", Phone: tc.phone}}
			next, _, _, changed := compute("o#c", []item{{ev: ev}}, ingest.Contact{}, prof, now, nil, nil)
			if !changed || next.UF != tc.want {
				t.Fatalf("got UF %q (changed %v), want %q", next.UF, changed, tc.want)
			}
		})
	}
}
