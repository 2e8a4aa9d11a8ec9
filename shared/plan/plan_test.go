package plan

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/customercloud/home/shared/localdate"
)

// TestValidate: given a plan with faults, when validated, then every field
// at fault is named, in a stable order, and a good plan passes.
func TestValidate(t *testing.T) {
	good := Default()
	cases := []struct {
		scenario string
		edit     func(p *Plan)
		fields   []string
	}{
		{"the default plan", func(*Plan) {}, nil},
		{"a full plan with packages and a zone", func(p *Plan) {
			p.Name, p.IncludedInteractionz, p.Seats, p.CycleStartDay = "Pro", 5000, 10, 28
			p.Packages, p.TimeZone = map[string]int{"sms": 10000, "whatsapp": 0}, "America/Manaus"
		}, nil},
		{"no name", func(p *Plan) { p.Name = "" }, []string{"name"}},
		{"a cycle starting on the 29th, which February lacks", func(p *Plan) { p.CycleStartDay = 29 }, []string{"cycleStartDay"}},
		{"a cycle starting on day 0", func(p *Plan) { p.CycleStartDay = 0 }, []string{"cycleStartDay"}},
		{"negative Interactionz", func(p *Plan) { p.IncludedInteractionz = -1 }, []string{"includedInteractionz"}},
		{"no seats", func(p *Plan) { p.Seats = 0 }, []string{"seats"}},
		{"a package of an unknown channel and a negative one", func(p *Plan) {
			p.Packages = map[string]int{"telegram": 1, "sms": -5}
		}, []string{"packages.sms", "packages.telegram"}},
		{"an unknown zone", func(p *Plan) { p.TimeZone = "America/Atlantis" }, []string{"timeZone"}},
		{"the host's zone, Local, which is no IANA name", func(p *Plan) { p.TimeZone = "Local" }, []string{"timeZone"}},
		{"UTC, an IANA name", func(p *Plan) { p.TimeZone = "UTC" }, nil},
		{"a name with a right-to-left override", func(p *Plan) { p.Name = "Pro\u202eorP" }, []string{"name"}},
		{"a name with a NUL", func(p *Plan) { p.Name = "Pro\x00" }, []string{"name"}},
		{"a name with accents", func(p *Plan) { p.Name = "Plano Básico" }, nil},
		{"everything wrong at once", func(p *Plan) { *p = Plan{TimeZone: "Nowhere"} },
			[]string{"name", "cycleStartDay", "seats", "timeZone"}},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			p := good
			c.edit(&p)
			err := p.Validate()
			var got []string
			for _, e := range unjoin(err) {
				var fe FieldError
				if !errors.As(e, &fe) {
					t.Fatalf("error %v is not a FieldError", e)
				}
				got = append(got, fe.Field)
			}
			if !reflect.DeepEqual(got, c.fields) {
				t.Fatalf("fields at fault = %v, want %v (%v)", got, c.fields, err)
			}
		})
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestCycle: given a cycle start day, then the cycle containing a date runs
// from the last start day on or before it to the day before the next one,
// across month and year ends.
func TestCycle(t *testing.T) {
	d := localdate.FromCivil
	cases := []struct {
		scenario string
		startDay int
		date     localdate.Date
		from, to localdate.Date
	}{
		{"calendar month", 1, d(2026, time.February, 14), d(2026, time.February, 1), d(2026, time.February, 28)},
		{"leap February", 1, d(2028, time.February, 29), d(2028, time.February, 1), d(2028, time.February, 29)},
		{"on the start day itself", 10, d(2026, time.November, 10), d(2026, time.November, 10), d(2026, time.December, 9)},
		{"the day before the start day", 10, d(2026, time.November, 9), d(2026, time.October, 10), d(2026, time.November, 9)},
		{"across the year end", 15, d(2027, time.January, 3), d(2026, time.December, 15), d(2027, time.January, 14)},
		{"day 28 through February", 28, d(2027, time.March, 1), d(2027, time.February, 28), d(2027, time.March, 27)},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			p := Default()
			p.CycleStartDay = c.startDay
			got := p.Cycle(c.date)
			if got.From != c.from || got.To != c.to {
				t.Fatalf("Cycle(%s) with start day %d = %s..%s, want %s..%s", c.date, c.startDay, got.From, got.To, c.from, c.to)
			}
		})
	}
}

// TestLocation: given no zone or a bad one, then the default zone is used.
func TestLocation(t *testing.T) {
	for zone, want := range map[string]string{"": localdate.DefaultZone, "Bad/Zone": localdate.DefaultZone, "Europe/Lisbon": "Europe/Lisbon"} {
		p := Default()
		p.TimeZone = zone
		if got := p.Location().String(); got != want {
			t.Errorf("given zone %q, Location() = %s, want %s", zone, got, want)
		}
	}
}
