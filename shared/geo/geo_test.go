package geo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/customercloud/home/shared/geo/uf"
)

// wantByState restates REFERENCES.md's table independently of uf's, so a
// typo in the data file is caught rather than copied into the expectation.
var wantByState = map[string][]int{
	"SP": {11, 12, 13, 14, 15, 16, 17, 18, 19},
	"RJ": {21, 22, 24},
	"ES": {27, 28},
	"MG": {31, 32, 33, 34, 35, 37, 38},
	"PR": {41, 42, 43, 44, 45, 46},
	"SC": {47, 48, 49},
	"RS": {51, 53, 54, 55},
	"DF": {61},
	"GO": {62, 64},
	"TO": {63},
	"MT": {65, 66},
	"MS": {67},
	"AC": {68},
	"RO": {69},
	"BA": {71, 73, 74, 75, 77},
	"SE": {79},
	"PE": {81, 87},
	"AL": {82},
	"PB": {83},
	"RN": {84},
	"CE": {85, 88},
	"PI": {86, 89},
	"PA": {91, 93, 94},
	"AM": {92, 97},
	"RR": {95},
	"AP": {96},
	"MA": {98, 99},
}

var unusedDDDs = []int{20, 23, 25, 26, 29, 30, 36, 39, 40, 50, 52, 56, 57, 58, 59, 60, 70, 72, 76, 78, 80, 90}

func TestStateOf_GivenEveryDDDInUse_WhenResolved_ThenItsState(t *testing.T) {
	total := 0
	for uf, ddds := range wantByState {
		for _, ddd := range ddds {
			total++
			// Each DDD in every spelling a contact's phone arrives in.
			for _, tc := range []struct{ form, phone string }{
				{"E.164 mobile", fmt.Sprintf("+55%d987654321", ddd)},
				{"E.164 landline", fmt.Sprintf("+55%d33334444", ddd)},
				{"CSV digits with country code, mobile", fmt.Sprintf("55%d987654321", ddd)},
				{"CSV digits with country code, landline", fmt.Sprintf("55%d33334444", ddd)},
				{"formatted", fmt.Sprintf("+55 (%d) 98765-4321", ddd)},
				{"national with trunk prefix", fmt.Sprintf("0%d987654321", ddd)},
			} {
				t.Run(fmt.Sprintf("given DDD %d as %s when resolved then %s", ddd, tc.form, uf), func(t *testing.T) {
					if got := StateOf(tc.phone); got != uf {
						t.Fatalf("StateOf(%q) = %q, want %q", tc.phone, got, uf)
					}
				})
			}
		}
	}
	if total != 67 {
		t.Fatalf("expectation table has %d DDDs, REFERENCES.md lists 67", total)
	}
	if n := len(uf.DDDs()); n != 67 {
		t.Fatalf("uf's table has %d DDDs, want 67", n)
	}
}

func TestStateOf_GivenUnusedDDD_WhenResolved_ThenUnknown(t *testing.T) {
	for _, ddd := range unusedDDDs {
		for _, phone := range []string{
			fmt.Sprintf("+55%d987654321", ddd),
			fmt.Sprintf("55%d33334444", ddd),
		} {
			t.Run(fmt.Sprintf("given unused DDD %d in %s when resolved then unknown", ddd, phone), func(t *testing.T) {
				if got := StateOf(phone); got != uf.Unknown {
					t.Fatalf("StateOf(%q) = %q, want %q", phone, got, uf.Unknown)
				}
			})
		}
	}
}

func TestStateOf_Scenarios(t *testing.T) {
	tests := []struct {
		name  string
		phone string
		want  string
	}{
		{"given a Porto Alegre mobile in CSV digits when resolved then RS", "5551999999999", "RS"},
		{"given a DDD 55 number written nationally when resolved then RS, not mistaken for the country code", "55999999999", "RS"},
		{"given a Rio landline in national form when resolved then RJ", "2133334444", "RJ"},
		{"given an old-style number with spaces and ext when resolved then SP", "+55 11 9 8765 4321 ext 2", "SP"},
		{"given a US number when resolved then unknown", "+14155552671", uf.Unknown},
		{"given a Portuguese number when resolved then unknown", "+351912345678", uf.Unknown},
		{"given an Argentine number when resolved then unknown", "+5491123456789", uf.Unknown},
		{"given an empty phone when resolved then unknown", "", uf.Unknown},
		{"given blanks when resolved then unknown", "   ", uf.Unknown},
		{"given letters when resolved then unknown", "not a phone", uf.Unknown},
		{"given only the country code when resolved then unknown", "+55", uf.Unknown},
		{"given a country code and DDD only when resolved then unknown", "+5511", uf.Unknown},
		{"given too few national digits when resolved then unknown", "+55119876", uf.Unknown},
		{"given too many national digits when resolved then unknown", "+55119876543210", uf.Unknown},
		{"given an email in the phone field when resolved then unknown", "ana@example.com", uf.Unknown},
		{"given a number with a letter inside when resolved then unknown", "+5511987x54321", uf.Unknown},
		{"given unicode garbage when resolved then unknown", "☎️☎️☎️", uf.Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := StateOf(tc.phone); got != tc.want {
				t.Fatalf("StateOf(%q) = %q, want %q", tc.phone, got, tc.want)
			}
		})
	}
}

// TestStateOf_GivenAnyInput_WhenFastPathApplies_ThenItAgreesWithPhonenumbers
// holds the allocation-free fast path to the phonenumbers parse it stands in
// for, over every DDD and random digit strings around the lengths it accepts.
func TestStateOf_GivenAnyInput_WhenFastPathApplies_ThenItAgreesWithPhonenumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(55, 11))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	var inputs []string
	for ddd := 0; ddd < 100; ddd++ {
		inputs = append(inputs,
			fmt.Sprintf("+55%02d9%s", ddd, digits(8)),
			fmt.Sprintf("55%02d%s", ddd, digits(8)),
			fmt.Sprintf("55%02d%s", ddd, digits(7)),
			fmt.Sprintf("55%02d%s", ddd, digits(9)),
		)
	}
	for range 6000 {
		prefix := []string{"", "+", "55", "+55", "550", "+550", "+1", "+351", "+0", "+5", "+54"}[r.IntN(11)]
		inputs = append(inputs, prefix+digits(8+r.IntN(7)))
	}
	fast := 0
	for _, in := range inputs {
		got, ok := fastState(in)
		if !ok {
			continue
		}
		fast++
		if want := phonenumbersState(in); got != want {
			t.Errorf("given %q when resolved then fast path says %q, phonenumbers %q", in, got, want)
		}
	}
	if fast < 1000 {
		t.Fatalf("only %d inputs took the fast path; the comparison proves little", fast)
	}
}

// The tests of package uf's listings are here, beside wantByState, the one
// restatement of REFERENCES.md.

func TestStates_GivenTheTable_WhenListed_ThenTheTwentySevenUFsSorted(t *testing.T) {
	got := uf.All()
	want := make([]string, 0, len(wantByState))
	for uf := range wantByState {
		want = append(want, uf)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) || len(got) != 27 {
		t.Fatalf("uf.All() = %v, want the 27 UFs %v", got, want)
	}
	got[0] = "XX"
	if uf.All()[0] != "AC" {
		t.Fatal("mutating the returned slice changed the package's copy")
	}
}

func TestDDDs_GivenTheTable_WhenListed_ThenEveryCodeInUseOnce(t *testing.T) {
	got := uf.DDDs()
	if len(got) != 67 {
		t.Fatalf("uf.DDDs() has %d codes, want 67", len(got))
	}
	for uf, ddds := range wantByState {
		for _, ddd := range ddds {
			if got[ddd] != uf {
				t.Errorf("uf.DDDs()[%d] = %q, want %q", ddd, got[ddd], uf)
			}
		}
	}
	for _, ddd := range unusedDDDs {
		if _, ok := got[ddd]; ok {
			t.Errorf("uf.DDDs() lists unused code %d", ddd)
		}
	}
	delete(got, 11)
	if uf.DDDs()[11] != "SP" {
		t.Fatal("mutating the returned map changed the package's table")
	}
}

var sink string

// BenchmarkStateOf measures the rollup's per-contact cost for the canonical
// E.164 form (fast path) and for a formatted number (the general path).
func BenchmarkStateOf(b *testing.B) {
	for _, bc := range []struct{ name, phone string }{
		{"E164", "+5511987654321"},
		{"CSVDigits", "5551999999999"},
		{"Foreign", "+14155552671"},
		{"Formatted", "+55 (11) 98765-4321"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = StateOf(bc.phone)
			}
		})
	}
}
