// Package oracle is the brute-force reference model the randomized tests
// compare the real pipeline against: it recounts everything from the raw
// event list, written as plainly as possible and sharing nothing with the
// ingest code but the rule table (the thing under test is the machinery, not
// the table) and the date helpers.
package oracle

import (
	"sort"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/geo"
	"github.com/customercloud/home/shared/geo/uf"
	"github.com/customercloud/home/shared/interactionz"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/sentiment"
)

// Debit is one expected debit.
type Debit struct {
	Contact string
	Lane    string
	Channel string
	Start   time.Time
	EventID string
}

// Result is everything the oracle expects.
type Result struct {
	Debits        []Debit
	DayTotals     map[string]int64 // local date → debits
	DayLanes      map[string]map[string]int64
	DayChannels   map[string]map[string]int64
	CycleTotals   map[string]int64 // cycle start → debits
	Metrics       metrics.Metrics
	MassSends     map[string]metrics.Usage
	AnySent       bool
	AnyRegistered bool
	Users         int
	Channels      int
	Integrations  int
}

// Options are the recount's settings.
type Options struct {
	Plan plan.Plan
	// Now is when the Home is looked at (the rollup time).
	Now time.Time
	// Classify labels customer text ("" for none).
	Classify func(text string) string
}

type window struct {
	start   time.Time
	lane    string
	label   sentiment.Label
	textAt  time.Time
	hasText bool
}

type ticket struct {
	area   string
	opened localdate.Date
	status string
}

type contact struct {
	registered, deleted bool
	uf                  string
	windows             []*window
	tickets             map[string]*ticket
}

// Run recounts events given in arrival order (each contact's events in its
// FIFO order; contacts interleaved any way). Duplicates by (source, id) are
// ignored after the first.
func Run(evs []contract.Event, o Options) Result {
	loc := o.Plan.Location()
	today := localdate.Of(o.Now, loc)
	cur, prev := localdate.Last30(today), localdate.Previous30(today)
	cycleStart := o.Plan.Cycle(today).From
	r := Result{DayTotals: map[string]int64{}, DayLanes: map[string]map[string]int64{}, DayChannels: map[string]map[string]int64{},
		CycleTotals: map[string]int64{}, MassSends: map[string]metrics.Usage{}}
	seen := map[[2]string]bool{}
	contacts := map[string]*contact{}
	users, chans, integ := map[string]bool{}, map[string]bool{}, map[string]bool{}

	reachedCur, reachedPrev := map[string]bool{}, map[string]bool{}
	comCur, comPrev, supCur, supPrev := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	sentPerDay := map[localdate.Date]int{}
	comPerDay, supPerDay := map[localdate.Date]map[string]bool{}, map[localdate.Date]map[string]bool{}
	interactions := map[string]int{} // contact → interactions in cur
	m := &r.Metrics

	attend := func(c string, d localdate.Date, area string) {
		switch area {
		case contract.AreaCommercial:
			if cur.Contains(d) {
				comCur[c] = true
				if comPerDay[d] == nil {
					comPerDay[d] = map[string]bool{}
				}
				comPerDay[d][c] = true
			}
			if prev.Contains(d) {
				comPrev[c] = true
			}
		case contract.AreaSupport:
			if cur.Contains(d) {
				supCur[c] = true
				if supPerDay[d] == nil {
					supPerDay[d] = map[string]bool{}
				}
				supPerDay[d][c] = true
			}
			if prev.Contains(d) {
				supPrev[c] = true
			}
		}
	}

	for _, e := range evs {
		k := [2]string{e.Source, e.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		d := e.Data
		switch e.Type {
		case contract.UserAdded:
			users[d.UserID] = true
			continue
		case contract.UserRemoved:
			delete(users, d.UserID)
			continue
		case contract.ChannelEnabled:
			chans[d.Channel] = true
			continue
		case contract.IntegrationConnected:
			integ[d.System] = true
			continue
		}
		c := contacts[d.ContactID]
		if c == nil {
			c = &contact{tickets: map[string]*ticket{}}
			contacts[d.ContactID] = c
		}
		date := localdate.Of(e.Time, loc)
		inCur := cur.Contains(date)
		switch e.Type {
		case contract.ContactUpserted:
			c.registered, c.deleted = true, false
			r.AnyRegistered = true
			if d.Phone != "" {
				c.uf = geo.StateOf(d.Phone)
			}
		case contract.ContactDeleted:
			c.registered, c.deleted = false, true
		case contract.MessageSent:
			r.AnySent = true
			if inCur {
				reachedCur[d.ContactID] = true
				sentPerDay[date]++
				interactions[d.ContactID]++
			}
			if prev.Contains(date) {
				reachedPrev[d.ContactID] = true
			}
			if d.Sender == contract.SenderCampaign && date >= cycleStart && date <= today {
				u := r.MassSends[d.Channel]
				u.Cycle++
				if date == today {
					u.Today++
				}
				r.MassSends[d.Channel] = u
			}
			if d.Sender == contract.SenderAgent || d.Sender == contract.SenderBot || d.Sender == contract.SenderExpertAgent {
				attend(d.ContactID, date, d.Area)
			}
		case contract.MessageReceived:
			if inCur {
				interactions[d.ContactID]++
			}
			attend(d.ContactID, date, d.Area)
		case contract.TicketOpened:
			if d.Visibility == contract.VisibilityPublic {
				c.tickets[d.TicketID] = &ticket{area: d.Area, opened: date, status: contract.StatusNew}
				if inCur {
					interactions[d.ContactID]++
					if d.Area == contract.AreaCommercial {
						m.AttendanceDistribution.Commercial++
					} else {
						m.AttendanceDistribution.Support++
					}
				}
				if date == today && d.Area == contract.AreaSupport {
					m.TicketsOpenedToday++
				}
				attend(d.ContactID, date, d.Area)
			}
		case contract.TicketUpdated:
			if t := c.tickets[d.TicketID]; t != nil {
				t.status = d.Status
				if *d.Public {
					attend(d.ContactID, date, t.area)
				}
			}
		case contract.TicketClosed:
			delete(c.tickets, d.TicketID)
		}
		// Billing.
		lane, billable := interactionz.Classify(e)
		if !billable {
			continue
		}
		var last *window
		for _, w := range c.windows {
			if w.lane == string(lane) {
				last = w
			}
		}
		var target *window
		switch {
		case last == nil || !e.Time.Before(last.start.Add(24*time.Hour)):
			target = &window{start: e.Time, lane: string(lane)}
			c.windows = append(c.windows, target)
			ch := d.Channel
			if ch == "" {
				ch = "none"
			}
			r.Debits = append(r.Debits, Debit{Contact: d.ContactID, Lane: string(lane), Channel: ch, Start: e.Time, EventID: e.ID})
			ds := localdate.Of(e.Time, loc).String()
			r.DayTotals[ds]++
			if r.DayLanes[ds] == nil {
				r.DayLanes[ds], r.DayChannels[ds] = map[string]int64{}, map[string]int64{}
			}
			r.DayLanes[ds][string(lane)]++
			r.DayChannels[ds][ch]++
			r.CycleTotals[o.Plan.Cycle(localdate.Of(e.Time, loc)).From.String()]++
		case e.Time.Before(last.start):
			target = nil // absorbed
		default:
			target = last
		}
		if target != nil && e.Type == contract.MessageReceived && d.Text != "" && o.Classify != nil {
			if l := o.Classify(d.Text); l != "" && (!target.hasText || !e.Time.Before(target.textAt)) {
				target.label, target.textAt, target.hasText = sentiment.Label(l), e.Time, true
			}
		}
	}
	r.Users, r.Channels, r.Integrations = len(users), len(chans), len(integ)

	geoCount := map[string]int{}
	for id, c := range contacts {
		if c.registered && !c.deleted {
			m.ContactBase++
		}
		state := c.uf
		if state == "" {
			state = uf.Unknown
		}
		if n := interactions[id]; n > 0 {
			geoCount[state] += n
		}
		for _, t := range c.tickets {
			if t.area == contract.AreaSupport && cur.Contains(t.opened) {
				switch t.status {
				case contract.StatusNew:
					m.PendingAttendances.New++
				case contract.StatusWaiting:
					m.PendingAttendances.Waiting++
				case contract.StatusInProgress:
					m.PendingAttendances.InProgress++
				}
				m.PendingAttendances.Total++
			}
		}
		for _, w := range c.windows {
			if !cur.Contains(localdate.Of(w.start, loc)) || !w.hasText {
				continue
			}
			switch w.label {
			case sentiment.Positive:
				m.Satisfaction.Positive++
			case sentiment.Neutral:
				m.Satisfaction.Neutral++
			case sentiment.Negative:
				m.Satisfaction.Negative++
			}
			m.Satisfaction.Classified++
		}
	}
	m.ContactsReached = metrics.NewComparison(len(reachedCur), len(reachedPrev))
	m.ContactsInCommercial = metrics.NewComparison(len(comCur), len(comPrev))
	m.ContactsInSupport = metrics.NewComparison(len(supCur), len(supPrev))
	for i := 0; i < localdate.PeriodDays; i++ {
		d := cur.From.AddDays(i)
		m.DailyVolume = append(m.DailyVolume, metrics.DayVolume{Date: d.String(), MessagesSent: sentPerDay[d],
			Commercial: len(comPerDay[d]), Support: len(supPerDay[d])})
	}
	if t := m.AttendanceDistribution.Commercial + m.AttendanceDistribution.Support; t > 0 {
		cs := float64(m.AttendanceDistribution.Commercial) / float64(t)
		ss := float64(m.AttendanceDistribution.Support) / float64(t)
		cs, ss = float64(int64(cs*100+0.5))/100, float64(int64(ss*100+0.5))/100
		m.AttendanceDistribution.CommercialShare, m.AttendanceDistribution.SupportShare = &cs, &ss
	}
	for st, n := range geoCount {
		m.GeoDistribution = append(m.GeoDistribution, metrics.StateCount{State: st, Interactions: n})
	}
	sort.Slice(m.GeoDistribution, func(i, j int) bool {
		a, b := m.GeoDistribution[i], m.GeoDistribution[j]
		if a.Interactions != b.Interactions {
			return a.Interactions > b.Interactions
		}
		return a.State < b.State
	})
	if m.GeoDistribution == nil {
		m.GeoDistribution = []metrics.StateCount{}
	}
	if s := m.Satisfaction; s.Classified > 0 {
		idx := float64(s.Positive-s.Negative) / float64(s.Classified) * 100
		idx = float64(int64(idx*100+sign(idx)*0.5)) / 100
		m.Satisfaction.Index = &idx
	}
	return r
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}
