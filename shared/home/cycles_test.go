package home_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/auth"
	contract1 "github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/tests/pipeline"
)

// recount is a cycle's figures counted from the ledger alone.
type recount struct {
	total                   int64
	lanes, channels, agents map[string]int64
}

// TestCyclesEqualLedgerRecount: given seven months of activity (expert
// agents naming themselves) under a plan whose cycles start on the 5th,
// when the Admin asks for the cycles, then there are six, the current one
// first, and every figure (total, by lane, by channel, by expert agent,
// overage) equals a recount of the ledger, and the current cycle's estimate
// is the documented trailing 7-day rate recomputed from the ledger.
func TestCyclesEqualLedgerRecount(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	ctx := context.Background()
	const org = "cycles"
	pl := plan.Plan{Name: "Pro", CycleStartDay: 5, IncludedInteractionz: 60, Seats: 3,
		Packages: map[string]int{"sms": 40}, TimeZone: "America/Sao_Paulo"}
	if err := p.Store.PutPlan(ctx, org, pl); err != nil {
		t.Fatal(err)
	}
	s := gen.Generate(gen.Options{Org: org, Contacts: 12, Days: 200, Now: fixtureNow, Intensity: 0.2, Seed: 77})
	for i := range s.Events {
		if e := &s.Events[i]; e.Type == contract1.MessageSent && e.Data.Sender == contract1.SenderExpertAgent && i%3 != 0 {
			e.Data.ExpertAgentID = fmt.Sprintf("xa-%d", i%2)
		}
	}
	p.Deliver(t, s.Events)

	loc := pl.Location()
	today := localdate.Of(fixtureNow, loc)
	want := map[string]*recount{}
	perDay := map[localdate.Date]int64{}
	for _, e := range p.Ledger(t, org, fixtureNow.Add(time.Hour)) {
		d, err := localdate.Parse(e.Date)
		if err != nil {
			t.Fatal(err)
		}
		perDay[d]++
		c := pl.Cycle(d).From.String()
		if want[c] == nil {
			want[c] = &recount{lanes: map[string]int64{}, channels: map[string]int64{}, agents: map[string]int64{}}
		}
		want[c].total++
		want[c].lanes[e.Lane]++
		want[c].channels[e.Channel]++
		if e.ExpertAgentID != "" {
			want[c].agents[e.ExpertAgentID]++
		}
	}

	rec := call(t, p.Runner, apiRequest("GET", "/v1/consumption/cycles", p.Token(t, org, auth.Admin), nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got home.Cycles
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Cycles) != 6 || !got.Cycles[0].Current || got.Cycles[0].Start != "2026-11-05" || got.Cycles[5].Start != "2026-06-05" {
		t.Fatalf("cycles %+v", got.Cycles)
	}
	agentsSeen := false
	for _, c := range got.Cycles {
		w := want[c.Start]
		if w == nil {
			w = &recount{lanes: map[string]int64{}, channels: map[string]int64{}, agents: map[string]int64{}}
		}
		ci := c.Interactionz
		if ci.Total != w.total || fmt.Sprint(ci.ByLane) != fmt.Sprint(w.lanes) || fmt.Sprint(ci.ByChannel) != fmt.Sprint(w.channels) ||
			fmt.Sprint(ci.ByExpertAgent) != fmt.Sprint(w.agents) {
			t.Fatalf("cycle %s: got %d %v %v %v, ledger says %d %v %v %v", c.Start, ci.Total, ci.ByLane, ci.ByChannel, ci.ByExpertAgent,
				w.total, w.lanes, w.channels, w.agents)
		}
		if ci.Overage != max(0, w.total-int64(pl.IncludedInteractionz)) {
			t.Fatalf("cycle %s overage %d", c.Start, ci.Overage)
		}
		agentsSeen = agentsSeen || len(ci.ByExpertAgent) > 0
		if !c.Current && (c.Estimate != nil || c.Seats.Used != nil || c.Packages[0].Used != nil) {
			t.Fatalf("past cycle %s has current-only figures: %+v", c.Start, c)
		}
	}
	if !agentsSeen {
		t.Fatal("no expert agent was counted: the per-agent path went untested")
	}
	// The estimate: 7 complete days before today, per day, times the days
	// left (the rest of today included), plus what is used so far.
	var last7 int64
	for d := today.AddDays(-7); d < today; d++ {
		last7 += perDay[d]
	}
	cur := got.Cycles[0]
	rate := float64(last7) / 7
	left := float64(pl.Cycle(today).To-today) + float64(today.AddDays(1).Start(loc).Sub(fixtureNow))/float64(24*time.Hour)
	if e := cur.Estimate; e == nil || e.Interactionz != cur.Interactionz.Total+int64(math.Round(rate*left)) || e.Method != home.EstimateMethod {
		t.Fatalf("estimate %+v, want %d + round(%.2f × %.2f)", cur.Estimate, cur.Interactionz.Total, rate, left)
	}

	// Only the Admin: every other profile gets 403, and a query parameter
	// is a problem naming it.
	for _, pr := range []auth.Profile{auth.Operator, auth.AdvancedAgent, auth.Viewer, auth.Agent} {
		problemFields(t, call(t, p.Runner, apiRequest("GET", "/v1/consumption/cycles", p.Token(t, org, pr), nil)), http.StatusForbidden)
	}
	if fs := problemFields(t, call(t, p.Runner, apiRequest("GET", "/v1/consumption/cycles?from=2026-01-01", p.Token(t, org, auth.Admin), nil)), http.StatusBadRequest); len(fs) != 1 || fs[0] != "from" {
		t.Fatalf("fields %v", fs)
	}
}

// TestNotificationWebhookRoute: only the Admin registers a webhook; a
// non-https URL, an unknown field or a wrong type is a problem naming the
// field; the answer carries a Standard Webhooks secret.
func TestNotificationWebhookRoute(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	const org = "hooks"
	for _, pr := range []auth.Profile{auth.Operator, auth.AdvancedAgent, auth.Viewer, auth.Agent} {
		problemFields(t, call(t, p.Runner, apiRequest("PUT", "/v1/notifications/webhook", p.Token(t, org, pr), []byte(`{"url":"https://x.example/h"}`))), http.StatusForbidden)
	}
	admin := p.Token(t, org, auth.Admin)
	for body, field := range map[string]string{
		`{"url":"http://x.example/h"}`:          "url",
		`{"url":"https://u:p@x.example/h"}`:     "url",
		`{"url":""}`:                            "url",
		`{"url":"https://x.example","extra":1}`: "extra",
		`{"url":5}`:                             "url",
		`[1]`:                                   "body",
	} {
		fs := problemFields(t, call(t, p.Runner, apiRequest("PUT", "/v1/notifications/webhook", admin, []byte(body))), http.StatusBadRequest)
		if len(fs) != 1 || fs[0] != field {
			t.Errorf("%s: fields %v, want %s", body, fs, field)
		}
	}
	rec := call(t, p.Runner, apiRequest("PUT", "/v1/notifications/webhook", admin, []byte(`{"url":"https://billing.example/hooks"}`)))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	sub, err := p.Store.GetWebhookSubscription(context.Background(), org)
	if err != nil || !sub.Exists || sub.URL != "https://billing.example/hooks" {
		t.Fatalf("stored %+v %v", sub, err)
	}
}
