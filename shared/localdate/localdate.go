// Package localdate owns time zones and local dates: every daily bucket,
// "today", "last 30 days" and billing cycle is computed here, in the
// organization's IANA zone (default America/Sao_Paulo), so DST and midnight
// rules live in one place.
package localdate

import (
	"fmt"
	"time"

	// tzdata is embedded: provided.al2023 images are minimal and a missing
	// zoneinfo would silently turn every date into UTC.
	_ "time/tzdata"
)

// DefaultZone is the zone of organizations that have not set one.
const DefaultZone = "America/Sao_Paulo"

// Date is a civil date, counted in days since 1970-01-01. Being an integer
// it is compact in stored state and cheap to compare and range over.
type Date int32

// Layout is the text form of a Date.
const Layout = "2006-01-02"

// Load returns the IANA zone name, or the default zone for "". "Local" is
// refused: time.LoadLocation maps it to the host's zone, so its meaning
// would depend on the machine that reads it.
func Load(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultZone
	}
	if name == "Local" {
		return nil, fmt.Errorf("time zone %q: not an IANA name (it means the host's zone)", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	return loc, nil
}

// MustLoadDefault returns the default zone; it is embedded, so it cannot fail.
func MustLoadDefault() *time.Location {
	loc, err := Load(DefaultZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Of is the local date of instant t in loc.
func Of(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return FromCivil(y, m, d)
}

// FromCivil makes a Date from a year, month and day.
func FromCivil(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Parse reads "2006-01-02".
func Parse(s string) (Date, error) {
	t, err := time.Parse(Layout, s)
	if err != nil {
		return 0, fmt.Errorf("date %q: want YYYY-MM-DD: %w", s, err)
	}
	return Date(t.Unix() / 86400), nil
}

func (d Date) civil() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String is "2006-01-02".
func (d Date) String() string { return d.civil().Format(Layout) }

// Day is the day of the month.
func (d Date) Day() int { return d.civil().Day() }

// AddDays moves n days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Start is local midnight of d in loc (the first instant of the date, which
// DST can move off 00:00).
func (d Date) Start(loc *time.Location) time.Time {
	y, m, day := d.civil().Date()
	t := time.Date(y, m, day, 0, 0, 0, 0, loc)
	// time.Date normalizes a nonexistent midnight forward; make sure we are
	// still on the same local date.
	for Of(t, loc) < d {
		t = t.Add(time.Hour)
	}
	return t
}

// Range is an inclusive range of dates.
type Range struct {
	From, To Date
}

// Contains reports whether d is in r.
func (r Range) Contains(d Date) bool { return d >= r.From && d <= r.To }

// Days is the number of dates in r.
func (r Range) Days() int { return int(r.To-r.From) + 1 }

// PeriodDays is the length of the Home's comparison periods.
const PeriodDays = 30

// Last30 is the 30 local dates ending today.
func Last30(today Date) Range { return Range{today.AddDays(-(PeriodDays - 1)), today} }

// Previous30 is the 30 dates before Last30.
func Previous30(today Date) Range {
	return Range{today.AddDays(-(2*PeriodDays - 1)), today.AddDays(-PeriodDays)}
}

// ActivityDays is how many past dates of activity ingest keeps per contact:
// enough for the current and previous 30-day periods, plus a day of margin
// for rollups that run after midnight.
const ActivityDays = 2*PeriodDays + 1

// CycleStart is the first date of the billing cycle containing d, for a
// cycle that starts on day-of-month startDay (1-28).
func CycleStart(d Date, startDay int) Date {
	if startDay < 1 || startDay > 28 {
		startDay = 1
	}
	c := d.civil()
	y, m := c.Year(), c.Month()
	if c.Day() < startDay {
		m--
		if m < time.January {
			m, y = time.December, y-1
		}
	}
	return FromCivil(y, m, startDay)
}

// CycleEnd is the last date of the cycle that starts on start.
func CycleEnd(start Date) Date {
	c := start.civil()
	return FromCivil(c.Year(), c.Month()+1, c.Day()).AddDays(-1)
}
