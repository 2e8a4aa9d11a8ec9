package alerts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/records"
)

// Store is what the notifier needs from storage.
type Store interface {
	AlertState(ctx context.Context, org, cycleStart string) (records.AlertState, error)
	PutAlertMark(ctx context.Context, org, cycleStart, mark, value, prev string) error
}

// Bus publishes notifications: EventBridge PutEvents in AWS, the local
// runner's SQS stand-in on this machine.
type Bus interface {
	Publish(ctx context.Context, ns []Notification) error
}

// DefaultLease is how long a pending mark belongs to the check that
// claimed it before another check may publish it again: longer than one
// publish takes, so two live checks never both publish a crossing.
const DefaultLease = 2 * time.Minute

// Notifier checks organizations' thresholds and publishes crossings.
type Notifier struct {
	st    Store
	bus   Bus
	log   *slog.Logger
	now   func() time.Time
	lease time.Duration
}

// NotifierConfig is what a Notifier is built from; NewNotifier validates
// it.
type NotifierConfig struct {
	Store Store
	Bus   Bus
	Log   *slog.Logger
	// Now is the clock; nil is time.Now (tests set it).
	Now func() time.Time
	// Lease is how long a claimed mark is the claimer's; 0 is DefaultLease.
	Lease time.Duration
}

// Validate says what is missing.
func (c NotifierConfig) Validate() error {
	return config.Check("alerts", config.Required("Store", c.Store != nil), config.Required("Bus", c.Bus != nil),
		config.Required("Log", c.Log != nil), config.NotNegative("Lease", c.Lease))
}

// NewNotifier builds a notifier.
func NewNotifier(cfg NotifierConfig) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Notifier{st: cfg.Store, bus: cfg.Bus, log: cfg.Log, now: config.Clock(cfg.Now), lease: cmp.Or(cfg.Lease, DefaultLease)}, nil
}

// Check is one organization's cycle to look at. Packages is the cycle's mass
// sends per channel when the caller knows them (the scheduled sweep), nil
// otherwise.
type Check struct {
	Org        string
	CycleStart localdate.Date
	Packages   map[string]int64
	// PendingOnly publishes pending marks past their lease without claiming
	// new crossings: the sweep of a closed cycle, which must not notify a
	// past cycle against a plan changed since.
	PendingOnly bool
}

// Validate checks the input.
func (c Check) Validate() error {
	if c.Org == "" {
		return errors.New("alerts: check without organization")
	}
	return nil
}

// Result counts what a check did.
type Result struct {
	Crossings int
	Claimed   int
	Published int
}

// Run derives the cycle's crossings from its committed totals, claims those
// not yet marked, publishes what it claimed (and pending marks whose lease
// has passed), and marks them sent. It is safe to run any number of times,
// concurrently, before or after a crash: the marks' conditional writes let
// exactly one caller publish each crossing.
func (n *Notifier) Run(ctx context.Context, c Check) (Result, error) {
	var res Result
	if err := c.Validate(); err != nil {
		return res, err
	}
	cycle := c.CycleStart.String()
	a, err := n.st.AlertState(ctx, c.Org, cycle)
	if err != nil {
		return res, err
	}
	now := n.now()
	pl := a.Profile.Plan
	cyc := localdate.Range{From: c.CycleStart, To: localdate.CycleEnd(c.CycleStart)}
	today := localdate.Of(now, pl.Location())
	u := Usage{Interactionz: a.Cycle.Total, ExpertAgents: a.Cycle.ExpertAgents, Packages: c.Packages}
	if cyc.Contains(today) {
		u.SeatsUsed, u.SeatsKnown = len(a.Profile.State.Users), true
	}
	crossings := Crossings(pl, u)
	res.Crossings = len(crossings)
	type claim struct {
		mark  string
		value markValue
	}
	var claims []claim
	for _, x := range crossings {
		mark := x.Mark()
		raw, exists := a.Marks[mark]
		var prev string
		var v markValue
		if exists {
			old, err := decodeMark(raw)
			if err != nil {
				n.log.ErrorContext(ctx, "threshold mark unreadable", "org", c.Org, "cycle", cycle, "mark", mark, "error", err.Error())
				continue
			}
			if old.State == stateSent || now.Sub(time.UnixMilli(old.ClaimedAt)) < n.lease {
				continue
			}
			// Pending past its lease: whoever claimed it died before
			// publishing or before marking it sent. Same notification.
			prev, v = raw, markValue{State: statePending, ClaimedAt: now.UnixMilli(), Notification: old.Notification}
		} else if c.PendingOnly {
			continue
		} else {
			v = markValue{State: statePending, ClaimedAt: now.UnixMilli(), Notification: NewNotification(c.Org, cyc, x, now)}
		}
		err := n.st.PutAlertMark(ctx, c.Org, cycle, mark, v.encode(), prev)
		if errors.Is(err, records.ErrConflict) {
			continue // another check claimed it first: it publishes
		}
		if err != nil {
			return res, err
		}
		res.Claimed++
		claims = append(claims, claim{mark, v})
	}
	if len(claims) == 0 {
		return res, nil
	}
	ns := make([]Notification, len(claims))
	for i, cl := range claims {
		ns[i] = cl.value.Notification
	}
	if err := n.bus.Publish(ctx, ns); err != nil {
		// The marks stay pending: the next check after the lease publishes them.
		return res, fmt.Errorf("publish notifications: %w", err)
	}
	res.Published = len(ns)
	for _, cl := range claims {
		sent := cl.value
		sent.State = stateSent
		if err := n.st.PutAlertMark(ctx, c.Org, cycle, cl.mark, sent.encode(), cl.value.encode()); err != nil && !errors.Is(err, records.ErrConflict) {
			return res, err
		}
		n.log.InfoContext(ctx, "threshold notification published", "org", c.Org, "cycle", cycle,
			"mark", cl.mark, "notificationId", cl.value.Notification.NotificationID)
	}
	return res, nil
}
