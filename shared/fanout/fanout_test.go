package fanout_test

import (
	"testing"
	"time"

	"github.com/customercloud/home/shared/fanout"
)

func TestRatePeriod(t *testing.T) {
	cases := map[string]time.Duration{
		"rate(5 minutes)": 5 * time.Minute, "rate(1 minute)": time.Minute,
		"rate(1 hour)": time.Hour, "rate(2 hours)": 2 * time.Hour, "rate(1 day)": 24 * time.Hour,
	}
	for expr, want := range cases {
		if got, err := fanout.RatePeriod(expr); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", expr, got, err, want)
		}
	}
	for _, bad := range []string{"cron(0 * * * ? *)", "rate(0 minutes)", "rate(5 weeks)", ""} {
		if _, err := fanout.RatePeriod(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDecode(t *testing.T) {
	run := `"run":"2026-11-20T12:00:00Z"`
	cases := []struct {
		body string
		ok   bool
	}{
		{`{"org":"acme",` + run + `}`, true},
		{`{"list":true,"cursor":"YQ",` + run + `}`, true},
		{`{"list":true,` + run + `}`, true},
		{`{` + run + `}`, false},
		{`{"org":"acme","list":true,` + run + `}`, false},
		{`{"org":"acme"}`, false},
		{`not json`, false},
	}
	for _, c := range cases {
		if _, err := fanout.Decode(c.body); (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok %v", c.body, err, c.ok)
		}
	}
}

// TestRotationReconcilesEveryOrganizationOnceADay: given the five-minute
// schedule, when every run of a day is asked about 5,000 organizations,
// then each is due in exactly one run, and no run gets more than three
// times its fair share.
func TestRotationReconcilesEveryOrganizationOnceADay(t *testing.T) {
	r := fanout.Rotation{Period: 5 * time.Minute}
	if r.Slots() != 288 {
		t.Fatalf("slots %d", r.Slots())
	}
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	const orgs = 5000
	perRun := map[int]int{}
	for i := 0; i < orgs; i++ {
		org := "org-" + string(rune('a'+i%26)) + time.Duration(i).String()
		due := 0
		for s := 0; s < r.Slots(); s++ {
			if r.Due(org, day.Add(time.Duration(s)*r.Period)) {
				due++
				perRun[s]++
			}
		}
		if due != 1 {
			t.Fatalf("%s due in %d runs of a day, want 1", org, due)
		}
	}
	for s, n := range perRun {
		if n > 3*orgs/r.Slots() {
			t.Errorf("run %d reconciles %d organizations, fair share %d", s, n, orgs/r.Slots())
		}
	}
	if got := fanout.RunOf(day.Add(7*time.Minute+3*time.Second), r.Period); !got.Equal(day.Add(5 * time.Minute)) {
		t.Errorf("RunOf = %v", got)
	}
}
