package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
)

// TestStateCodec: given states from empty to a contact active every day
// for 120 days, when encoded and decoded, then they round-trip and the
// stored form is well under the JSON's size.
func TestStateCodec(t *testing.T) {
	loc := localdate.MustLoadDefault()
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var s ingest.ContactState
	for d := 0; d < 120; d++ {
		at := t0.Add(time.Duration(d) * 24 * time.Hour)
		for k, typ := range []contract.Type{contract.MessageReceived, contract.MessageSent} {
			e := contract.Event{SpecVersion: "1.0", ID: at.String() + string(rune('a'+k)), Source: "s", Type: typ, Time: at, OrgID: "o",
				Data: contract.Data{ContactID: "c", Channel: "whatsapp", RoutedTo: "bot", Sender: "bot", Area: "support"}}
			s.Apply(e, ingest.Context{Loc: loc, Now: at, Sentiment: "positive"})
		}
	}
	for _, c := range []struct {
		name  string
		state ingest.ContactState
	}{{"given an empty state", ingest.ContactState{}}, {"given 120 active days", s}} {
		t.Run(c.name, func(t *testing.T) {
			av, err := encodeState(c.state)
			if err != nil {
				t.Fatal(err)
			}
			var back ingest.ContactState
			if err := decodeState(av, &back); err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(c.state)
			b, _ := json.Marshal(back)
			if string(a) != string(b) {
				t.Fatal("then it round-trips")
			}
			stored := len(av.(*types.AttributeValueMemberB).Value)
			t.Logf("JSON %d bytes, stored %d bytes", len(a), stored)
			if len(a) > 1024 && stored > len(a)/2 {
				t.Fatalf("then the stored form is at most half the JSON: %d of %d", stored, len(a))
			}
		})
	}
}

func TestCancelReason(t *testing.T) {
	code := func(c string) types.CancellationReason { return types.CancellationReason{Code: &c} }
	cases := []struct {
		name    string
		reasons []types.CancellationReason
		want    string
	}{
		{"given a failed condition among conflicts then the condition", []types.CancellationReason{code("TransactionConflict"), code("ConditionalCheckFailed")}, "ConditionalCheckFailed"},
		{"given only a conflict then a conflict", []types.CancellationReason{code("None"), code("TransactionConflict")}, "TransactionConflict"},
		{"given a throttle then nothing decisive", []types.CancellationReason{code("ThrottlingError")}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := cancelReason(&types.TransactionCanceledException{CancellationReasons: c.reasons}); got != c.want {
				t.Fatalf("got %q want %q", got, c.want)
			}
		})
	}
}
