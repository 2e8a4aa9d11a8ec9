package export

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/localdate"
)

// FuzzDecodeJob: whatever the exports queue hands the worker, decoding
// never panics, fails only with ErrBadJob, and what it accepts is a job
// with an organization and a well-formed id that encodes back to itself.
func FuzzDecodeJob(f *testing.F) {
	for _, s := range []string{EncodeJob(Job{Org: "demo", ID: "exp_0123456789abcdef0123456789abcdef"}), ``, `{}`, `null`, `[]`,
		`{"org":"demo","id":"exp_x"}`, `{"org":"","id":"exp_0123456789abcdef0123456789abcdef"}`,
		`{"org":"demo","id":"exp_0123456789abcdef0123456789abcdef"} {}`, `{"org":"demo","id":"exp_0123456789abcdef0123456789abcdef","x":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		j, err := DecodeJob(body)
		if err != nil {
			if !errors.Is(err, ErrBadJob) {
				t.Fatalf("error not ErrBadJob: %v", err)
			}
			return
		}
		if j.Org == "" || !ValidID(j.ID) {
			t.Fatalf("accepted %+v", j)
		}
		if again, err := DecodeJob([]byte(EncodeJob(j))); err != nil || again != j {
			t.Fatalf("round trip: %+v %v", again, err)
		}
	})
}

// TestValidateRange: a table of ranges and the field each refusal names.
func TestValidateRange(t *testing.T) {
	d := func(s string) localdate.Date { v, _ := localdate.Parse(s); return v }
	for _, c := range []struct {
		from, to, view, field string
	}{
		{"2026-01-01", "2026-12-31", ViewLedger, ""},
		{"2026-01-01", "2027-02-04", ViewDaily, ""},
		{"2026-01-01", "2027-02-05", ViewLedger, "to"},
		{"2026-01-02", "2026-01-01", ViewLedger, "to"},
		{"2026-01-01", "2026-01-01", "monthly", "view"},
		{"9999-12-31", "9999-12-31", ViewLedger, "from"},
	} {
		fs := Request{From: d(c.from), To: d(c.to), View: c.view}.Validate()
		switch {
		case c.field == "" && len(fs) > 0:
			t.Errorf("%+v refused: %v", c, fs)
		case c.field != "" && (len(fs) == 0 || fs[0].Field != c.field):
			t.Errorf("%+v: %v, want field %s", c, fs, c.field)
		}
	}
}

// TestWriterIsRFC4180AndFormulaSafe: given rows with commas, quotes, line
// breaks, non-ASCII text and formula-like cells, the writer's output starts
// with a byte order mark, ends rows with CRLF, and Go's csv reader reads
// back every value, formula-like ones behind one apostrophe.
func TestWriterIsRFC4180AndFormulaSafe(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, ViewLedger)
	if err != nil {
		t.Fatal(err)
	}
	es := []consumption.LedgerEntry{
		{ContactID: `a,"b"`, Lane: "human", EventID: "line\nbreak", EventSource: "São Paulo"},
		{ContactID: "=HYPERLINK(1)", Lane: "bot", ExpertAgentID: "+x", EventID: "@y", EventSource: "-1"},
	}
	if err := errors.Join(w.Ledger(es), w.Flush()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "\uFEFF") || !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("%q", out)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF")))
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rec)
	}
	if len(rows) != 3 || rows[1][3] != `a,"b"` || rows[1][7] != "line\nbreak" || rows[1][8] != "São Paulo" ||
		rows[2][3] != "'=HYPERLINK(1)" || rows[2][6] != "'+x" || rows[2][7] != "'@y" || rows[2][8] != "'-1" {
		t.Fatalf("rows %q", rows)
	}
}

// TestValidIDIsTheExpression: given ids around NewID's shape (its own, every
// length near it, every byte at every position, prefixes changed, trailing
// newlines), when ValidID and `^exp_[0-9a-f]{32}$` judge them, then they
// agree on every one.
func TestValidIDIsTheExpression(t *testing.T) {
	re := regexp.MustCompile(`^exp_[0-9a-f]{32}$`)
	good, err := NewID()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{good, "", "exp_", "EXP_" + good[4:], "exp-" + good[4:], good + "\n", "\n" + good, " " + good, good[:len(good)-1] + "\x00"}
	for n := 0; n <= 40; n++ {
		ids = append(ids, "exp_"+strings.Repeat("a", n), "exp_"+strings.Repeat("0", n), strings.Repeat("f", n))
	}
	for pos := 0; pos < len(good); pos++ {
		for c := 0; c < 256; c++ {
			b := []byte(good)
			b[pos] = byte(c)
			ids = append(ids, string(b))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := []byte(good)
		for range 1 + r.IntN(3) {
			const alphabet = "0123456789abcdefABCDEFgxz_-p\xff"
			b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
		}
		ids = append(ids, string(b))
	}
	valid := 0
	for _, id := range ids {
		if got, want := ValidID(id), re.MatchString(id); got != want {
			t.Fatalf("ValidID(%q) = %v, the expression says %v", id, got, want)
		} else if got {
			valid++
		}
	}
	if valid < 100 || valid == len(ids) {
		t.Fatalf("%d of %d valid: the cases do not test both ways", valid, len(ids))
	}
}
