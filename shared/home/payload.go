package home

import (
	"sort"
	"time"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/records"
)

// Step is one first step.
type Step struct {
	Step       string `json:"step"`
	Done       bool   `json:"done"`
	CanExecute bool   `json:"canExecute"`
}

// Step names, in their display order.
const (
	StepConnectIntegration = "connect_integration"
	StepImportContacts     = "import_contacts"
	StepEnableChannel      = "enable_channel"
	StepInviteUsers        = "invite_users"
	StepSendFirstMessage   = "send_first_message"
)

// QuickActions are the Home's shortcuts (Operator and Admin only).
var QuickActions = []string{"send_messages", "manage_contacts", "handle_tickets", "serve_customers", "enable_channel", "invoices"}

// Counted is a consumption figure against what the plan includes.
type Counted struct {
	Today    int64 `json:"today"`
	Cycle    int64 `json:"cycle"`
	Included int64 `json:"included"`
	Overage  int64 `json:"overage"`
}

// Seats is licensed users against users in use.
type Seats struct {
	Used     int `json:"used"`
	Licensed int `json:"licensed"`
	Overage  int `json:"overage"`
}

// Package is one channel package's mass sends against its volume.
type Package struct {
	Channel string `json:"channel"`
	Today   int    `json:"today"`
	Cycle   int    `json:"cycle"`
	Volume  int    `json:"volume"`
	Overage int    `json:"overage"`
}

// Cycle is a billing cycle's dates.
type Cycle struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// ActivePlan is the plan section.
type ActivePlan struct {
	Name         string           `json:"name"`
	Cycle        Cycle            `json:"cycle"`
	Interactionz Counted          `json:"interactionz"`
	ByLane       map[string]int64 `json:"interactionzByLane"`
	Seats        Seats            `json:"seats"`
	Packages     []Package        `json:"channelPackages"`
}

// Payload is GET /v1/home.
type Payload struct {
	Organization string           `json:"organization"`
	Profile      string           `json:"profile"`
	TimeZone     string           `json:"timeZone"`
	Today        string           `json:"today"`
	AsOf         *time.Time       `json:"asOf"`
	FirstSteps   []Step           `json:"firstSteps"`
	ActivePlan   ActivePlan       `json:"activePlan"`
	QuickActions []string         `json:"quickActions,omitempty"`
	Metrics      *metrics.Metrics `json:"metrics"`
}

func over[T int | int64](used, included T) T {
	if used > included {
		return used - included
	}
	return 0
}

// Build shapes the Home for a principal from the organization's profile and
// the figures read for today at now.
func Build(p auth.Principal, prof records.Profile, h records.HomeFigures, now time.Time) Payload {
	pl := prof.Plan
	loc := pl.Location()
	today := localdate.Of(now, loc)
	cyc := pl.Cycle(today)
	out := Payload{Organization: p.Org, Profile: string(p.Profile), TimeZone: loc.String(), Today: today.String()}
	snap := h.Rollup.Snapshot
	if h.Rollup.Exists {
		asOf := snap.AsOf
		out.AsOf = &asOf
		m := snap.Metrics
		out.Metrics = &m
	} else {
		out.Metrics = emptyMetrics(today)
	}
	org := prof.State
	admin := p.Profile == auth.Admin
	done := map[string]bool{
		StepConnectIntegration: len(org.Integrations) > 0,
		StepImportContacts:     snap.ContactsRegistered,
		StepEnableChannel:      len(org.Channels) > 0,
		StepInviteUsers:        len(org.Users) > 1,
		StepSendFirstMessage:   snap.AnyMessageSent,
	}
	for _, s := range []string{StepConnectIntegration, StepImportContacts, StepEnableChannel, StepInviteUsers, StepSendFirstMessage} {
		out.FirstSteps = append(out.FirstSteps, Step{Step: s, Done: done[s], CanExecute: admin})
	}
	ap := ActivePlan{Name: pl.Name, Cycle: Cycle{cyc.From.String(), cyc.To.String()}, ByLane: h.Cycle.Lanes}
	ap.Interactionz = Counted{Today: h.Today.Total, Cycle: h.Cycle.Total, Included: int64(pl.IncludedInteractionz),
		Overage: over(h.Cycle.Total, int64(pl.IncludedInteractionz))}
	if ap.ByLane == nil {
		ap.ByLane = map[string]int64{}
	}
	ap.Seats = Seats{Used: len(org.Users), Licensed: pl.Seats, Overage: over(len(org.Users), pl.Seats)}
	// Mass sends come from the rollup; they count only if the rollup is of
	// the current cycle and day.
	chans := map[string]bool{}
	for c := range pl.Packages {
		chans[c] = true
	}
	for c := range snap.MassSends {
		chans[c] = true
	}
	names := make([]string, 0, len(chans))
	for c := range chans {
		names = append(names, c)
	}
	sort.Strings(names)
	ap.Packages = []Package{}
	for _, c := range names {
		u := snap.MassSends[c]
		if snap.CycleStart != cyc.From.String() {
			u.Cycle = 0
		}
		if snap.Today != today.String() {
			u.Today = 0
		}
		vol := pl.Packages[c]
		ap.Packages = append(ap.Packages, Package{Channel: c, Today: u.Today, Cycle: u.Cycle, Volume: vol, Overage: over(u.Cycle, vol)})
	}
	out.ActivePlan = ap
	if p.Profile == auth.Admin || p.Profile == auth.Operator {
		out.QuickActions = QuickActions
	}
	return out
}

func emptyMetrics(today localdate.Date) *metrics.Metrics {
	s := metrics.NewAggregator(time.Time{}, today, today).Snapshot()
	return &s.Metrics
}
