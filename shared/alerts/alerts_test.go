package alerts

import (
	"fmt"
	"testing"

	"github.com/customercloud/home/shared/plan"
)

// TestCrossings: given a plan's limits and thresholds and a usage, the
// crossings are exactly the thresholds reached, per resource.
func TestCrossings(t *testing.T) {
	base := plan.Plan{Name: "P", CycleStartDay: 1, IncludedInteractionz: 100, Seats: 4, Packages: map[string]int{"sms": 10, "rcs": 0}}
	with := func(th *plan.Thresholds) plan.Plan { p := base; p.Thresholds = th; return p }
	cases := []struct {
		name string
		pl   plan.Plan
		u    Usage
		want string
	}{
		{"below 80 %: nothing", base, Usage{Interactionz: 79}, "[]"},
		{"at 80 %: the first default", base, Usage{Interactionz: 80}, "[interactionz@80]"},
		{"past 100 %: both defaults", base, Usage{Interactionz: 130}, "[interactionz@80 interactionz@100]"},
		{"seats only when known", base, Usage{SeatsUsed: 4}, "[]"},
		{"seats at the licence", base, Usage{SeatsUsed: 4, SeatsKnown: true}, "[seats@80 seats@100]"},
		{"a package of 0 never notifies; packages only when known", base, Usage{Packages: map[string]int64{"sms": 9, "rcs": 5}}, "[package.sms@80]"},
		{"an empty list turns a resource off", with(&plan.Thresholds{Interactionz: []int{}}), Usage{Interactionz: 500}, "[]"},
		{"custom thresholds, sorted", with(&plan.Thresholds{Interactionz: []int{150, 50}}), Usage{Interactionz: 150}, "[interactionz@50 interactionz@150]"},
		{"an expert agent's cap", with(&plan.Thresholds{ExpertAgents: map[string]plan.AgentCap{"xa": {MonthlyCap: 10, Thresholds: []int{50}}}}),
			Usage{ExpertAgents: map[string]int64{"xa": 5, "other": 99}}, "[expertAgent.xa@50]"},
		{"no included Interactionz: no threshold", plan.Plan{Seats: 1}, Usage{Interactionz: 1000}, "[]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, x := range Crossings(c.pl, c.u) {
				got = append(got, x.Mark())
			}
			if fmt.Sprint(got) != c.want && !(got == nil && c.want == "[]") {
				t.Fatalf("got %v, want %s", got, c.want)
			}
		})
	}
}

// TestNotificationIDIsStable: the id depends only on the organization, the
// cycle, the resource and the threshold, never on the figure or the time.
func TestNotificationIDIsStable(t *testing.T) {
	a := NotificationID("o", "2026-11-01", Crossing{Resource: Resource{Kind: KindSeats}, Threshold: 80, Used: 4, Limit: 5})
	b := NotificationID("o", "2026-11-01", Crossing{Resource: Resource{Kind: KindSeats}, Threshold: 80, Used: 5, Limit: 6})
	c := NotificationID("o", "2026-12-01", Crossing{Resource: Resource{Kind: KindSeats}, Threshold: 80})
	if a != b || a == c || len(a) != 36 {
		t.Fatalf("ids %s %s %s", a, b, c)
	}
}
