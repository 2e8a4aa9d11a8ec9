package geo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/customercloud/home/shared/geo/uf"
)

// The tests here import nyaruka/phonenumbers, which the product no longer
// links: it is the reference parse.go's port is held to.

// phonenumbersNSN is the reference: phonenumbers' national significant
// number for phone with default region BR, and whether it parsed with
// country code 55.
func phonenumbersNSN(phone string) (string, bool) {
	num, err := phonenumbers.Parse(phone, "BR")
	if err != nil || num.GetCountryCode() != brazil {
		return "", false
	}
	return phonenumbers.GetNationalSignificantNumber(num), true
}

// phonenumbersState is what geo's general path answered when it called
// phonenumbers.
func phonenumbersState(phone string) string {
	nsn, ok := phonenumbersNSN(phone)
	if !ok || (len(nsn) != 10 && len(nsn) != 11) {
		return uf.Unknown
	}
	return uf.OfDDD(int(nsn[0]-'0')*10 + int(nsn[1]-'0'))
}

// referenceStateOf is StateOf as it was before the port: the fast path,
// then phonenumbers.
func referenceStateOf(phone string) string {
	if s, ok := fastState(phone); ok {
		return s
	}
	return phonenumbersState(phone)
}

func brazilMetadata(t *testing.T) *phonenumbers.PhoneMetadata {
	t.Helper()
	c, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Metadata {
		if m.GetId() == "BR" {
			return m
		}
	}
	t.Fatal("phonenumbers has no BR metadata")
	return nil
}

// TestBrazilMetadata: given phonenumbers' metadata for Brazil, when parse.go's
// copy is compared with it, then every field the port uses is the same (an
// upgrade of the library that changes them fails here, not silently).
func TestBrazilMetadata(t *testing.T) {
	m := brazilMetadata(t)
	for _, c := range []struct{ name, got, want string }{
		{"international prefix", brIDD, m.GetInternationalPrefix()},
		{"national prefix for parsing", brNationalPrefixForParsing, m.GetNationalPrefixForParsing()},
		{"national prefix transform rule", brNationalPrefixTransform, m.GetNationalPrefixTransformRule()},
		{"general description", brGeneralDesc, m.GetGeneralDesc().GetNationalNumberPattern()},
	} {
		if c.got != c.want {
			t.Errorf("%s: parse.go has %q, phonenumbers %q", c.name, c.got, c.want)
		}
	}
	if m.GetCountryCode() != brazil {
		t.Errorf("country code %d", m.GetCountryCode())
	}
	var lengths []int32
	for l := int32(brMinLength); l <= brMaxLength; l++ {
		lengths = append(lengths, l)
	}
	if gd := m.GetGeneralDesc(); !slices.Equal(gd.PossibleLength, lengths) || len(gd.PossibleLengthLocalOnly) != 0 {
		t.Errorf("possible lengths %v, local-only %v; parse.go assumes %v and none", gd.PossibleLength, gd.PossibleLengthLocalOnly, lengths)
	}
	for name, p := range map[string]string{
		"VALID_START_CHAR_PATTERN": phonenumbers.VALID_START_CHAR_PATTERN.String(), "UNWANTED_END_CHAR_PATTERN": phonenumbers.UNWANTED_END_CHAR_PATTERN.String(),
		"SECOND_NUMBER_START_PATTERN": phonenumbers.SECOND_NUMBER_START_PATTERN.String(), "PLUS_CHARS_PATTERN": phonenumbers.PLUS_CHARS_PATTERN.String(),
		"CAPTURING_DIGIT_PATTERN": phonenumbers.CAPTURING_DIGIT_PATTERN.String(), "VALID_ALPHA_PHONE_PATTERN": phonenumbers.VALID_ALPHA_PHONE_PATTERN.String(),
		"EXTN_PATTERN": phonenumbers.EXTN_PATTERN.String(), "VALID_PHONE_NUMBER_PATTERN": phonenumbers.VALID_PHONE_NUMBER_PATTERN.String(),
		"RFC3966_GLOBAL_NUMBER_DIGITS_PATTERN": phonenumbers.RFC3966_GLOBAL_NUMBER_DIGITS_PATTERN.String(), "RFC3966_DOMAINNAME_PATTERN": phonenumbers.RFC3966_DOMAINNAME_PATTERN.String(),
	} {
		if !slices.Contains([]string{validStartChar, unwantedEndChar, secondNumberStart, plusChars, capturingDigit, validAlphaPhone, extn, validPhone, rfcGlobalDigits, rfcDomainName}, p) {
			t.Errorf("phonenumbers' %s %q is not one of parse.go's patterns", name, p)
		}
	}
}

// TestCallingCodes: given phonenumbers' calling codes, when parse.go's list
// is compared, then they are the same set.
func TestCallingCodes(t *testing.T) {
	var want []int
	for c := range phonenumbers.GetSupportedCallingCodes() {
		want = append(want, c)
	}
	slices.Sort(want)
	var got []int
	for _, f := range strings.Fields(callingCodes) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("parse.go lists %d codes, phonenumbers %d:\n%v\n%v", len(got), len(want), got, want)
	}
}

// generatedPhones builds n phones in the spellings people and imports use,
// biased to the prefixes where the parse has decisions to make: E.164 of
// every length, bare digits with and without 55, trunk prefixes 0 and 90,
// carrier codes, the IDD 00xx, unassigned calling codes, separators,
// extensions, vanity letters, RFC 3966 and junk around the number.
func generatedPhones(r *rand.Rand, n int) []string {
	digits := func(k int) string {
		var b strings.Builder
		for range k {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	carriers := []string{"12", "14", "15", "21", "23", "25", "31", "41", "43", "55", "65", "99", "10", "13", "22", "98"}
	out := make([]string, 0, n)
	for len(out) < n {
		// The digits: a head that steers the parse, then a national body.
		ddd := fmt.Sprintf("%02d", r.IntN(100))
		body := ddd + pick("9", "", "3", "8") + digits(r.IntN(12))
		head := pick("", "55", "+55", "+", "0", "90", "550", "+550", "5590", "+5590",
			"0"+pick(carriers...), "90"+pick(carriers...), "550"+pick(carriers...), "+550"+pick(carriers...),
			"00"+pick(carriers...)+"55", "00"+pick(carriers...), "00"+pick(carriers...)+"0",
			"+"+pick("1", "28", "42", "80", "83", "87", "969", "0", "00", "5", "54", "351"), "+0055", "+055", "++55")
		num := head + body
		if r.IntN(3) == 0 { // separators
			var b strings.Builder
			for i := 0; i < len(num); i++ {
				b.WriteByte(num[i])
				if r.IntN(4) == 0 {
					b.WriteString(pick(" ", "-", ".", " (", ") ", "/", "  ", "*", "~", "[", "]"))
				}
			}
			num = b.String()
		}
		switch r.IntN(12) {
		case 0:
			num += pick(" ext ", " ext. ", " x", " #", ";ext=", ",,", ", ", " int ", " anexo ", "-", "/x") + digits(1+r.IntN(6)) + pick("", "#")
		case 1:
			num = pick("tel:", "Tel: ", "phone ", "(", " ", "abc") + num
		case 2:
			num += pick(";phone-context=+55", ";phone-context=example.com", ";phone-context=", ";isub=12", ";phone-context=+55-11", ";x=y")
		case 3: // vanity letters
			b := []byte(num)
			for i := range b {
				if b[i] >= '2' && b[i] <= '9' && r.IntN(3) == 0 {
					b[i] = byte('A' + r.IntN(26))
				}
			}
			num = string(b)
		case 4:
			num += pick(" ", ")", ".", "!", " ok", "x", "#")
		case 5:
			num = num[:r.IntN(len(num)+1)]
		}
		out = append(out, num)
	}
	return out
}

// TestParseBR_GivenGeneratedPhones_WhenParsed_ThenAsPhonenumbers holds the
// port to phonenumbers: given 100,000 generated ASCII spellings and every
// E.164 shape around +55, when each is parsed, then parseBR gives the same
// national significant number (or the same "not Brazilian") as
// phonenumbers.Parse(phone, "BR"), and StateOf the same state as it gave
// when it called phonenumbers.
func TestParseBR_GivenGeneratedPhones_WhenParsed_ThenAsPhonenumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(55, 21))
	inputs := generatedPhones(r, 100_000)
	// Every E.164 length (8-15 digits after "+") with heads around 55.
	for _, head := range []string{"55", "550", "5590", "55015", "55901", "5511", "551", "28", "42", "1", "0"} {
		for n := 8; n <= 15; n++ {
			for range 50 {
				d := head
				for len(d) < n {
					d += strconv.Itoa(r.IntN(10))
				}
				inputs = append(inputs, "+"+d[:n], d[:n])
			}
		}
	}
	brazilian, states := 0, map[string]int{}
	for _, in := range inputs {
		got, gotOK := parseBR(in)
		want, wantOK := phonenumbersNSN(in)
		if got != want || gotOK != wantOK {
			t.Errorf("given %q when parsed then port says (%q, %v), phonenumbers (%q, %v)", in, got, gotOK, want, wantOK)
			continue
		}
		if g, w := StateOf(in), referenceStateOf(in); g != w {
			t.Errorf("given %q when resolved then %q, before the port %q", in, g, w)
		}
		if wantOK {
			brazilian++
		}
		states[StateOf(in)]++
	}
	// The comparison proves something only if the set reaches the answers.
	if brazilian < len(inputs)/3 || len(states) < 28 {
		t.Fatalf("%d of %d inputs Brazilian, %d distinct states: the generator misses the cases", brazilian, len(inputs), len(states))
	}
	t.Logf("%d inputs, %d parsed as Brazilian, %d states (incl. unknown)", len(inputs), brazilian, len(states))
}

// TestParseBR_GivenNonASCII_WhenResolved_ThenUnknown: given phones with
// non-ASCII characters (which contract.Validate never lets reach the debit),
// when resolved, then they are unknown; phonenumbers reads some of them
// (full-width digits), the port does not.
func TestParseBR_GivenNonASCII_WhenResolved_ThenUnknown(t *testing.T) {
	for _, in := range []string{"＋５５１１９８７６５４３２１", "+55 11 98765\u00a04321", "☎ +5511987654321", "٥٥١١٩٨٧٦٥٤٣٢١"} {
		if got := StateOf(in); got != uf.Unknown {
			t.Errorf("StateOf(%q) = %q, want unknown", in, got)
		}
	}
}
