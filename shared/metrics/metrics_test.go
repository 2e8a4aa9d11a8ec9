package metrics

import (
	"reflect"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
)

func ptr(v float64) *float64 { return &v }

// TestNewComparison: given a current and a previous figure, then the change
// and its percentage (2 decimals) follow, and no percentage exists over 0.
func TestNewComparison(t *testing.T) {
	cases := []struct {
		scenario  string
		cur, prev int
		want      Comparison
	}{
		{"no previous activity", 5, 0, Comparison{Current: 5, Change: 5}},
		{"nothing at all", 0, 0, Comparison{}},
		{"growth by half", 3, 2, Comparison{3, 2, 1, ptr(50)}},
		{"a fall, rounded to two decimals", 1, 3, Comparison{1, 3, -2, ptr(-66.67)}},
		{"a fall to zero", 0, 7, Comparison{0, 7, -7, ptr(-100)}},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			if got := NewComparison(c.cur, c.prev); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("NewComparison(%d, %d) = %+v, want %+v", c.cur, c.prev, show(got), show(c.want))
			}
		})
	}
}

func show(c Comparison) any {
	if c.ChangePercent == nil {
		return [4]any{c.Current, c.Previous, c.Change, nil}
	}
	return [4]any{c.Current, c.Previous, c.Change, *c.ChangePercent}
}

var (
	today      = localdate.FromCivil(2026, time.November, 23)
	cycleStart = localdate.FromCivil(2026, time.November, 10)
	asOf       = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
)

// ago is the local date n days before today.
func ago(n int) localdate.Date { return today.AddDays(-n) }

func rollup(contacts ...ingest.ContactState) Snapshot {
	a := NewAggregator(asOf, today, cycleStart)
	for i := range contacts {
		a.Add(&contacts[i])
	}
	return a.Snapshot()
}

// TestAggregatorScenarios: given a few hand-built contact states, when they
// are rolled up on 2026-11-23 (cycle from 2026-11-10), then each figure of
// the Home's metrics is what SPEC §5 defines, at the period boundaries too.
func TestAggregatorScenarios(t *testing.T) {
	sms := func(n int) map[string]int { return map[string]int{"sms": n} }
	cases := []struct {
		scenario string
		contacts []ingest.ContactState
		check    func(t *testing.T, s Snapshot)
	}{
		{
			scenario: "a registered contact is in the base; a deleted one is not, but registration happened",
			contacts: []ingest.ContactState{{Registered: true}, {Registered: true, Deleted: true}, {Deleted: true}},
			check: func(t *testing.T, s Snapshot) {
				eq(t, "contactBase", s.Metrics.ContactBase, 1)
				eq(t, "contactsRegistered", s.ContactsRegistered, true)
				eq(t, "contactsRead", s.Contacts, 3)
				eq(t, "anyMessageSent", s.AnyMessageSent, false)
			},
		},
		{
			scenario: "a message 29 days ago is in the current period, 30 days ago in the previous, 60 days ago in none",
			contacts: []ingest.ContactState{
				{EverSent: true, Days: []ingest.Day{{Date: ago(29), Sent: sms(2)}}},
				{EverSent: true, Days: []ingest.Day{{Date: ago(30), Sent: sms(1)}}},
				{EverSent: true, Days: []ingest.Day{{Date: ago(59), Sent: sms(1)}, {Date: ago(0), Sent: sms(3)}}},
				{EverSent: true, Days: []ingest.Day{{Date: ago(60), Sent: sms(1)}}},
			},
			check: func(t *testing.T, s Snapshot) {
				eq(t, "contactsReached", show(s.Metrics.ContactsReached), show(Comparison{2, 2, 0, ptr(0)}))
				eq(t, "first day of the chart", s.Metrics.DailyVolume[0], DayVolume{Date: "2026-10-25", MessagesSent: 2})
				eq(t, "last day of the chart", s.Metrics.DailyVolume[29], DayVolume{Date: "2026-11-23", MessagesSent: 3})
				eq(t, "chart length", len(s.Metrics.DailyVolume), 30)
				eq(t, "anyMessageSent", s.AnyMessageSent, true)
			},
		},
		{
			scenario: "a contact attended on several days counts once per period, and once per day in the chart",
			contacts: []ingest.ContactState{
				{Days: []ingest.Day{{Date: ago(3), Commercial: true}, {Date: ago(2), Commercial: true, Support: true}, {Date: ago(40), Support: true}}},
				{Days: []ingest.Day{{Date: ago(2), Support: true}}},
			},
			check: func(t *testing.T, s Snapshot) {
				eq(t, "contactsInCommercial", show(s.Metrics.ContactsInCommercial), show(Comparison{1, 0, 1, nil}))
				eq(t, "contactsInSupport", show(s.Metrics.ContactsInSupport), show(Comparison{2, 1, 1, ptr(100)}))
				eq(t, "chart two days ago", s.Metrics.DailyVolume[27], DayVolume{Date: "2026-11-21", Commercial: 1, Support: 2})
			},
		},
		{
			scenario: "attendances opened split one commercial to two support: shares rounded to two decimals",
			contacts: []ingest.ContactState{
				{Days: []ingest.Day{{Date: ago(1), OpenedCommercial: 1, OpenedSupport: 1}, {Date: ago(31), OpenedCommercial: 5}}},
				{Days: []ingest.Day{{Date: ago(0), OpenedSupport: 1}}},
			},
			check: func(t *testing.T, s Snapshot) {
				d := s.Metrics.AttendanceDistribution
				eq(t, "counts", [2]int{d.Commercial, d.Support}, [2]int{1, 2})
				eq(t, "shares", [2]float64{*d.CommercialShare, *d.SupportShare}, [2]float64{0.33, 0.67})
				eq(t, "ticketsOpenedToday", s.Metrics.TicketsOpenedToday, 1)
			},
		},
		{
			scenario: "no attendance opened: shares are null, not zero",
			contacts: []ingest.ContactState{{Registered: true}},
			check: func(t *testing.T, s Snapshot) {
				d := s.Metrics.AttendanceDistribution
				eq(t, "shares are nil", d.CommercialShare == nil && d.SupportShare == nil, true)
				eq(t, "satisfaction index is nil", s.Metrics.Satisfaction.Index == nil, true)
				eq(t, "geo is empty, not null", s.Metrics.GeoDistribution != nil && len(s.Metrics.GeoDistribution) == 0, true)
			},
		},
		{
			scenario: "interactions by state: a contact without one counts as unknown; sorted by count, then by name; old days ignored",
			contacts: []ingest.ContactState{
				{UF: "SP", Days: []ingest.Day{{Date: ago(1), Interactions: 2}, {Date: ago(45), Interactions: 50}}},
				{UF: "RJ", Days: []ingest.Day{{Date: ago(2), Interactions: 2}}},
				{Days: []ingest.Day{{Date: ago(2), Interactions: 5}}},
				{UF: "AC", Days: []ingest.Day{{Date: ago(2), Sent: sms(1)}}},
			},
			check: func(t *testing.T, s Snapshot) {
				eq(t, "geo", s.Metrics.GeoDistribution, []StateCount{{"unknown", 5}, {"RJ", 2}, {"SP", 2}})
			},
		},
		{
			scenario: "pending attendances are support tickets opened in the period, by status",
			contacts: []ingest.ContactState{{Tickets: map[string]ingest.Ticket{
				"t1": {Area: contract.AreaSupport, Opened: ago(0), Status: contract.StatusNew},
				"t2": {Area: contract.AreaSupport, Opened: ago(29), Status: contract.StatusWaiting},
				"t3": {Area: contract.AreaSupport, Opened: ago(5), Status: contract.StatusInProgress},
				"t4": {Area: contract.AreaSupport, Opened: ago(30), Status: contract.StatusNew},
				"t5": {Area: contract.AreaCommercial, Opened: ago(1), Status: contract.StatusNew},
			}}},
			check: func(t *testing.T, s Snapshot) {
				eq(t, "pending", s.Metrics.PendingAttendances, Pending{New: 1, Waiting: 1, InProgress: 1, Total: 3})
			},
		},
		{
			scenario: "satisfaction: (positive − negative) / classified × 100 over the period's classified windows",
			contacts: []ingest.ContactState{{Windows: []ingest.Window{
				{Date: ago(0), Sentiment: "positive"}, {Date: ago(1), Sentiment: "positive"},
				{Date: ago(2), Sentiment: "negative"}, {Date: ago(3), Sentiment: "neutral"},
				{Date: ago(4)}, {Date: ago(30), Sentiment: "negative"},
			}}},
			check: func(t *testing.T, s Snapshot) {
				want := Satisfaction{Positive: 2, Neutral: 1, Negative: 1, Classified: 4, Index: ptr(25)}
				got := s.Metrics.Satisfaction
				eq(t, "counts", [4]int{got.Positive, got.Neutral, got.Negative, got.Classified}, [4]int{2, 1, 1, 4})
				eq(t, "index", *got.Index, *want.Index)
			},
		},
		{
			scenario: "mass sends count from the cycle's first day to today; earlier days belong to the last cycle",
			contacts: []ingest.ContactState{
				{Days: []ingest.Day{{Date: cycleStart.AddDays(-1), Mass: sms(7)}, {Date: cycleStart, Mass: sms(2)}, {Date: today, Mass: map[string]int{"sms": 1, "whatsapp": 4}}}},
				{Days: []ingest.Day{{Date: ago(1), Mass: sms(10)}}},
			},
			check: func(t *testing.T, s Snapshot) {
				eq(t, "massSends", s.MassSends, map[string]Usage{"sms": {Today: 1, Cycle: 13}, "whatsapp": {Today: 4, Cycle: 4}})
				eq(t, "cycleStart", s.CycleStart, "2026-11-10")
				eq(t, "today", s.Today, "2026-11-23")
			},
		},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) { c.check(t, rollup(c.contacts...)) })
	}
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}
