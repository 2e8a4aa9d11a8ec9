// Package plan is an organization's commercial plan (docs/PRODUCT.md,
// "Plans, seats and channel packages"): the name, when its billing cycle
// starts, what it includes, and the channel packages.
// Exceeding a plan never blocks metering; the Home shows the overage.
package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/localdate"
)

// Plan is what an organization bought.
type Plan struct {
	Name string `json:"name"`
	// CycleStartDay is the day of the month a billing cycle starts (1-28, so
	// every month has it).
	CycleStartDay int `json:"cycleStartDay"`
	// IncludedInteractionz is the number of Interactionz per cycle.
	IncludedInteractionz int `json:"includedInteractionz"`
	// Seats is the number of licensed users.
	Seats int `json:"seats"`
	// Packages is the mass-send volume per channel per cycle.
	Packages map[string]int `json:"packages,omitempty"`
	// TimeZone is the organization's IANA zone for dates and cycles.
	TimeZone string `json:"timeZone,omitempty"`
	// Thresholds are the notification thresholds (nil: the defaults).
	Thresholds *Thresholds `json:"thresholds,omitempty"`
}

// Default is the plan of an organization that has none yet: Starter.
func Default() Plan {
	return Plan{Name: "Starter", CycleStartDay: 1, IncludedInteractionz: 100, Seats: 1, TimeZone: localdate.DefaultZone}
}

// FieldError names the plan field at fault.
type FieldError struct {
	Field  string
	Reason string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks every field and returns all faults joined.
func (p Plan) Validate() error {
	var errs []error
	if p.Name == "" || len(p.Name) > 64 {
		errs = append(errs, FieldError{"name", "required, at most 64 characters"})
	} else if !contract.PlainText(p.Name) {
		errs = append(errs, FieldError{"name", "no control, format (bidi) or separator characters"})
	}
	if p.CycleStartDay < 1 || p.CycleStartDay > 28 {
		errs = append(errs, FieldError{"cycleStartDay", "must be 1-28"})
	}
	if p.IncludedInteractionz < 0 || p.IncludedInteractionz > 1e9 {
		errs = append(errs, FieldError{"includedInteractionz", "must be 0-1000000000"})
	}
	if p.Seats < 1 || p.Seats > 100000 {
		errs = append(errs, FieldError{"seats", "must be 1-100000"})
	}
	for _, c := range slices.Sorted(maps.Keys(p.Packages)) {
		if !contract.IsChannel(c) {
			errs = append(errs, FieldError{"packages." + c, "unknown channel"})
		} else if v := p.Packages[c]; v < 0 || v > 1e12 {
			errs = append(errs, FieldError{"packages." + c, "must be 0-1000000000000"})
		}
	}
	if p.TimeZone != "" {
		if _, err := localdate.Load(p.TimeZone); err != nil {
			errs = append(errs, FieldError{"timeZone", "unknown IANA time zone"})
		}
	}
	if p.Thresholds != nil {
		errs = append(errs, p.Thresholds.Validate()...)
	}
	return errors.Join(errs...)
}

// Location is the plan's zone, falling back to the default.
func (p Plan) Location() *time.Location {
	loc, err := localdate.Load(p.TimeZone)
	if err != nil {
		return localdate.MustLoadDefault()
	}
	return loc
}

// Cycle is the billing cycle containing date d.
func (p Plan) Cycle(d localdate.Date) localdate.Range {
	start := localdate.CycleStart(d, p.CycleStartDay)
	return localdate.Range{From: start, To: localdate.CycleEnd(start)}
}

// String is for logs: no personal data in a plan.
func (p Plan) String() string { return fmt.Sprintf("%s/%d", p.Name, p.IncludedInteractionz) }
