package metrics

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/geo/uf"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/sentiment"
)

// Incremental aggregates (issue 13). Every Home figure is a sum of sparse
// counters keyed by ABSOLUTE local dates, so the figures stay exact without
// any daily "close": a day leaves the 30-day period because the Home stops
// reading its counters, not because anything is written.
//
// A contact's Contribution is what it adds to those counters; the
// aggregate function adds Contribution(new) − Contribution(old) for every
// contact-state write it reads from the table's stream. The sum over the
// stored states is exactly what Aggregator recounts from them.
//
// Counters of one date live in one item (the date's aggregate); the names
// of its attributes are the constants below.
const (
	// AttrReached, AttrCommercial and AttrSupport + G (1..30) count the
	// contacts with an active day of that category on this date whose
	// previous active day of the category is G days earlier (30: not within
	// 30 days, or none). That day is the first of the contact's active days
	// in the 30-day windows ending e for e in [date+30−G, date+29]; those
	// ranges are disjoint for one contact, so the distinct count of the
	// window ending e is Σ_{d ∈ [e−29, e]} Σ_{G ≥ 30−(e−d)} K[d][G] (see
	// Distinct). Looking back rather than forward is what keeps the
	// aggregate function's writes few: a contact's newest active day only
	// changes counters of its own date, the date every other counter of the
	// event changes too; only a late event, older than the contact's newest
	// active day, also changes the counter of the active day after it.
	AttrReached    = "r"
	AttrCommercial = "c"
	AttrSupport    = "s"
	// AttrMessages is messages sent on the date; AttrDayCommercial and
	// AttrDaySupport count contacts attended that day (dailyVolume).
	AttrMessages      = "v"
	AttrDayCommercial = "vc"
	AttrDaySupport    = "vs"
	// AttrOpenedCommercial and AttrOpenedSupport count public tickets opened.
	AttrOpenedCommercial = "oc"
	AttrOpenedSupport    = "os"
	// AttrGeo + UF: interactions of contacts whose CURRENT state is UF.
	AttrGeo = "g"
	// AttrPending + status: open public support tickets opened on the date.
	AttrPending = "p"
	// AttrSatisfaction + label: windows opened on the date, by the label of
	// their latest classified text.
	AttrSatisfaction = "x"
	// AttrMass + channel: mass sends (channel packages).
	AttrMass = "m"
)

// Attributes of the organization's base aggregate (not dated).
const (
	// AttrContactBase counts registered, not deleted contacts.
	AttrContactBase = "cb"
	// AttrEverSent and AttrEverRegistered count contacts that ever turned
	// the first step on. They only ever grow (a contact state that expires
	// does not take them back), so "> 0" is the sticky first step.
	AttrEverSent       = "es"
	AttrEverRegistered = "er"
)

// Sticky are the base counters that only ever grow and only matter above
// zero (the first steps).
var Sticky = []string{AttrEverSent, AttrEverRegistered}

// Counters are sparse counters by attribute name; zero means absent.
type Counters map[string]int64

// add adds n to name, dropping the entry when it comes back to zero.
func (c Counters) add(name string, n int64) {
	if n == 0 {
		return
	}
	v := c[name] + n
	if v == 0 {
		delete(c, name)
		return
	}
	c[name] = v
}

// Contribution is what one contact state (or the difference of two) adds
// to its organization's aggregates: dated counters and base counters.
type Contribution struct {
	Days map[localdate.Date]Counters
	Base Counters
}

// Empty reports whether the contribution changes nothing.
func (c Contribution) Empty() bool {
	for _, d := range c.Days {
		if len(d) > 0 {
			return false
		}
	}
	return len(c.Base) == 0
}

func (c *Contribution) day(d localdate.Date) Counters {
	if c.Days == nil {
		c.Days = map[localdate.Date]Counters{}
	}
	m := c.Days[d]
	if m == nil {
		m = Counters{}
		c.Days[d] = m
	}
	return m
}

func (c *Contribution) addDay(d localdate.Date, name string, n int64) {
	if n != 0 {
		c.day(d).add(name, n)
	}
}

func (c *Contribution) addBase(name string, n int64) {
	if n == 0 {
		return
	}
	if c.Base == nil {
		c.Base = Counters{}
	}
	c.Base.add(name, n)
}

// Add folds o into c (an organization's deltas over a batch).
func (c *Contribution) Add(o Contribution) { c.addScaled(o, 1) }

func (c *Contribution) addScaled(o Contribution, k int64) {
	for d, m := range o.Days {
		for name, n := range m {
			c.addDay(d, name, k*n)
		}
		if len(c.Days[d]) == 0 {
			delete(c.Days, d)
		}
	}
	for name, n := range o.Base {
		c.addBase(name, k*n)
	}
}

// Contribute is the contribution of one stored contact state; nil (no
// state: not yet written, or removed) contributes nothing. Pure: it reads
// only the state, whose dates are already the organization's local dates.
func Contribute(s *ingest.ContactState) Contribution {
	var c Contribution
	if s == nil {
		return c
	}
	if s.Registered && !s.Deleted {
		c.addBase(AttrContactBase, 1)
	}
	state := s.UF
	if state == "" {
		state = uf.Unknown
	}
	var reached, com, sup []localdate.Date
	for _, d := range s.Days {
		sent := 0
		for _, n := range d.Sent {
			sent += n
		}
		if sent > 0 {
			reached = append(reached, d.Date)
		}
		if d.Commercial {
			com = append(com, d.Date)
			c.addDay(d.Date, AttrDayCommercial, 1)
		}
		if d.Support {
			sup = append(sup, d.Date)
			c.addDay(d.Date, AttrDaySupport, 1)
		}
		c.addDay(d.Date, AttrMessages, int64(sent))
		c.addDay(d.Date, AttrOpenedCommercial, int64(d.OpenedCommercial))
		c.addDay(d.Date, AttrOpenedSupport, int64(d.OpenedSupport))
		c.addDay(d.Date, AttrGeo+state, int64(d.Interactions))
		for ch, n := range d.Mass {
			c.addDay(d.Date, AttrMass+ch, int64(n))
		}
	}
	c.coverage(AttrReached, reached)
	c.coverage(AttrCommercial, com)
	c.coverage(AttrSupport, sup)
	for _, t := range s.Tickets {
		if t.Area != contract.AreaSupport {
			continue
		}
		switch t.Status {
		case contract.StatusNew, contract.StatusWaiting, contract.StatusInProgress:
			c.addDay(t.Opened, AttrPending+t.Status, 1)
		}
	}
	for _, w := range s.Windows {
		switch w.Sentiment {
		case sentiment.Positive, sentiment.Neutral, sentiment.Negative:
			c.addDay(w.Date, AttrSatisfaction+string(w.Sentiment), 1)
		}
	}
	return c
}

// coverage counts each active day with the gap from the previous one
// (capped at the period): see AttrReached.
func (c *Contribution) coverage(prefix string, days []localdate.Date) {
	sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
	for i, d := range days {
		g := localdate.PeriodDays
		if i > 0 {
			g = min(g, int(d-days[i-1]))
		}
		c.addDay(d, prefix+strconv.Itoa(g), 1)
	}
}

// Delta is Contribution(next) − Contribution(prev); either may be nil (a
// state created or removed). Sticky first steps are counted only when a
// contact turns them on, never taken back.
func Delta(prev, next *ingest.ContactState) Contribution {
	d := Contribute(next)
	d.addScaled(Contribute(prev), -1)
	if next != nil && next.EverSent && (prev == nil || !prev.EverSent) {
		d.addBase(AttrEverSent, 1)
	}
	ever := func(s *ingest.ContactState) bool { return s != nil && (s.Registered || s.Deleted) }
	if ever(next) && !ever(prev) {
		d.addBase(AttrEverRegistered, 1)
	}
	return d
}

// ReadDays is how many dates the Home reads: today and the 59 before
// (the current and the previous 30-day periods; the billing cycle's
// mass sends are within them).
const ReadDays = 2 * localdate.PeriodDays

// HomeDates are the dates whose aggregates a Home of today reads, oldest
// first.
func HomeDates(today localdate.Date) []localdate.Date {
	out := make([]localdate.Date, ReadDays)
	for i := range out {
		out[i] = today.AddDays(i - (ReadDays - 1))
	}
	return out
}

// OldestKept is the oldest date the aggregate function still writes
// counters for, at processing time now: the oldest date any zone's Home
// can read (UTC−12 is at most a day behind UTC). Counters of older dates
// are dropped, so a pruned date item is never written again.
func OldestKept(now time.Time) localdate.Date {
	return localdate.Of(now, time.UTC).AddDays(-ReadDays)
}

// PruneBefore is the date before which an organization whose local date is
// today may delete its date aggregates: no Home reads them any more, and
// the aggregate function no longer writes them (OldestKept ≥ it in every
// zone, UTC+14 included).
func PruneBefore(today localdate.Date) localdate.Date {
	return today.AddDays(-(ReadDays + 1))
}

// Aggregates are an organization's aggregate items as read.
type Aggregates struct {
	Days map[localdate.Date]Counters
	Base Counters
	// AsOf is the newest stream record time applied to what was read.
	AsOf time.Time
	// Exists is false when no aggregate was ever written.
	Exists bool
}

// Distinct is the number of distinct contacts with an active day of the
// category (prefix AttrReached, AttrCommercial or AttrSupport) in the
// 30-day window ending e.
func (a Aggregates) Distinct(prefix string, e localdate.Date) int {
	n := int64(0)
	for d := e.AddDays(-(localdate.PeriodDays - 1)); d <= e; d++ {
		for name, v := range a.Days[d] {
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			g, err := strconv.Atoi(name[len(prefix):])
			if err != nil {
				continue // another counter sharing the first letter
			}
			if g >= localdate.PeriodDays-int(e-d) {
				n += v
			}
		}
	}
	return int(n)
}

// Snapshot builds the Home's figures for today (and the cycle starting on
// cycleStart) from the aggregates, exactly as Aggregator builds them from
// the contact states.
func (a Aggregates) Snapshot(today, cycleStart localdate.Date) Snapshot {
	agg := NewAggregator(a.AsOf, today, cycleStart)
	s := &agg.snap
	m := &s.Metrics
	m.ContactBase = int(a.Base[AttrContactBase])
	s.AnyMessageSent = a.Base[AttrEverSent] > 0
	s.ContactsRegistered = a.Base[AttrEverRegistered] > 0
	agg.reachedCur, agg.reachedPrev = a.Distinct(AttrReached, today), a.Distinct(AttrReached, today.AddDays(-localdate.PeriodDays))
	agg.comCur, agg.comPrev = a.Distinct(AttrCommercial, today), a.Distinct(AttrCommercial, today.AddDays(-localdate.PeriodDays))
	agg.supCur, agg.supPrev = a.Distinct(AttrSupport, today), a.Distinct(AttrSupport, today.AddDays(-localdate.PeriodDays))
	for d := agg.cur.From; d <= agg.cur.To; d++ {
		c := a.Days[d]
		if len(c) == 0 {
			continue
		}
		dv := &agg.daily[d-agg.cur.From]
		dv.MessagesSent = int(c[AttrMessages])
		dv.Commercial = int(c[AttrDayCommercial])
		dv.Support = int(c[AttrDaySupport])
		m.AttendanceDistribution.Commercial += int(c[AttrOpenedCommercial])
		m.AttendanceDistribution.Support += int(c[AttrOpenedSupport])
		for name, v := range c {
			switch {
			case strings.HasPrefix(name, AttrGeo) && v != 0:
				agg.geo[name[len(AttrGeo):]] += int(v)
			case strings.HasPrefix(name, AttrPending):
				m.PendingAttendances.Count(name[len(AttrPending):], int(v))
			case strings.HasPrefix(name, AttrSatisfaction):
				m.Satisfaction.Count(sentiment.Label(name[len(AttrSatisfaction):]), int(v))
			}
		}
	}
	m.TicketsOpenedToday = int(a.Days[today][AttrOpenedSupport])
	for d := cycleStart; d <= today; d++ {
		for name, v := range a.Days[d] {
			if !strings.HasPrefix(name, AttrMass) || v == 0 {
				continue
			}
			ch := name[len(AttrMass):]
			u := s.MassSends[ch]
			u.Cycle += int(v)
			if d == today {
				u.Today += int(v)
			}
			s.MassSends[ch] = u
		}
	}
	return agg.Snapshot()
}

// Recount is the sum of the contributions of an organization's stored
// contact states: what its aggregates must hold (the reconciliation's
// brute force; Aggregator is the same recount as figures).
type Recount struct{ Contribution }

// Add folds one stored state.
func (r *Recount) Add(s *ingest.ContactState) { r.Contribution.Add(Delta(nil, s)) }

// Drift is what must be added to the aggregates read (got) to make them
// equal the recount, on the dates a Home of today reads and the base;
// empty when they agree. The first steps are sticky: they are only ever
// raised (to 1) when the aggregates have none and the recount has some —
// an expired contact may have turned them on.
func (r Recount) Drift(got Aggregates, today localdate.Date) Contribution {
	var d Contribution
	for _, date := range HomeDates(today) {
		want, have := r.Days[date], got.Days[date]
		for name, v := range want {
			d.addDay(date, name, v-have[name])
		}
		for name, v := range have {
			if _, ok := want[name]; !ok {
				d.addDay(date, name, -v)
			}
		}
	}
	d.addBase(AttrContactBase, r.Base[AttrContactBase]-got.Base[AttrContactBase])
	for _, sticky := range Sticky {
		if got.Base[sticky] <= 0 && r.Base[sticky] > 0 {
			d.addBase(sticky, 1-got.Base[sticky])
		}
	}
	return d
}
