package home_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/auth"
	contract1 "github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/tests/oracle"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

func get(t *testing.T, p *pipeline.Pipeline, path, token string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	p.Runner.ServeHTTP(rec, req)
	return rec
}

// TestHomeEqualsBruteForce: for random organizations (zones with and
// without DST, "now" near local midnight and DST changes, 65 days of events
// with duplicates and contacts interleaved), every figure of the Home
// payload equals the brute-force recount of the raw events.
func TestHomeEqualsBruteForce(t *testing.T) {
	zones := []string{"America/Sao_Paulo", "America/New_York", "Europe/Lisbon", "Australia/Lord_Howe", "America/Manaus", "Asia/Kolkata"}
	nows := []time.Time{
		time.Date(2026, 11, 20, 2, 59, 0, 0, time.UTC),  // 23:59 in São Paulo
		time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC),   // just after New York's DST end
		time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC),   // just after Lisbon's DST start
		time.Date(2026, 10, 4, 15, 10, 0, 0, time.UTC),  // Lord Howe's half-hour DST start
		time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),  // an ordinary midday
		time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), // year end
	}
	for i := 0; i < 6; i++ {
		t.Run(fmt.Sprintf("given %s at %s", zones[i], nows[i].Format(time.RFC3339)), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(i), 99))
			now := nows[i]
			p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
			org := fmt.Sprintf("home%d", i)
			pl := plan.Plan{Name: "Expert", CycleStartDay: 1 + r.IntN(28), IncludedInteractionz: 500, Seats: 3,
				Packages: map[string]int{"sms": 100, "whatsapp": 50}, TimeZone: zones[i]}
			if err := p.Store.PutPlan(context.Background(), org, pl); err != nil {
				t.Fatal(err)
			}
			s := gen.Generate(gen.Options{Org: org, Contacts: 60, Days: 65, Now: now, Intensity: 0.25, Seed: uint64(i)})
			evs := s.Events
			// producer duplicates
			for k := 0; k < len(s.Events)/20; k++ {
				evs = append(evs, s.Events[r.IntN(len(s.Events))])
			}
			// contacts interleaved differently from time order, per-contact order kept
			evs = interleave(r, evs)
			p.Deliver(t, evs)
			p.DrainStream(t)
			want := oracle.Run(evs, oracle.Options{Plan: pl, Now: now, Classify: pipeline.OfflineLabel})
			rec := get(t, p, "/v1/home", p.Token(t, org, auth.Admin))
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var got home.Payload
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			compareMetrics(t, *got.Metrics, want.Metrics)
			loc, _ := localdate.Load(zones[i])
			today := localdate.Of(now, loc)
			cyc := pl.Cycle(today).From.String()
			ap := got.ActivePlan
			if ap.Interactionz.Today != want.DayTotals[today.String()] || ap.Interactionz.Cycle != want.CycleTotals[cyc] {
				t.Fatalf("interactionz today/cycle %d/%d, want %d/%d", ap.Interactionz.Today, ap.Interactionz.Cycle, want.DayTotals[today.String()], want.CycleTotals[cyc])
			}
			if ap.Seats.Used != want.Users {
				t.Fatalf("seats used %d, want %d", ap.Seats.Used, want.Users)
			}
			for _, pk := range ap.Packages {
				if w := want.MassSends[pk.Channel]; pk.Today != w.Today || pk.Cycle != w.Cycle {
					t.Fatalf("package %s: %d/%d, want %d/%d", pk.Channel, pk.Today, pk.Cycle, w.Today, w.Cycle)
				}
			}
			steps := map[string]bool{}
			for _, s := range got.FirstSteps {
				steps[s.Step] = s.Done
			}
			wantSteps := map[string]bool{"connect_integration": want.Integrations > 0, "import_contacts": want.AnyRegistered,
				"enable_channel": want.Channels > 0, "invite_users": want.Users > 1, "send_first_message": want.AnySent}
			if !reflect.DeepEqual(steps, wantSteps) {
				t.Fatalf("first steps %v, want %v", steps, wantSteps)
			}
			t.Logf("%d events, %d debits, contact base %d, reached %d", len(evs), len(want.Debits), want.Metrics.ContactBase, want.Metrics.ContactsReached.Current)
		})
	}
}

func interleave(r *rand.Rand, evs []contract1.Event) []contract1.Event {
	groups, byGroup := testkit.ByGroup(evs)
	out := make([]contract1.Event, 0, len(evs))
	for len(groups) > 0 {
		k := r.IntN(len(groups))
		g := groups[k]
		out = append(out, evs[byGroup[g][0]])
		byGroup[g] = byGroup[g][1:]
		if len(byGroup[g]) == 0 {
			groups = append(groups[:k], groups[k+1:]...)
		}
	}
	return out
}

func near(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 0.011
}

func compareMetrics(t *testing.T, got, want metrics.Metrics) {
	t.Helper()
	cmp := func(name string, g, w metrics.Comparison) {
		if g.Current != w.Current || g.Previous != w.Previous || g.Change != w.Change || !near(g.ChangePercent, w.ChangePercent) {
			t.Errorf("%s: got %+v want %+v", name, g, w)
		}
	}
	if got.ContactBase != want.ContactBase {
		t.Errorf("contactBase %d want %d", got.ContactBase, want.ContactBase)
	}
	cmp("contactsReached", got.ContactsReached, want.ContactsReached)
	cmp("contactsInCommercial", got.ContactsInCommercial, want.ContactsInCommercial)
	cmp("contactsInSupport", got.ContactsInSupport, want.ContactsInSupport)
	if !reflect.DeepEqual(got.DailyVolume, want.DailyVolume) {
		t.Errorf("dailyVolume\n got  %+v\n want %+v", got.DailyVolume, want.DailyVolume)
	}
	gd, wd := got.AttendanceDistribution, want.AttendanceDistribution
	if gd.Commercial != wd.Commercial || gd.Support != wd.Support || !near(gd.CommercialShare, wd.CommercialShare) || !near(gd.SupportShare, wd.SupportShare) {
		t.Errorf("attendanceDistribution %+v want %+v", gd, wd)
	}
	if !reflect.DeepEqual(got.GeoDistribution, want.GeoDistribution) {
		t.Errorf("geoDistribution\n got  %+v\n want %+v", got.GeoDistribution, want.GeoDistribution)
	}
	if got.TicketsOpenedToday != want.TicketsOpenedToday {
		t.Errorf("ticketsOpenedToday %d want %d", got.TicketsOpenedToday, want.TicketsOpenedToday)
	}
	if got.PendingAttendances != want.PendingAttendances {
		t.Errorf("pendingAttendances %+v want %+v", got.PendingAttendances, want.PendingAttendances)
	}
	gs, ws := got.Satisfaction, want.Satisfaction
	if gs.Positive != ws.Positive || gs.Neutral != ws.Neutral || gs.Negative != ws.Negative || gs.Classified != ws.Classified || !near(gs.Index, ws.Index) {
		t.Errorf("satisfaction %+v want %+v", gs, ws)
	}
}

// TestHomeIsTwoRequests: given an organization with a plan, metered events
// and a rollup, when its Home is served, then it took exactly two DynamoDB
// requests, the profile's GetItem and one BatchGetItem of the figures,
// whatever the organization's size.
func TestHomeIsTwoRequests(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	const org = "tworeads"
	pl := plan.Plan{Name: "Expert", CycleStartDay: 5, IncludedInteractionz: 500, Seats: 3, TimeZone: "America/Sao_Paulo"}
	if err := p.Store.PutPlan(context.Background(), org, pl); err != nil {
		t.Fatal(err)
	}
	p.Deliver(t, gen.Generate(gen.Options{Org: org, Contacts: 20, Days: 10, Now: now, Intensity: 0.3, Seed: 7}).Events)
	if _, _, err := p.Rollup.Org(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	token := p.Token(t, org, auth.Admin)

	p.Meter.Reset()
	rec := get(t, p, "/v1/home", token)

	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if got, want := p.Meter.Counts().Requests, map[string]int{"GetItem": 1, "BatchGetItem": 1}; !maps.Equal(got, want) {
		t.Fatalf("the Home made %v, want %v", got, want)
	}
}
