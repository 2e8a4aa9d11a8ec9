// Package keys owns the single-table key layout: every item's partition and
// sort key is built here and nowhere else, so the layout can be read (and
// changed) in one place.
//
//	item                     pk                         sk
//	organization profile     ORG#<org>                  PROFILE
//	organization rollup      ORG#<org>                  ROLLUP
//	day totals (debits)      ORG#<org>#T#<tshard>       DAY#<yyyy-mm-dd>
//	cycle totals (debits)    ORG#<org>#T#<tshard>       CYCLE#<yyyy-mm-dd>
//	contact state            ORG#<org>#C#<shard>        <contactId>
//	spilled identities       ORG#<org>#ID#<contactId>   <eventPeriod>#<version>
//	ledger entry             ORG#<org>#LEDGER#<lshard>  <windowStart>#<lane>#<contactId>
//	provider account map     PROVIDER#<provider>#<acct> MAP
//	threshold marks (outbox) ORG#<org>                  ALERTS#<cycleStart>
//	notification webhook     ORG#<org>                  WEBHOOK
//	usage export record      ORG#<org>                  EXPORT#<exportId>
//	Home aggregates (dated)  ORG#<org>#AGG              D#<yyyy-mm-dd>
//	Home aggregates (base)   ORG#<org>#AGG              BASE
//
// Organization profiles carry gsi1pk="ORG", gsi1sk=<org> (a sparse index) so
// scheduled rollups can list organizations without a scan.
package keys

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Shards spreads an organization's contacts over several partition keys, so
// one large organization's write rate is not bound to a single partition.
// Rollups query every shard. 16 shards carry 5,000 windows/s (a contact
// write in a transaction is 2 WCU) at about 625 WCU/s per partition.
const Shards = 16

// TotalShards spreads an organization's day and cycle totals: a batch adds
// to one shard (by its first contact), readers sum them all. 8 shards carry
// 5,000 windows/s in batches of 10 (4 WCU of totals per batch) at about
// 250 WCU/s each; Home reads 2×8 of them in its one BatchGetItem.
const TotalShards = 8

// LedgerShards spreads an organization's ledger by contact: each shard is
// in window-start order, and a page merges the shards' pages (their sort
// keys are one global order). 16 shards carry 5,000 windows/s (2 WCU per
// entry in a transaction) at about 625 WCU/s each.
const LedgerShards = 16

// Key is a primary key.
type Key struct {
	PK string
	SK string
}

// Sort keys of the organization's own items.
const (
	SKProfile  = "PROFILE"
	SKRollup   = "ROLLUP"
	OrgIndexPK = "ORG"
)

// Org is the partition of an organization's own items.
func Org(org string) string { return "ORG#" + org }

// Profile is the organization's profile (plan, time zone, org-level state).
func Profile(org string) Key { return Key{Org(org), SKProfile} }

// Rollup is the organization's precomputed Home metrics.
func Rollup(org string) Key { return Key{Org(org), SKRollup} }

// TotalsPartition is the partition of one shard of an organization's totals.
func TotalsPartition(org string, shard int) string { return fmt.Sprintf("ORG#%s#T#%d", org, shard) }

// DayTotals is one shard of the organization's debit totals for a local
// date "2006-01-02".
func DayTotals(org, date string, shard int) Key {
	return Key{TotalsPartition(org, shard), "DAY#" + date}
}

// DayPrefix is the sort-key prefix of day totals.
const DayPrefix = "DAY#"

// CycleTotals is one shard of the organization's debit totals for the
// billing cycle that starts on the local date cycleStart.
func CycleTotals(org, cycleStart string, shard int) Key {
	return Key{TotalsPartition(org, shard), "CYCLE#" + cycleStart}
}

func hash32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// ContactShard is the shard of a contact.
func ContactShard(contact string) int { return int(hash32(contact) % Shards) }

// TotalShard is the totals shard a write led by contact adds to.
func TotalShard(contact string) int { return int(hash32("T"+contact) % TotalShards) }

// LedgerShard is the ledger shard of a contact's entries.
func LedgerShard(contact string) int { return int(hash32("L"+contact) % LedgerShards) }

// SpillPartition is the partition of a contact's spilled event identities.
func SpillPartition(org, contact string) string { return "ORG#" + org + "#ID#" + contact }

// SpillDayPrefix is the sort-key prefix of the spill items of one event
// period (ingest.EventDay: Unix day / ingest.SpillDays).
func SpillDayPrefix(day int32) string { return fmt.Sprintf("%06d#", day) }

// Spill is a spill item: identities of events of one period that left the
// contact's state in the write after version.
func Spill(org, contact string, day int32, version int64) Key {
	return Key{SpillPartition(org, contact), SpillDayPrefix(day) + fmt.Sprintf("%012d", version)}
}

// ContactPartition is the partition key of one contact shard.
func ContactPartition(org string, shard int) string { return fmt.Sprintf("ORG#%s#C#%d", org, shard) }

// Contact is a contact's state item.
func Contact(org, contact string) Key {
	return Key{ContactPartition(org, ContactShard(contact)), contact}
}

// LedgerPartition is the partition of one shard of an organization's ledger.
func LedgerPartition(org string, shard int) string {
	return fmt.Sprintf("ORG#%s#LEDGER#%d", org, shard)
}

// LedgerTimeFormat orders ledger sort keys chronologically (fixed width, UTC).
const LedgerTimeFormat = "2006-01-02T15:04:05.000Z"

// Ledger is the ledger entry of one debit: the window it opened.
func Ledger(org string, windowStart time.Time, lane, contact string) Key {
	return Key{LedgerPartition(org, LedgerShard(contact)), windowStart.UTC().Format(LedgerTimeFormat) + "#" + lane + "#" + contact}
}

// LedgerBound is a sort-key bound for ledger range queries.
func LedgerBound(t time.Time) string { return t.UTC().Format(LedgerTimeFormat) }

// ProviderAccount maps a channel provider's account (e.g. a WhatsApp
// Business Account id) to an organization.
func ProviderAccount(provider, account string) Key {
	return Key{"PROVIDER#" + strings.ToLower(provider) + "#" + account, "MAP"}
}

// Alerts holds an organization's threshold marks for the billing cycle that
// starts on cycleStart: one attribute per (resource, threshold) crossed, the
// outbox of its notification.
func Alerts(org, cycleStart string) Key { return Key{Org(org), "ALERTS#" + cycleStart} }

// NotificationWebhook is the organization's outgoing webhook subscription.
func NotificationWebhook(org string) Key { return Key{Org(org), "WEBHOOK"} }

// Export is the record of one of the organization's usage exports (its
// status and object key), kept under the organization's partition so that
// only that organization's reads can find it.
func Export(org, id string) Key { return Key{Org(org), "EXPORT#" + id} }

// AggregatePartition is the partition of an organization's incremental
// Home aggregates (issue 13): one item per local date plus a base item,
// written by the aggregate function from the table's stream.
func AggregatePartition(org string) string { return "ORG#" + org + "#AGG" }

// AggregateDayPrefix is the sort-key prefix of the dated aggregates.
const AggregateDayPrefix = "D#"

// AggregateDay is the organization's counters of one local date
// "2006-01-02".
func AggregateDay(org, date string) Key {
	return Key{AggregatePartition(org), AggregateDayPrefix + date}
}

// AggregateBase is the organization's undated counters (contact base,
// first steps).
func AggregateBase(org string) Key { return Key{AggregatePartition(org), "BASE"} }

// ParseContactPartition reads a contact shard's partition key back: the
// organization and the shard, ok false for any other item's key. Ids cannot
// contain '#', so the split is unambiguous.
func ParseContactPartition(pk string) (org string, shard int, ok bool) {
	rest, found := strings.CutPrefix(pk, "ORG#")
	if !found {
		return "", 0, false
	}
	org, num, found := strings.Cut(rest, "#C#")
	if !found || org == "" || strings.Contains(org, "#") || num == "" {
		return "", 0, false
	}
	n := 0
	for _, ch := range num {
		if ch < '0' || ch > '9' {
			return "", 0, false
		}
		n = n*10 + int(ch-'0')
		if n >= Shards {
			return "", 0, false
		}
	}
	return org, n, true
}
