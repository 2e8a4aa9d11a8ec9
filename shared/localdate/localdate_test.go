package localdate

import (
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestOf(t *testing.T) {
	cases := []struct {
		name string
		zone string
		at   time.Time
		want string
	}{
		{"given São Paulo when 02:59 UTC then still yesterday", "America/Sao_Paulo", time.Date(2026, 11, 20, 2, 59, 0, 0, time.UTC), "2026-11-19"},
		{"given São Paulo when 03:00 UTC then today", "America/Sao_Paulo", time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC), "2026-11-20"},
		{"given the default zone when empty then São Paulo", "", time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), "2026-11-19"},
		{"given New York after DST ends when 04:30 UTC then the previous date", "America/New_York", time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC), "2026-11-01"},
		{"given Lord Howe's half-hour offset then its own date", "Australia/Lord_Howe", time.Date(2026, 10, 4, 13, 0, 0, 0, time.UTC), "2026-10-05"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Of(c.at, mustLoad(t, c.zone)).String(); got != c.want {
				t.Fatalf("got %s want %s", got, c.want)
			}
		})
	}
}

func TestStartOnDSTDays(t *testing.T) {
	// Given a zone whose DST starts at midnight (Havana, 2026-03-08 00:00
	// does not exist), when asking the start of that date, then it is the
	// first instant that is on that date.
	loc := mustLoad(t, "America/Havana")
	d, _ := Parse("2026-03-08")
	start := d.Start(loc)
	if Of(start, loc) != d || Of(start.Add(-time.Nanosecond), loc) == d {
		t.Fatalf("start %v is not the first instant of %s", start, d)
	}
	// Given a normal day, then midnight.
	d2, _ := Parse("2026-11-20")
	if got := d2.Start(mustLoad(t, "America/Sao_Paulo")); got.Hour() != 0 || Of(got, got.Location()) != d2 {
		t.Fatalf("got %v", got)
	}
}

func TestPeriods(t *testing.T) {
	today, _ := Parse("2026-11-23")
	cur, prev := Last30(today), Previous30(today)
	if cur.Days() != 30 || prev.Days() != 30 || prev.To.AddDays(1) != cur.From || cur.To != today {
		t.Fatalf("cur %s..%s prev %s..%s", cur.From, cur.To, prev.From, prev.To)
	}
}

func TestCycle(t *testing.T) {
	cases := []struct {
		name       string
		date       string
		startDay   int
		start, end string
	}{
		{"given day 5 when the 23rd then this month's 5th", "2026-11-23", 5, "2026-11-05", "2026-12-04"},
		{"given day 5 when the 4th then last month's 5th", "2026-11-04", 5, "2026-10-05", "2026-11-04"},
		{"given day 1 when the 1st then today", "2026-11-01", 1, "2026-11-01", "2026-11-30"},
		{"given day 28 when January 3rd then December 28th", "2027-01-03", 28, "2026-12-28", "2027-01-27"},
		{"given an invalid day then day 1", "2026-02-10", 31, "2026-02-01", "2026-02-28"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, _ := Parse(c.date)
			s := CycleStart(d, c.startDay)
			if s.String() != c.start || CycleEnd(s).String() != c.end {
				t.Fatalf("got %s..%s want %s..%s", s, CycleEnd(s), c.start, c.end)
			}
		})
	}
}
