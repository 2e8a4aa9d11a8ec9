package debit_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// recordingBus keeps every notification published, repeats included. It
// lives in the process the meter may crash: once crashed, it fails too.
type recordingBus struct {
	meter *ddbmeter.Meter
	mu    sync.Mutex
	got   []alerts.Notification
}

func (b *recordingBus) Publish(_ context.Context, ns []alerts.Notification) error {
	if b.meter != nil && b.meter.Crashed() {
		return ddbmeter.ErrCrashed
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, ns...)
	return nil
}

func (b *recordingBus) of(org string) []alerts.Notification {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []alerts.Notification
	for _, n := range b.got {
		if n.OrganizationID == org {
			out = append(out, n)
		}
	}
	return out
}

// alertHook is the post-commit hook the Lambda wires: every touched cycle
// checked, errors only logged (a notification never fails a batch).
func alertHook(n *alerts.Notifier) debit.AfterCommit {
	return func(ctx context.Context, ts []debit.Touch) {
		for _, t := range ts {
			_, _ = n.Run(ctx, alerts.Check{Org: t.Org, CycleStart: t.CycleStart})
		}
	}
}

// expertAgentOf names the expert agent of an expert_agent message: one of
// three, fixed by the event id so the oracle can recount per agent.
func expertAgentOf(eventID string) string {
	h := fnv.New32a()
	h.Write([]byte(eventID))
	return fmt.Sprintf("xa-%d", h.Sum32()%3)
}

func withExpertAgents(evs []contract.Event) {
	for i := range evs {
		if evs[i].Type == contract.MessageSent && evs[i].Data.Sender == contract.SenderExpertAgent {
			evs[i].Data.ExpertAgentID = expertAgentOf(evs[i].ID)
		}
	}
}

// randomThresholds picks a plan's limits and thresholds so that streams
// cross some, all or none of them.
func randomThresholds(r *rand.Rand, pl *plan.Plan) {
	pl.IncludedInteractionz = 10 + r.IntN(120)
	pl.Seats = 1 + r.IntN(4)
	pick := func() []int {
		var out []int
		for _, p := range []int{25, 50, 80, 100, 150} {
			if r.Float64() < 0.5 {
				out = append(out, p)
			}
		}
		if r.Float64() < 0.3 {
			return nil // the defaults
		}
		if out == nil {
			out = []int{}
		}
		return out
	}
	pl.Thresholds = &plan.Thresholds{Interactionz: pick(), Seats: pick(), ExpertAgents: map[string]plan.AgentCap{}}
	for i := 0; i < 3; i++ {
		if r.Float64() < 0.7 {
			pl.Thresholds.ExpertAgents[fmt.Sprintf("xa-%d", i)] = plan.AgentCap{MonthlyCap: 1 + r.IntN(15), Thresholds: pick()}
		}
	}
}

// usageByCycle recounts, from the ledger, each cycle's Interactionz and
// expert agents' Interactionz (the ledger itself is held to the oracle).
type cycleUsage struct {
	total  int64
	agents map[string]int64
}

func ledgerUsage(t *testing.T, p *pipeline.Pipeline, org string, pl plan.Plan) map[localdate.Date]*cycleUsage {
	t.Helper()
	out := map[localdate.Date]*cycleUsage{}
	for _, e := range p.Ledger(t, org, time.Now().Add(48*time.Hour)) {
		d, err := localdate.Parse(e.Date)
		if err != nil {
			t.Fatal(err)
		}
		c := pl.Cycle(d).From
		if out[c] == nil {
			out[c] = &cycleUsage{agents: map[string]int64{}}
		}
		out[c].total++
		if e.ExpertAgentID != "" {
			out[c].agents[e.ExpertAgentID]++
		}
	}
	return out
}

// expectedCrossings is the oracle of notifications: every (cycle, resource,
// threshold) that the usage reached under the plan, by plain arithmetic.
func expectedCrossings(pl plan.Plan, usage map[localdate.Date]*cycleUsage, current localdate.Date, seatsUsed int, into map[string]bool) {
	th := plan.Thresholds{}
	if pl.Thresholds != nil {
		th = *pl.Thresholds
	}
	or := func(l []int) []int {
		if l == nil {
			return []int{80, 100}
		}
		return l
	}
	add := func(cycle localdate.Date, res string, used, limit int64, pcts []int) {
		for _, pct := range pcts {
			if limit > 0 && float64(used) >= float64(limit)*float64(pct)/100 {
				into[fmt.Sprintf("%s|%s|%d", cycle, res, pct)] = true
			}
		}
	}
	for c, u := range usage {
		add(c, "interactionz", u.total, int64(pl.IncludedInteractionz), or(th.Interactionz))
		for id, cp := range th.ExpertAgents {
			add(c, "expertAgent."+id, u.agents[id], int64(cp.MonthlyCap), or(cp.Thresholds))
		}
	}
	add(current, "seats", int64(seatsUsed), int64(pl.Seats), or(th.Seats))
}

func notificationKey(n alerts.Notification) string {
	res := string(n.Resource)
	switch n.Resource {
	case alerts.KindExpertAgent:
		res += "." + n.ExpertAgentID
	case alerts.KindPackage:
		res += "." + n.Channel
	}
	return fmt.Sprintf("%s|%s|%d", n.Cycle.Start, res, n.ThresholdPercent)
}

// sweep is the scheduled check at a later time: every cycle with usage and
// the current one, pending marks past their lease published again.
func sweep(t *testing.T, p *pipeline.Pipeline, bus alerts.Bus, org string, cycles []localdate.Date, at time.Time) {
	t.Helper()
	n := testkit.Must(alerts.NewNotifier(alerts.NotifierConfig{Store: p.Store, Bus: bus, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Now: func() time.Time { return at }}))(t)
	for _, c := range cycles {
		if _, err := n.Run(context.Background(), alerts.Check{Org: org, CycleStart: c}); err != nil && !errors.Is(err, ddbmeter.ErrCrashed) {
			t.Fatalf("%s: sweep of %s: %v", org, c, err)
		}
	}
}

func cyclesOf(usage map[localdate.Date]*cycleUsage, current localdate.Date) []localdate.Date {
	seen := map[localdate.Date]bool{current: true}
	out := []localdate.Date{current}
	for c := range usage {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// compareNotifications: 0 missing, 0 duplicate. Every expected crossing
// has exactly one notification id, each id is for an expected crossing and
// says the same thing every time it was delivered; repeats of an id happen
// only after a crash between publishing and marking it sent.
//
// Seats go down as well as up (user.removed): a peak between two checks, or
// at a check that failed, may go unnoticed, so a seat crossing reached only
// by the peak is allowed (may) but not required.
func compareNotifications(t *testing.T, org string, want, may map[string]bool, got []alerts.Notification) (repeats int) {
	t.Helper()
	ids := map[string]alerts.Notification{}
	byKey := map[string]string{}
	for _, n := range got {
		if prev, ok := ids[n.NotificationID]; ok {
			if prev != n {
				t.Fatalf("%s: notification %s delivered twice with different content:\n %+v\n %+v", org, n.NotificationID, prev, n)
			}
			repeats++
			continue
		}
		ids[n.NotificationID] = n
		k := notificationKey(n)
		if other, dup := byKey[k]; dup {
			t.Fatalf("%s: duplicate notification for %s: ids %s and %s", org, k, other, n.NotificationID)
		}
		byKey[k] = n.NotificationID
		if !want[k] && !may[k] {
			t.Fatalf("%s: unexpected notification %s (%+v)", org, k, n)
		}
		if n.Limit <= 0 || n.Used*100 < n.Limit*int64(n.ThresholdPercent) {
			t.Fatalf("%s: notification %s says %d of %d, below its threshold", org, k, n.Used, n.Limit)
		}
	}
	for k := range want {
		if _, ok := byKey[k]; !ok {
			t.Fatalf("%s: missing notification %s (got %d, want %d)", org, k, len(byKey), len(want))
		}
	}
	return repeats
}

// peakSeats is the most users the organization ever had along its FIFO
// order of organization events (duplicates ignored).
func peakSeats(arrival []contract.Event) int {
	users := map[string]bool{}
	seen := map[string]bool{}
	peak := 0
	for _, e := range arrival {
		if !e.OrgScoped() || seen[e.Source+"\x00"+e.ID] {
			continue
		}
		seen[e.Source+"\x00"+e.ID] = true
		switch e.Type {
		case contract.UserAdded:
			users[e.Data.UserID] = true
		case contract.UserRemoved:
			delete(users, e.Data.UserID)
		}
		peak = max(peak, len(users))
	}
	return peak
}
