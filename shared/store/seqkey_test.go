package store

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSeqKeyOrdersAsNumbers: given any two stream sequence numbers of up to
// 40 digits, with or without leading zeros, when both are made marks, then
// the marks compare as the numbers do, and no mark is longer than 21 bytes.
func TestSeqKeyOrdersAsNumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(40, 21))
	digits := func() string {
		n := 1 + r.IntN(maxSeqDigits)
		var b strings.Builder
		for i := 0; i < n; i++ {
			d := r.IntN(10)
			if r.IntN(4) == 0 {
				d = 0 // runs of zeros, leading ones included
			}
			b.WriteByte(byte('0' + d))
		}
		return b.String()
	}
	for i := 0; i < 20000; i++ {
		a, b := digits(), digits()
		if i%3 == 0 { // neighbours: the order that matters most
			b = new(big.Int).Add(num10(t, a), big.NewInt(int64(r.IntN(3)))).String()
		}
		ka, oka := SeqKey(a)
		kb, okb := SeqKey(b)
		if !oka || !okb {
			t.Fatalf("SeqKey(%q) or SeqKey(%q) refused", a, b)
		}
		if len(ka) > 21 || len(kb) > 21 {
			t.Fatalf("a mark of %d or %d bytes", len(ka), len(kb))
		}
		if want, got := num10(t, a).Cmp(num10(t, b)), strings.Compare(ka, kb); want != got {
			t.Fatalf("%s vs %s: numbers compare %d, marks %d", a, b, want, got)
		}
	}
}

// TestSeqKeyRefusesWhatIsNoSequenceNumber names the inputs a stream record
// should never carry; the aggregate function skips such a record.
func TestSeqKeyRefusesWhatIsNoSequenceNumber(t *testing.T) {
	for _, seq := range []string{"", "12a", "-1", "1.5", " 1", strings.Repeat("9", maxSeqDigits+1)} {
		if _, ok := SeqKey(seq); ok {
			t.Errorf("SeqKey(%q) accepted", seq)
		}
	}
}

func num10(t *testing.T, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("not a number: %q", s)
	}
	return v
}
