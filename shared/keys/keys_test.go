package keys

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

// TestContactShardIsStable: the shard of a contact is part of stored keys;
// given the same contact, it must never change between releases (a change
// would orphan every stored contact state), and it stays within Shards. The
// pinned values are FNV-1a 32 mod 16 (16 shards since issue 12: states
// stored under 8 shards must be moved, see docs/DEPLOY.md).
func TestContactShardIsStable(t *testing.T) {
	for contact, want := range map[string]int{
		"5511987654321":  0,
		"c-1":            4,
		"c-2":            13,
		"5511987654321@": 0,
		"5521999990000":  5,
		"c-3":            10,
		"c-7":            14,
		"c-8":            15,
	} {
		if got := ContactShard(contact); got != want {
			t.Errorf("ContactShard(%q) = %d, want %d", contact, got, want)
		}
	}
	counts := make([]int, Shards)
	for i := 0; i < 8000; i++ {
		s := ContactShard(fmt.Sprintf("55%011d", 11900000000+i*7919))
		if s < 0 || s >= Shards {
			t.Fatalf("shard %d out of range", s)
		}
		counts[s]++
	}
	for s, n := range counts {
		if n < 400 || n > 600 { // 500 expected per shard
			t.Errorf("shard %d holds %d of 8000 contacts: spread too uneven %v", s, n, counts)
		}
	}
}

// TestLedgerKeysSortChronologically: given windows opened at times that sort
// differently as text in other formats (milliseconds, offsets, years), their
// ledger sort keys sort in time order, so a range query by time is a key range.
func TestLedgerKeysSortChronologically(t *testing.T) {
	sp := time.FixedZone("BRT", -3*3600)
	times := []time.Time{
		time.Date(2026, 11, 23, 9, 0, 0, 0, sp), // 12:00Z
		time.Date(2026, 11, 23, 11, 59, 59, 999e6, time.UTC),
		time.Date(2026, 11, 23, 12, 0, 0, 1e6, time.UTC),
		time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).Add(-time.Millisecond),
		time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, sp),
	}
	keys := make([]string, len(times))
	for i, at := range times {
		keys[i] = Ledger("o", at, "company", "c").SK
	}
	sort.Strings(keys)
	sorted := append([]time.Time(nil), times...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
	for i, at := range sorted {
		if want := Ledger("o", at, "company", "c").SK; keys[i] != want {
			t.Fatalf("key %d in text order = %s, in time order = %s", i, keys[i], want)
		}
		if b := LedgerBound(at); keys[i][:len(b)] != b {
			t.Fatalf("bound %s is not the key's prefix %s", b, keys[i])
		}
	}
}

// TestKeysDoNotCollide: given ids of the allowed alphabet (no '#'), the keys
// of different item kinds and organizations never coincide.
func TestKeysDoNotCollide(t *testing.T) {
	seen := map[Key]string{}
	add := func(k Key, what string) {
		if prev, ok := seen[k]; ok {
			t.Fatalf("%s and %s share the key %+v", prev, what, k)
		}
		seen[k] = what
	}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, org := range []string{"o", "o1", "ORG", "LEDGER", "C", "o.C"} {
		add(Profile(org), org+" profile")
		add(Rollup(org), org+" rollup")
		for sh := 0; sh < TotalShards; sh++ {
			add(DayTotals(org, "2026-11-23", sh), org+" day")
			add(CycleTotals(org, "2026-11-23", sh), org+" cycle")
		}
		add(Ledger(org, at, "company", "c"), org+" ledger")
		add(Spill(org, "c", 20415, 3), org+" spill")
		for _, contact := range []string{"PROFILE", "ROLLUP", "c", "MAP"} {
			add(Contact(org, contact), org+" contact "+contact)
		}
		add(ProviderAccount("whatsapp", org), org+" provider account")
	}
}
