package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/tests/pipeline"
)

// TestAlertStateSumsTheTotalsShards: given debits of many contacts, which
// land on different totals shards, some by named expert agents, when a
// threshold check reads the cycle's alert state, then its cycle totals are
// every shard's summed (the same as Home's), per expert agent too, in one
// BatchGetItem.
func TestAlertStateSumsTheTotalsShards(t *testing.T) {
	t0 := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	p := pipeline.New(t, pipeline.Options{Now: t0.Add(time.Hour), NoQueue: true})
	const org = "alert-shards"
	var evs []contract.Event
	shards := map[int]bool{}
	agents := map[string]int64{}
	for c := 0; c < 24; c++ {
		contact := fmt.Sprintf("c-%02d", c)
		shards[keys.TotalShard(contact)] = true
		ev := contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("e%d", c), Source: "channels/whatsapp",
			Type: contract.MessageReceived, Time: t0.Add(time.Duration(c) * time.Minute), OrgID: org,
			Data: contract.Data{ContactID: contact, Channel: "whatsapp", RoutedTo: contract.RoutedHuman}}
		if c%3 == 0 {
			agent := fmt.Sprintf("xa-%d", c%2)
			agents[agent]++
			ev = contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("x%d", c), Source: "expert-agents",
				Type: contract.MessageSent, Time: t0.Add(time.Duration(c) * time.Minute), OrgID: org,
				Data: contract.Data{ContactID: contact, Channel: "whatsapp", Sender: contract.SenderExpertAgent, ExpertAgentID: agent}}
		}
		evs = append(evs, ev)
	}
	if len(shards) < 2 {
		t.Fatalf("the contacts fall on %d totals shard(s): the test needs several", len(shards))
	}
	p.Deliver(t, evs)
	ctx := context.Background()
	prof, err := p.Store.GetProfile(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	loc := prof.Plan.Location()
	cycle := prof.Plan.Cycle(localdate.Of(t0.Add(time.Hour), loc)).From.String()
	p.Meter.Reset()
	a, err := p.Store.AlertState(ctx, org, cycle)
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Meter.Counts().Requests["BatchGetItem"]; n != 1 {
		t.Fatalf("the alert state took %d BatchGetItem, want 1", n)
	}
	if a.Cycle.Total != int64(len(evs)) {
		t.Fatalf("cycle total %d, want %d (every shard summed)", a.Cycle.Total, len(evs))
	}
	for agent, want := range agents {
		if got := a.Cycle.ExpertAgents[agent]; got != want {
			t.Fatalf("expert agent %s: %d, want %d", agent, got, want)
		}
	}
	h, err := p.Store.HomeFigures(ctx, org, cycle, cycle)
	if err != nil {
		t.Fatal(err)
	}
	if h.Cycle.Total != a.Cycle.Total || len(h.Cycle.ExpertAgents) != len(a.Cycle.ExpertAgents) {
		t.Fatalf("Home's cycle %+v, the alert state's %+v: want the same figures", h.Cycle, a.Cycle)
	}
}
