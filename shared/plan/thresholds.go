package plan

import (
	"fmt"
	"slices"
	"sort"

	"github.com/customercloud/home/shared/contract"
)

// DefaultThresholds are the percentages of a limit that notify when no
// others are set: before the limit (80 %) and at it (100 %).
var DefaultThresholds = []int{80, 100}

// Threshold bounds: a percentage of a limit, at most MaxThresholds per
// resource, MaxExpertAgents capped agents per organization.
const (
	MinThreshold    = 1
	MaxThreshold    = 1000
	MaxThresholds   = 10
	MaxExpertAgents = 500
)

// Thresholds are the percentages of each limit whose crossing notifies the
// organization once per billing cycle. A nil list means DefaultThresholds;
// an empty list turns that resource's notifications off (so the lists are
// never omitted when encoded: null and [] mean different things).
type Thresholds struct {
	// Interactionz applies to the plan's included Interactionz.
	Interactionz []int `json:"interactionz"`
	// Seats applies to the licensed seats.
	Seats []int `json:"seats"`
	// Packages applies to each channel package's volume.
	Packages []int `json:"packages"`
	// ExpertAgents are per-agent monthly caps, keyed by expertAgentId.
	ExpertAgents map[string]AgentCap `json:"expertAgents,omitempty"`
}

// AgentCap is an expert agent's Interactionz cap per cycle. The platform
// stops an agent at its cap; the meter only counts and notifies.
type AgentCap struct {
	MonthlyCap int   `json:"monthlyCap"`
	Thresholds []int `json:"thresholds"`
}

// ValidExpertAgentID reports whether id is a well-formed expert agent id:
// the event contract's id rule (contract.ValidID), not a copy of it as a
// regular expression, whose bounded repetition took about 0.2 ms of every
// cold start to compile.
func ValidExpertAgentID(id string) bool { return contract.ValidID(id) }

// Or returns the list, or DefaultThresholds when it is nil.
func Or(list []int) []int {
	if list == nil {
		return DefaultThresholds
	}
	return list
}

func validList(field string, list []int) []error {
	var errs []error
	if len(list) > MaxThresholds {
		errs = append(errs, FieldError{field, fmt.Sprintf("at most %d thresholds", MaxThresholds)})
	}
	seen := map[int]bool{}
	for i, v := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case v < MinThreshold || v > MaxThreshold:
			errs = append(errs, FieldError{f, fmt.Sprintf("must be a percentage %d-%d", MinThreshold, MaxThreshold)})
		case seen[v]:
			errs = append(errs, FieldError{f, "repeated"})
		}
		seen[v] = true
	}
	return errs
}

// Validate checks every list and cap; errors name the field under
// "thresholds.".
func (t Thresholds) Validate() []error {
	errs := validList("thresholds.interactionz", t.Interactionz)
	errs = append(errs, validList("thresholds.seats", t.Seats)...)
	errs = append(errs, validList("thresholds.packages", t.Packages)...)
	if len(t.ExpertAgents) > MaxExpertAgents {
		errs = append(errs, FieldError{"thresholds.expertAgents", fmt.Sprintf("at most %d agents", MaxExpertAgents)})
	}
	ids := make([]string, 0, len(t.ExpertAgents))
	for id := range t.ExpertAgents {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		f := "thresholds.expertAgents." + id
		if !ValidExpertAgentID(id) {
			errs = append(errs, FieldError{"thresholds.expertAgents", "an agent id is 1-64 characters of A-Z a-z 0-9 . _ : @ + -"})
			continue
		}
		c := t.ExpertAgents[id]
		if c.MonthlyCap < 1 || c.MonthlyCap > 1e9 {
			errs = append(errs, FieldError{f + ".monthlyCap", "must be 1-1000000000"})
		}
		errs = append(errs, validList(f+".thresholds", c.Thresholds)...)
	}
	return errs
}

// Sorted is a copy of list in ascending order.
func Sorted(list []int) []int {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}
