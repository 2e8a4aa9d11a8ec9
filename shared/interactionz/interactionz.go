// Package interactionz is the Interactionz billing model (docs/PRODUCT.md,
// "Interactionz"): which events are billable in which lane, and the fixed
// 24-hour windows that decide whether a billable event debits a credit. It is pure: no storage, no clock.
package interactionz

import (
	"time"

	"github.com/customercloud/home/shared/contract"
)

// Lane separates windows of one contact: a chatbot conversation, a human
// attendance and an expert agent's actions are billed independently.
type Lane string

// The lanes.
const (
	LaneBot         Lane = "bot"
	LaneHuman       Lane = "human"
	LaneExpertAgent Lane = "expert_agent"
)

// Lanes lists every lane.
var Lanes = []Lane{LaneBot, LaneHuman, LaneExpertAgent}

// WindowLength is the life of an Interactionz, fixed from its opening.
const WindowLength = 24 * time.Hour

// Rule is one row of the rule table: events of Type whose Field equals Value
// (any value when Field is empty) are billable or not, in Lane.
type Rule struct {
	Type     contract.Type
	Field    string
	Value    string
	Lane     Lane
	Billable bool
}

func (r Rule) matches(e contract.Event) bool {
	if r.Type != e.Type {
		return false
	}
	if r.Field == "" {
		return true
	}
	return fieldValue(e, r.Field) == r.Value
}

func fieldValue(e contract.Event, field string) string {
	switch field {
	case "routedTo":
		return e.Data.RoutedTo
	case "sender":
		return e.Data.Sender
	case "visibility":
		return e.Data.Visibility
	case "public":
		if e.Data.Public == nil {
			return ""
		}
		if *e.Data.Public {
			return "true"
		}
		return "false"
	}
	return ""
}

// Classify returns the lane of a billable event; ok is false for events that
// are never billed.
func Classify(e contract.Event) (lane Lane, ok bool) {
	for _, r := range Rules {
		if r.matches(e) {
			return r.Lane, r.Billable
		}
	}
	return "", false
}

// Window is one Interactionz: [Start, End).
type Window struct {
	Start time.Time
	End   time.Time
}

// Contains reports whether t falls in w.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Outcome is what a billable event does to its lane.
type Outcome int

// Outcomes.
const (
	// Debit: no window of the lane contains t: one Interactionz is debited
	// and a window opens at t.
	Debit Outcome = iota + 1
	// Free: the lane's current window contains t.
	Free
	// Absorbed: t is older than the lane's current window (a late event);
	// it is never billed.
	Absorbed
)

func (o Outcome) String() string {
	switch o {
	case Debit:
		return "debit"
	case Free:
		return "free"
	case Absorbed:
		return "absorbed"
	}
	return "none"
}

// Decide applies a billable event at time t to the lane's current window
// (nil when the lane never had one). Windows are never extended: activity
// inside a window is free, and the first activity at or after its end opens
// the next one.
func Decide(current *Window, t time.Time) (Outcome, Window) {
	switch {
	case current == nil || !t.Before(current.End):
		return Debit, Window{Start: t, End: t.Add(WindowLength)}
	case t.Before(current.Start):
		return Absorbed, *current
	default:
		return Free, *current
	}
}
