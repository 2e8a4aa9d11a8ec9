// Package ingest turns events into the state the meter and the Home need:
// one compact state per contact (its Interactionz windows, a bounded history
// of daily activity, its open tickets, and where to find the identities of
// the events already applied) and one per organization. Applying an event is pure and
// deterministic, so a stored state plus the events not yet in it always
// yields the same result, however often a batch is redelivered.
package ingest

import (
	"sort"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/geo/uf"
	"github.com/customercloud/home/shared/interactionz"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/sentiment"
)

// DedupeRetention is how long an applied event's identity is remembered:
// beyond SQS's 14-day maximum retention, so a redrive from the dead-letter
// queue of anything still in it changes nothing.
const DedupeRetention = 15 * 24 * time.Hour

// SpillRetention is how long a spill item (identities moved out of a
// contact's state, see SpillFrom) stays after its write: DedupeRetention,
// as the identities it holds, plus two days' margin.
const SpillRetention = DedupeRetention + 48*time.Hour

// UnregisteredRetention is how long the state of a contact that is not
// registered (deleted, or only ever seen in events) stays after its last
// write: its activity still counts in the two 30-day periods
// (localdate.ActivityDays), and two more weeks cover a producer's late
// resends of its events (the duplicate window DESIGN.md promises). A
// registered contact's state stays.
const UnregisteredRetention = time.Duration(localdate.ActivityDays+14) * 24 * time.Hour

// SatisfactionDays is how far back windows are kept for the satisfaction
// index (the last 30 dates, plus margin).
const SatisfactionDays = localdate.PeriodDays + 1

// Context is what applying an event needs besides the event.
type Context struct {
	// Loc is the organization's zone, for local dates.
	Loc *time.Location
	// Now is the processing time: it bounds the retention of history and of
	// remembered event identities, never a window or a bucket.
	Now time.Time
	// Sentiment is the classification of the event's customer text, "" if
	// it has none. The text itself never reaches the state.
	Sentiment sentiment.Label
	// Spilled are the identities read from the spill items of the days
	// NeedsSpilled named (the late-event path); nil otherwise.
	Spilled IDSet
	// StateOf resolves a contact's phone to its state (UF); the debit passes
	// geo.StateOf. It is given, not imported, because everything that links
	// this package for its types (the store, so every function) would
	// otherwise link the phone parsing, which only the debit uses; nil
	// resolves every phone to uf.Unknown.
	StateOf func(phone string) string
}

// stateOf is c.StateOf(phone), or uf.Unknown without a resolver.
func (c Context) stateOf(phone string) string {
	if c.StateOf == nil {
		return uf.Unknown
	}
	return c.StateOf(phone)
}

// Day is one local date of a contact's activity.
type Day struct {
	Date localdate.Date `json:"d"`
	// Sent counts messages sent to the contact per channel.
	Sent map[string]int `json:"s,omitempty"`
	// Mass counts mass sends (campaigns) per channel: the channel packages.
	Mass map[string]int `json:"m,omitempty"`
	// Commercial and Support: the contact was attended in that area.
	Commercial bool `json:"c,omitempty"`
	Support    bool `json:"p,omitempty"`
	// Interactions are messages sent or received and attendances opened.
	Interactions int `json:"i,omitempty"`
	// OpenedCommercial and OpenedSupport count public tickets opened.
	OpenedCommercial int `json:"oc,omitempty"`
	OpenedSupport    int `json:"os,omitempty"`
}

// Window is an Interactionz window of the contact. Its times keep the
// events' full precision (nanoseconds, as decoded): a window stored to the
// millisecond would end up to 1 ms early, and an event inside it by less
// than that would open a second one. Each time is Unix milliseconds plus
// the nanoseconds within the millisecond, so states written before the
// remainder existed read as they were.
type Window struct {
	Lane interactionz.Lane `json:"l"`
	// Start (Unix ms) and StartNs (ns within that ms) are the opening time;
	// the end is 24 h later.
	Start   int64          `json:"s"`
	StartNs int32          `json:"sn,omitempty"`
	Date    localdate.Date `json:"d"`
	// Sentiment is the label of the latest classified customer text in the
	// window; TextAt and TextAtNs are that text's time, like Start.
	Sentiment sentiment.Label `json:"x,omitempty"`
	TextAt    int64           `json:"ta,omitempty"`
	TextAtNs  int32           `json:"tn,omitempty"`
}

// splitTime is t as stored: Unix milliseconds and the nanoseconds within.
// Event times are after 2000 (event.MinTime), so both parts are positive.
func splitTime(t time.Time) (int64, int32) {
	ns := t.UnixNano()
	return ns / 1e6, int32(ns % 1e6)
}

// joinTime is the instant splitTime stored.
func joinTime(ms int64, ns int32) time.Time {
	return time.UnixMilli(ms).Add(time.Duration(ns)).UTC()
}

// Span is the window as instants.
func (w Window) Span() interactionz.Window {
	s := joinTime(w.Start, w.StartNs)
	return interactionz.Window{Start: s, End: s.Add(interactionz.WindowLength)}
}

// Ticket is an open public ticket (an attendance).
type Ticket struct {
	Area   string         `json:"a"`
	Opened localdate.Date `json:"d"`
	Status string         `json:"st"`
}

// Seen remembers the identities of events applied on one processing day
// (Unix day), as 8-byte prefixes of SHA-256(source, id), concatenated: how
// organization states, and contact states before spilling, keep them.
type Seen struct {
	Day    int32  `json:"d"`
	Hashes []byte `json:"h"`
}

// ContactState is everything kept per (organization, contact).
type ContactState struct {
	Registered bool              `json:"r,omitempty"`
	Deleted    bool              `json:"x,omitempty"`
	UF         string            `json:"uf,omitempty"`
	EverSent   bool              `json:"es,omitempty"`
	Days       []Day             `json:"d,omitempty"`
	Windows    []Window          `json:"w,omitempty"`
	Tickets    map[string]Ticket `json:"t,omitempty"`
	// identities are the applied events' identities (identity.go).
	identities
}

// Debit is one Interactionz debited: the window it opened and the event
// that opened it, enough to explain the charge.
type Debit struct {
	Lane      interactionz.Lane
	Channel   string
	Window    interactionz.Window
	Date      localdate.Date // local date of the window's start
	EventID   string
	Source    string
	EventType contract.Type
	// ExpertAgentID is the expert agent whose message opened the window
	// ("" for other lanes or when the event names none).
	ExpertAgentID string
}

// LaneSpan is what one write's debits open on a lane: its first window
// starts at Start, its last ends at End.
type LaneSpan struct {
	Lane       interactionz.Lane
	Start, End time.Time
}

// LaneSpans are the spans of debits (in the order they were opened), one
// per lane, sorted by lane. They carry the rule that a lane's windows never
// overlap: the write of these debits must hold only while the lane's
// stored window end is at or before Start (the store's guard, whatever TTL
// has or has not deleted), and then stores End as the lane's window end.
func LaneSpans(debits []Debit) []LaneSpan {
	var out []LaneSpan
	at := map[interactionz.Lane]int{}
	for _, d := range debits {
		i, ok := at[d.Lane]
		if !ok {
			i = len(out)
			at[d.Lane] = i
			out = append(out, LaneSpan{Lane: d.Lane, Start: d.Window.Start})
		}
		out[i].End = d.Window.End
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Lane < out[j].Lane })
	return out
}

// Result is what applying one event did.
type Result struct {
	Duplicate bool
	// Outcome is the billing outcome; zero for events that are not billable.
	Outcome interactionz.Outcome
	Debit   *Debit
}

func identity(source, id string) [8]byte {
	h := contract.IdentityHash(source, id)
	var out [8]byte
	for i := 0; i < 8; i++ {
		out[i] = unhex(h[2*i])<<4 | unhex(h[2*i+1])
	}
	return out
}

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

func seenHas(seen []Seen, id [8]byte) bool {
	for _, b := range seen {
		for i := 0; i+8 <= len(b.Hashes); i += 8 {
			if [8]byte(b.Hashes[i:i+8]) == id {
				return true
			}
		}
	}
	return false
}

func seenAdd(seen []Seen, id [8]byte, now time.Time) []Seen {
	day := int32(now.Unix() / 86400)
	keep := int32(now.Add(-DedupeRetention).Unix() / 86400)
	out := seen[:0]
	for _, b := range seen {
		if b.Day >= keep {
			out = append(out, b)
		}
	}
	if n := len(out); n > 0 && out[n-1].Day == day {
		out[n-1].Hashes = append(out[n-1].Hashes, id[:]...)
		return out
	}
	return append(out, Seen{Day: day, Hashes: append([]byte(nil), id[:]...)})
}

// Apply applies one valid event to the contact's state.
func (s *ContactState) Apply(ev contract.Event, c Context) Result {
	id := identity(ev.Source, ev.ID)
	if s.known(id, c.Spilled) {
		return Result{Duplicate: true}
	}
	s.remember(id, ev.Time, c.Now)
	today := localdate.Of(c.Now, c.Loc)
	date := localdate.Of(ev.Time, c.Loc)
	s.applyMetrics(ev, date, today, c)
	res := s.applyBilling(ev, date, c)
	s.prune(today)
	return res
}

func (s *ContactState) day(date, today localdate.Date) *Day {
	if date < today.AddDays(-localdate.ActivityDays) {
		return nil // too old to show on any Home: not kept
	}
	i := sort.Search(len(s.Days), func(i int) bool { return s.Days[i].Date >= date })
	if i < len(s.Days) && s.Days[i].Date == date {
		return &s.Days[i]
	}
	s.Days = append(s.Days, Day{})
	copy(s.Days[i+1:], s.Days[i:])
	s.Days[i] = Day{Date: date}
	return &s.Days[i]
}

func inc(m *map[string]int, k string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[k]++
}

func markArea(d *Day, area string) {
	switch area {
	case contract.AreaCommercial:
		d.Commercial = true
	case contract.AreaSupport:
		d.Support = true
	}
}

func (s *ContactState) applyMetrics(ev contract.Event, date, today localdate.Date, c Context) {
	d := ev.Data
	switch ev.Type {
	case contract.ContactUpserted:
		s.Registered, s.Deleted = true, false
		if d.Phone != "" {
			s.UF = c.stateOf(d.Phone)
		}
		return
	case contract.ContactDeleted:
		s.Registered, s.Deleted = false, true
		return
	case contract.MessageSent:
		s.EverSent = true
	case contract.TicketUpdated:
		t, ok := s.Tickets[d.TicketID]
		if ok {
			t.Status = d.Status
			s.Tickets[d.TicketID] = t
		}
		if ok && d.Public != nil && *d.Public {
			if day := s.day(date, today); day != nil {
				markArea(day, t.Area)
			}
		}
		return
	case contract.TicketClosed:
		delete(s.Tickets, d.TicketID)
		return
	case contract.TicketOpened:
		if d.Visibility != contract.VisibilityPublic {
			return // internal tickets are not attendances
		}
		if s.Tickets == nil {
			s.Tickets = map[string]Ticket{}
		}
		s.Tickets[d.TicketID] = Ticket{Area: d.Area, Opened: date, Status: contract.StatusNew}
	}
	day := s.day(date, today)
	if day == nil {
		return
	}
	switch ev.Type {
	case contract.MessageSent:
		day.Interactions++
		inc(&day.Sent, d.Channel)
		switch d.Sender {
		case contract.SenderCampaign:
			inc(&day.Mass, d.Channel)
		case contract.SenderAgent, contract.SenderBot, contract.SenderExpertAgent:
			markArea(day, d.Area)
		}
	case contract.MessageReceived:
		day.Interactions++
		markArea(day, d.Area)
	case contract.TicketOpened:
		day.Interactions++
		markArea(day, d.Area)
		if d.Area == contract.AreaCommercial {
			day.OpenedCommercial++
		} else {
			day.OpenedSupport++
		}
	}
}

// current is the latest window of a lane, or -1.
func (s *ContactState) current(lane interactionz.Lane) int {
	for i := len(s.Windows) - 1; i >= 0; i-- {
		if s.Windows[i].Lane == lane {
			return i
		}
	}
	return -1
}

// CurrentWindow is the lane's latest window, if any.
func (s *ContactState) CurrentWindow(lane interactionz.Lane) (interactionz.Window, bool) {
	i := s.current(lane)
	if i < 0 {
		return interactionz.Window{}, false
	}
	return s.Windows[i].Span(), true
}

func (s *ContactState) applyBilling(ev contract.Event, date localdate.Date, c Context) Result {
	lane, billable := interactionz.Classify(ev)
	if !billable {
		return Result{}
	}
	i := s.current(lane)
	var cur *interactionz.Window
	if i >= 0 {
		w := s.Windows[i].Span()
		cur = &w
	}
	outcome, win := interactionz.Decide(cur, ev.Time)
	res := Result{Outcome: outcome}
	if outcome == interactionz.Debit {
		ms, ns := splitTime(win.Start)
		s.Windows = append(s.Windows, Window{Lane: lane, Start: ms, StartNs: ns, Date: date})
		i = len(s.Windows) - 1
		res.Debit = &Debit{Lane: lane, Channel: channelOf(ev), Window: win, Date: date,
			EventID: ev.ID, Source: ev.Source, EventType: ev.Type}
		if lane == interactionz.LaneExpertAgent {
			res.Debit.ExpertAgentID = ev.Data.ExpertAgentID
		}
	}
	if outcome != interactionz.Absorbed && ev.Type == contract.MessageReceived && c.Sentiment != "" {
		w := &s.Windows[i]
		if !ev.Time.Before(joinTime(w.TextAt, w.TextAtNs)) {
			w.Sentiment = c.Sentiment
			w.TextAt, w.TextAtNs = splitTime(ev.Time)
		}
	}
	return res
}

// NoChannel labels debits of events that carry no channel (ticket movements).
const NoChannel = "none"

func channelOf(ev contract.Event) string {
	if ev.Data.Channel == "" {
		return NoChannel
	}
	return ev.Data.Channel
}

func (s *ContactState) prune(today localdate.Date) {
	oldest := today.AddDays(-localdate.ActivityDays)
	k := 0
	for _, d := range s.Days {
		if d.Date >= oldest {
			s.Days[k] = d
			k++
		}
	}
	s.Days = s.Days[:k]
	oldestWindow := today.AddDays(-SatisfactionDays)
	latest := map[interactionz.Lane]int{}
	for i, w := range s.Windows {
		latest[w.Lane] = i
	}
	k = 0
	for i, w := range s.Windows {
		if w.Date >= oldestWindow || latest[w.Lane] == i {
			s.Windows[k] = w
			k++
		}
	}
	s.Windows = s.Windows[:k]
	for id, t := range s.Tickets {
		if t.Opened < oldest {
			delete(s.Tickets, id)
		}
	}
	if len(s.Tickets) == 0 {
		s.Tickets = nil
	}
}

// Clone is a deep copy, so a failed write leaves the state as read.
func (s ContactState) Clone() ContactState {
	c := s
	c.Days = make([]Day, len(s.Days))
	for i, d := range s.Days {
		c.Days[i] = d
		c.Days[i].Sent = cloneMap(d.Sent)
		c.Days[i].Mass = cloneMap(d.Mass)
	}
	c.Windows = append([]Window(nil), s.Windows...)
	if s.Tickets != nil {
		c.Tickets = make(map[string]Ticket, len(s.Tickets))
		for k, v := range s.Tickets {
			c.Tickets[k] = v
		}
	}
	c.identities = s.identities.clone()
	return c
}

func cloneMap(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneSeen(s []Seen) []Seen {
	out := make([]Seen, len(s))
	for i, b := range s {
		out[i] = Seen{Day: b.Day, Hashes: append([]byte(nil), b.Hashes...)}
	}
	return out
}
