package home

import (
	"encoding/json"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/plan"
)

// PreviousCycles is how many cycles before the current one
// GET /v1/consumption/cycles shows (Zenvia's consumption page shows 5).
const PreviousCycles = 5

// EstimateDays is the trailing window of the current cycle's estimate.
const EstimateDays = 7

// CycleInteractionz is a cycle's Interactionz, split three ways.
type CycleInteractionz struct {
	Total         int64            `json:"total"`
	Included      int64            `json:"included"`
	Overage       int64            `json:"overage"`
	ByLane        map[string]int64 `json:"byLane"`
	ByChannel     map[string]int64 `json:"byChannel"`
	ByExpertAgent map[string]int64 `json:"byExpertAgent"`
}

// CycleUsage is how much of a licensed amount (seats, a package's volume)
// the current cycle uses, and the overage; both null for a past cycle,
// whose use is not kept.
type CycleUsage struct {
	Used    *int `json:"used"`
	Overage *int `json:"overage"`
}

// usage is used against the licensed amount.
func usage(used, licensed int) CycleUsage {
	o := over(used, licensed)
	return CycleUsage{Used: &used, Overage: &o}
}

// CycleSeats are the licensed seats and, for the current cycle, those in use.
type CycleSeats struct {
	Licensed int `json:"licensed"`
	CycleUsage
}

// CyclePackage is a channel package: its volume and, for the current cycle,
// the mass sends counted by the last rollup.
type CyclePackage struct {
	Channel string `json:"channel"`
	Volume  int    `json:"volume"`
	CycleUsage
}

// Estimate is the current cycle's projected Interactionz at its end.
type Estimate struct {
	Interactionz int64   `json:"interactionz"`
	Overage      int64   `json:"overage"`
	DailyRate    float64 `json:"dailyRate"`
	DaysLeft     float64 `json:"daysLeft"`
	Method       string  `json:"method"`
}

// CycleSummary is one billing cycle.
type CycleSummary struct {
	Start        string            `json:"start"`
	End          string            `json:"end"`
	Current      bool              `json:"current"`
	Interactionz CycleInteractionz `json:"interactionz"`
	Seats        CycleSeats        `json:"seats"`
	Packages     []CyclePackage    `json:"channelPackages"`
	Estimate     *Estimate         `json:"estimate"`
}

// Cycles is GET /v1/consumption/cycles: the current cycle first, then the
// five before it.
type Cycles struct {
	TimeZone string         `json:"timeZone"`
	Today    string         `json:"today"`
	Plan     string         `json:"plan"`
	Cycles   []CycleSummary `json:"cycles"`
}

// EstimateMethod names the estimate's method (docs/DESIGN.md).
const EstimateMethod = "trailing-7-day-rate"

func addAll(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// BuildCycles sums day totals into the current and previous cycles of the
// plan, and estimates the current one: Interactionz of the EstimateDays
// complete local days before today, per day, times the days left (the rest
// of today included), plus what is used so far.
func BuildCycles(pl plan.Plan, days []consumption.DayTotal, seatsUsed int, snapCycle string, mass map[string]int, now time.Time) Cycles {
	loc := pl.Location()
	today := localdate.Of(now, loc)
	out := Cycles{TimeZone: loc.String(), Today: today.String(), Plan: pl.Name}
	ranges := make([]localdate.Range, 0, PreviousCycles+1)
	r := pl.Cycle(today)
	for i := 0; i <= PreviousCycles; i++ {
		ranges = append(ranges, r)
		r = pl.Cycle(r.From.AddDays(-1))
	}
	byDate := map[localdate.Date]consumption.DayTotal{}
	for _, d := range days {
		if dt, err := localdate.Parse(d.Date); err == nil {
			byDate[dt] = d
		}
	}
	for i, r := range ranges {
		c := CycleSummary{Start: r.From.String(), End: r.To.String(), Current: i == 0}
		ci := CycleInteractionz{Included: int64(pl.IncludedInteractionz), ByLane: map[string]int64{}, ByChannel: map[string]int64{}, ByExpertAgent: map[string]int64{}}
		for d := r.From; d <= r.To; d++ {
			t, ok := byDate[d]
			if !ok {
				continue
			}
			ci.Total += t.Total
			addAll(ci.ByLane, t.Lanes)
			addAll(ci.ByChannel, t.Channels)
			addAll(ci.ByExpertAgent, t.ExpertAgents)
		}
		ci.Overage = over(ci.Total, ci.Included)
		c.Interactionz = ci
		c.Seats = CycleSeats{Licensed: pl.Seats}
		c.Packages = []CyclePackage{}
		chans := make([]string, 0, len(pl.Packages))
		for ch := range pl.Packages {
			chans = append(chans, ch)
		}
		sort.Strings(chans)
		for _, ch := range chans {
			p := CyclePackage{Channel: ch, Volume: pl.Packages[ch]}
			if c.Current {
				used := 0
				if snapCycle == r.From.String() {
					used = mass[ch]
				}
				p.CycleUsage = usage(used, p.Volume)
			}
			c.Packages = append(c.Packages, p)
		}
		if c.Current {
			c.Seats.CycleUsage = usage(seatsUsed, pl.Seats)
			var recent int64
			for d := today.AddDays(-EstimateDays); d < today; d++ {
				recent += byDate[d].Total
			}
			rate := float64(recent) / EstimateDays
			restOfToday := float64(today.AddDays(1).Start(loc).Sub(now)) / float64(24*time.Hour)
			left := float64(r.To-today) + math.Max(0, math.Min(1, restOfToday))
			est := ci.Total + int64(math.Round(rate*left))
			c.Estimate = &Estimate{Interactionz: est, Overage: over(est, ci.Included), DailyRate: math.Round(rate*100) / 100,
				DaysLeft: math.Round(left*100) / 100, Method: EstimateMethod}
		}
		out.Cycles = append(out.Cycles, c)
	}
	return out
}

// cycles is GET /v1/consumption/cycles: one profile read, one Query of the
// day totals of the six cycles, one BatchGetItem of the aggregates (the
// current cycle's mass sends).
func (a *API) cycles(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if len(r.URL.Query()) > 0 {
		var fs []httpedge.Field
		for k := range r.URL.Query() {
			fs = append(fs, httpedge.Field{Field: k, Reason: "unknown query parameter"})
		}
		sort.Slice(fs, func(i, j int) bool { return fs[i].Field < fs[j].Field })
		return httpedge.Fail(httpedge.Invalid, "invalid query", fs...)
	}
	prof, now, today, err := a.profileToday(r, p.Org)
	if err != nil {
		return err
	}
	pl := prof.Plan
	from := pl.Cycle(today)
	for i := 0; i < PreviousCycles; i++ {
		from = pl.Cycle(from.From.AddDays(-1))
	}
	first := min(from.From, today.AddDays(-EstimateDays))
	days, err := a.st.DayTotals(r.Context(), p.Org, first.String(), today.String())
	if err != nil {
		return err
	}
	agg, err := a.st.Aggregates(r.Context(), p.Org, today)
	if err != nil {
		return err
	}
	cur := pl.Cycle(today).From
	snap := agg.Snapshot(today, cur)
	mass := map[string]int{}
	for ch, u := range snap.MassSends {
		mass[ch] = u.Cycle
	}
	out := BuildCycles(pl, days, len(prof.State.Users), cur.String(), mass, now)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, no-cache")
	_ = json.NewEncoder(w).Encode(out)
	return nil
}
