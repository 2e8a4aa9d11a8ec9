// Package alerts turns the meter's committed totals into threshold
// notifications: exactly one per (organization, billing cycle, resource,
// threshold). Detection never depends on which event was processed: after a
// batch commits, the notifier reads the cycle's totals and derives every
// threshold they are at or past; each one not yet marked gets a mark written
// with a conditional update (the single decision point, whoever gets there
// first), which is also the outbox from which the notification is published
// and marked sent. A crash after the mark leaves it pending; the next check
// of that organization (a later batch, or the scheduled sweep) publishes it
// again once its lease has passed, with the same notification id.
package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/plan"
)

// Event names on the bus.
const (
	// Source is the EventBridge source of every notification.
	Source = "cch.interactionz"
	// DetailTypeThresholdCrossed is the detail-type of a crossing.
	DetailTypeThresholdCrossed = "interactionz.threshold.crossed"
)

// Kind is what a threshold applies to.
type Kind string

// The kinds of resource with thresholds.
const (
	KindInteractionz Kind = "interactionz"
	KindSeats        Kind = "seats"
	KindPackage      Kind = "package"
	KindExpertAgent  Kind = "expertAgent"
)

// Resource is one limited resource: a kind and, for packages and expert
// agents, the channel or the agent id.
type Resource struct {
	Kind Kind
	Name string
}

// ID is the resource's stable name: "interactionz", "seats",
// "package.whatsapp", "expertAgent.<id>".
func (r Resource) ID() string {
	if r.Name == "" {
		return string(r.Kind)
	}
	return string(r.Kind) + "." + r.Name
}

// Usage is what a check knows of a cycle's consumption. Packages is nil when
// the caller does not know mass sends (the debit path); seats are known only
// for the current cycle (SeatsKnown).
type Usage struct {
	Interactionz int64
	ExpertAgents map[string]int64
	SeatsUsed    int
	SeatsKnown   bool
	Packages     map[string]int64
}

// Crossing is a threshold a usage is at or past.
type Crossing struct {
	Resource  Resource
	Threshold int
	Used      int64
	Limit     int64
}

// Mark is the crossing's mark name in the cycle's alerts item.
func (c Crossing) Mark() string { return c.Resource.ID() + "@" + strconv.Itoa(c.Threshold) }

// reached reports whether used is at or past pct % of limit (no limit, no
// threshold: a plan without seats or a package of 0 never notifies).
func reached(used, limit int64, pct int) bool {
	return limit > 0 && used*100 >= limit*int64(pct)
}

// Crossings lists every threshold of the plan that usage has reached, in a
// stable order (resource, then threshold).
func Crossings(pl plan.Plan, u Usage) []Crossing {
	var t plan.Thresholds
	if pl.Thresholds != nil {
		t = *pl.Thresholds
	}
	var out []Crossing
	add := func(r Resource, used, limit int64, pcts []int) {
		for _, pct := range plan.Sorted(pcts) {
			if reached(used, limit, pct) {
				out = append(out, Crossing{Resource: r, Threshold: pct, Used: used, Limit: limit})
			}
		}
	}
	add(Resource{Kind: KindInteractionz}, u.Interactionz, int64(pl.IncludedInteractionz), plan.Or(t.Interactionz))
	if u.SeatsKnown {
		add(Resource{Kind: KindSeats}, int64(u.SeatsUsed), int64(pl.Seats), plan.Or(t.Seats))
	}
	if u.Packages != nil {
		for _, ch := range sortedKeys(pl.Packages) {
			add(Resource{Kind: KindPackage, Name: ch}, u.Packages[ch], int64(pl.Packages[ch]), plan.Or(t.Packages))
		}
	}
	for _, id := range sortedKeys(t.ExpertAgents) {
		c := t.ExpertAgents[id]
		add(Resource{Kind: KindExpertAgent, Name: id}, u.ExpertAgents[id], int64(c.MonthlyCap), plan.Or(c.Thresholds))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Cycle is a billing cycle's local dates.
type Cycle struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Notification is the detail of an interactionz.threshold.crossed event
// (schema in docs/notifications.schema.json): what was crossed, the figure,
// the limit and the cycle.
type Notification struct {
	// NotificationID is the same for every delivery of one crossing:
	// consumers deduplicate by it (it is also the webhook-id).
	NotificationID string `json:"notificationId"`
	OrganizationID string `json:"organizationId"`
	Cycle          Cycle  `json:"cycle"`
	Resource       Kind   `json:"resource"`
	Channel        string `json:"channel,omitempty"`
	ExpertAgentID  string `json:"expertAgentId,omitempty"`
	// ThresholdPercent is the threshold crossed, in percent of Limit.
	ThresholdPercent int `json:"thresholdPercent"`
	// Used is the figure when the crossing was detected; Limit the plan's.
	Used      int64     `json:"used"`
	Limit     int64     `json:"limit"`
	Unit      string    `json:"unit"`
	CrossedAt time.Time `json:"crossedAt"`
}

// NotificationID is the deterministic id of a crossing.
func NotificationID(org, cycleStart string, c Crossing) string {
	h := sha256.Sum256([]byte(org + "\x00" + cycleStart + "\x00" + c.Mark()))
	return "ntf_" + hex.EncodeToString(h[:16])
}

func unit(k Kind) string {
	switch k {
	case KindSeats:
		return "seats"
	case KindPackage:
		return "messages"
	}
	return "interactionz"
}

// NewNotification describes crossing c of org's cycle, detected at now.
func NewNotification(org string, cyc localdate.Range, c Crossing, now time.Time) Notification {
	n := Notification{
		NotificationID: NotificationID(org, cyc.From.String(), c), OrganizationID: org,
		Cycle: Cycle{Start: cyc.From.String(), End: cyc.To.String()}, Resource: c.Resource.Kind,
		ThresholdPercent: c.Threshold, Used: c.Used, Limit: c.Limit, Unit: unit(c.Resource.Kind), CrossedAt: now.UTC(),
	}
	switch c.Resource.Kind {
	case KindPackage:
		n.Channel = c.Resource.Name
	case KindExpertAgent:
		n.ExpertAgentID = c.Resource.Name
	}
	return n
}

// Mark states.
const (
	statePending = "pending"
	stateSent    = "sent"
)

// markValue is what a mark holds: its state, when it was (re)claimed, and
// the notification, so every delivery of a crossing says the same thing.
type markValue struct {
	State        string       `json:"s"`
	ClaimedAt    int64        `json:"at"`
	Notification Notification `json:"n"`
}

func (m markValue) encode() string {
	b, _ := json.Marshal(m) // plain strings and numbers: cannot fail
	return string(b)
}

// ErrBadMark means a stored mark could not be read.
var ErrBadMark = fmt.Errorf("alerts: unreadable mark")

func decodeMark(raw string) (markValue, error) {
	var m markValue
	if err := json.NewDecoder(strings.NewReader(raw)).Decode(&m); err != nil {
		return m, fmt.Errorf("%w: %v", ErrBadMark, err)
	}
	if m.State != statePending && m.State != stateSent {
		return m, fmt.Errorf("%w: state %q", ErrBadMark, m.State)
	}
	return m, nil
}
