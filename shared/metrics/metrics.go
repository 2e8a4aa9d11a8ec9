// Package metrics computes the Home's 30-day figures (SPEC §5) from the
// contacts' ingest state. It streams: a rollup feeds contacts page by page
// and memory stays bounded by the number of states, not events.
package metrics

import (
	"math"
	"sort"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/geo/uf"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/sentiment"
)

// Comparison is a 30-day figure with the previous period's.
type Comparison struct {
	Current  int `json:"current"`
	Previous int `json:"previous"`
	Change   int `json:"change"`
	// ChangePercent is null when the previous value is 0.
	ChangePercent *float64 `json:"changePercent"`
}

// NewComparison derives the change figures.
func NewComparison(cur, prev int) Comparison {
	c := Comparison{Current: cur, Previous: prev, Change: cur - prev}
	if prev != 0 {
		p := round2(float64(cur-prev) / float64(prev) * 100)
		c.ChangePercent = &p
	}
	return c
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// DayVolume is one day of the daily volume chart.
type DayVolume struct {
	Date         string `json:"date"`
	MessagesSent int    `json:"messagesSent"`
	Commercial   int    `json:"contactsInCommercial"`
	Support      int    `json:"contactsInSupport"`
}

// Distribution is commercial versus support attendances opened.
type Distribution struct {
	Commercial      int      `json:"commercial"`
	Support         int      `json:"support"`
	CommercialShare *float64 `json:"commercialShare"`
	SupportShare    *float64 `json:"supportShare"`
}

// StateCount is interactions in one Brazilian state (or "unknown").
type StateCount struct {
	State        string `json:"state"`
	Interactions int    `json:"interactions"`
}

// Pending is unfinished support attendances by status.
type Pending struct {
	New        int `json:"new"`
	Waiting    int `json:"waiting"`
	InProgress int `json:"inProgress"`
	Total      int `json:"total"`
}

// Count adds n tickets of a pending status to the figure; false, and
// nothing added, for a status that is not pending.
func (p *Pending) Count(status string, n int) bool {
	switch status {
	case contract.StatusNew:
		p.New += n
	case contract.StatusWaiting:
		p.Waiting += n
	case contract.StatusInProgress:
		p.InProgress += n
	default:
		return false
	}
	p.Total += n
	return true
}

// Satisfaction counts classified windows and the index
// (positive − negative) / classified × 100, null when none is classified.
type Satisfaction struct {
	Positive   int      `json:"positive"`
	Neutral    int      `json:"neutral"`
	Negative   int      `json:"negative"`
	Classified int      `json:"classified"`
	Index      *float64 `json:"index"`
}

// Count adds n windows classified with label; false, and nothing added,
// for a label that is no classification.
func (s *Satisfaction) Count(label sentiment.Label, n int) bool {
	switch label {
	case sentiment.Positive:
		s.Positive += n
	case sentiment.Neutral:
		s.Neutral += n
	case sentiment.Negative:
		s.Negative += n
	default:
		return false
	}
	s.Classified += n
	return true
}

// Metrics is the Home's "metrics" section.
type Metrics struct {
	ContactBase            int          `json:"contactBase"`
	ContactsReached        Comparison   `json:"contactsReached"`
	ContactsInCommercial   Comparison   `json:"contactsInCommercial"`
	ContactsInSupport      Comparison   `json:"contactsInSupport"`
	DailyVolume            []DayVolume  `json:"dailyVolume"`
	AttendanceDistribution Distribution `json:"attendanceDistribution"`
	GeoDistribution        []StateCount `json:"geoDistribution"`
	TicketsOpenedToday     int          `json:"ticketsOpenedToday"`
	PendingAttendances     Pending      `json:"pendingAttendances"`
	Satisfaction           Satisfaction `json:"satisfaction"`
}

// Usage is mass sends of one channel, today and in the billing cycle.
type Usage struct {
	Today int `json:"today"`
	Cycle int `json:"cycle"`
}

// Snapshot is what a rollup stores for one organization.
type Snapshot struct {
	AsOf    time.Time `json:"asOf"`
	Today   string    `json:"today"`
	Metrics Metrics   `json:"metrics"`
	// MassSends per channel: the channel packages' consumption.
	MassSends map[string]Usage `json:"massSends"`
	// CycleStart is the cycle MassSends.Cycle counts from.
	CycleStart string `json:"cycleStart"`
	// AnyMessageSent is sticky: once true it stays true (first steps).
	AnyMessageSent bool `json:"anyMessageSent"`
	// ContactsRegistered is true once any contact was registered.
	ContactsRegistered bool `json:"contactsRegistered"`
	// Contacts is how many contact states the rollup read.
	Contacts int `json:"contactsRead"`
}

// Rollup is an organization's stored snapshot; Exists is false when no
// rollup ran for it yet.
type Rollup struct {
	Snapshot Snapshot
	Exists   bool
}

// Aggregator folds contact states into a Snapshot.
type Aggregator struct {
	today, cycleStart                                         localdate.Date
	cur, prev                                                 localdate.Range
	snap                                                      Snapshot
	reachedCur, reachedPrev, comCur, comPrev, supCur, supPrev int
	daily                                                     []DayVolume
	geo                                                       map[string]int
}

// NewAggregator starts a rollup for the local date today, with the billing
// cycle starting on cycleStart.
func NewAggregator(asOf time.Time, today, cycleStart localdate.Date) *Aggregator {
	a := &Aggregator{today: today, cycleStart: cycleStart,
		cur: localdate.Last30(today), prev: localdate.Previous30(today), geo: map[string]int{}}
	a.snap.AsOf = asOf.UTC()
	a.snap.Today = today.String()
	a.snap.CycleStart = cycleStart.String()
	a.snap.MassSends = map[string]Usage{}
	a.daily = make([]DayVolume, localdate.PeriodDays)
	for i := range a.daily {
		a.daily[i].Date = a.cur.From.AddDays(i).String()
	}
	return a
}

// Add folds one contact.
func (a *Aggregator) Add(c *ingest.ContactState) {
	s := &a.snap
	s.Contacts++
	m := &s.Metrics
	if c.Registered && !c.Deleted {
		m.ContactBase++
	}
	if c.Registered || c.Deleted {
		s.ContactsRegistered = true
	}
	if c.EverSent {
		s.AnyMessageSent = true
	}
	state := c.UF
	if state == "" {
		state = uf.Unknown
	}
	var rc, rp, cc, cp, sc, sp bool
	for _, d := range c.Days {
		sent := 0
		for _, n := range d.Sent {
			sent += n
		}
		if a.cur.Contains(d.Date) {
			rc = rc || sent > 0
			cc = cc || d.Commercial
			sc = sc || d.Support
			dv := &a.daily[d.Date-a.cur.From]
			dv.MessagesSent += sent
			if d.Commercial {
				dv.Commercial++
			}
			if d.Support {
				dv.Support++
			}
			m.AttendanceDistribution.Commercial += d.OpenedCommercial
			m.AttendanceDistribution.Support += d.OpenedSupport
			if d.Interactions > 0 {
				a.geo[state] += d.Interactions
			}
		} else if a.prev.Contains(d.Date) {
			rp = rp || sent > 0
			cp = cp || d.Commercial
			sp = sp || d.Support
		}
		if d.Date == a.today {
			m.TicketsOpenedToday += d.OpenedSupport
		}
		if d.Date >= a.cycleStart && d.Date <= a.today {
			for ch, n := range d.Mass {
				u := s.MassSends[ch]
				u.Cycle += n
				if d.Date == a.today {
					u.Today += n
				}
				s.MassSends[ch] = u
			}
		}
	}
	a.reachedCur += b2i(rc)
	a.reachedPrev += b2i(rp)
	a.comCur += b2i(cc)
	a.comPrev += b2i(cp)
	a.supCur += b2i(sc)
	a.supPrev += b2i(sp)
	for _, t := range c.Tickets {
		if t.Area != contract.AreaSupport || !a.cur.Contains(t.Opened) {
			continue
		}
		m.PendingAttendances.Count(t.Status, 1)
	}
	for _, w := range c.Windows {
		if a.cur.Contains(w.Date) {
			m.Satisfaction.Count(w.Sentiment, 1)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Snapshot finishes the rollup.
func (a *Aggregator) Snapshot() Snapshot {
	s := a.snap
	m := &s.Metrics
	m.ContactsReached = NewComparison(a.reachedCur, a.reachedPrev)
	m.ContactsInCommercial = NewComparison(a.comCur, a.comPrev)
	m.ContactsInSupport = NewComparison(a.supCur, a.supPrev)
	m.DailyVolume = a.daily
	d := &m.AttendanceDistribution
	if total := d.Commercial + d.Support; total > 0 {
		cs := round2(float64(d.Commercial) / float64(total))
		ss := round2(float64(d.Support) / float64(total))
		d.CommercialShare, d.SupportShare = &cs, &ss
	}
	m.GeoDistribution = make([]StateCount, 0, len(a.geo))
	for st, n := range a.geo {
		m.GeoDistribution = append(m.GeoDistribution, StateCount{st, n})
	}
	sort.Slice(m.GeoDistribution, func(i, j int) bool {
		x, y := m.GeoDistribution[i], m.GeoDistribution[j]
		if x.Interactions != y.Interactions {
			return x.Interactions > y.Interactions
		}
		return x.State < y.State
	})
	sat := &m.Satisfaction
	if sat.Classified > 0 {
		idx := round2(float64(sat.Positive-sat.Negative) / float64(sat.Classified) * 100)
		sat.Index = &idx
	}
	return s
}
