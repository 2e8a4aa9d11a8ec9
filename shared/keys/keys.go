// Package keys owns the single-table key layout: every item's partition and
// sort key is built here and nowhere else, so the layout can be read (and
// changed) in one place.
//
//	item                     pk                         sk
//	organization profile     ORG#<org>                  PROFILE
//	organization rollup      ORG#<org>                  ROLLUP
//	day totals (debits)      ORG#<org>                  DAY#<yyyy-mm-dd>
//	cycle totals (debits)    ORG#<org>                  CYCLE#<yyyy-mm-dd>
//	contact state            ORG#<org>#C#<shard>        <contactId>
//	ledger entry             ORG#<org>#LEDGER           <windowStart>#<lane>#<contactId>
//	provider account map     PROVIDER#<provider>#<acct> MAP
//	threshold marks (outbox) ORG#<org>                  ALERTS#<cycleStart>
//	notification webhook     ORG#<org>                  WEBHOOK
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
// Rollups query every shard.
const Shards = 8

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

// DayTotals is the organization's debit totals for a local date "2006-01-02".
func DayTotals(org, date string) Key { return Key{Org(org), "DAY#" + date} }

// DayPrefix is the sort-key prefix of day totals.
const DayPrefix = "DAY#"

// CycleTotals is the organization's debit totals for the billing cycle that
// starts on the local date cycleStart.
func CycleTotals(org, cycleStart string) Key { return Key{Org(org), "CYCLE#" + cycleStart} }

// ContactShard is the shard of a contact.
func ContactShard(contact string) int {
	h := fnv.New32a()
	h.Write([]byte(contact))
	return int(h.Sum32() % Shards)
}

// ContactPartition is the partition key of one contact shard.
func ContactPartition(org string, shard int) string { return fmt.Sprintf("ORG#%s#C#%d", org, shard) }

// Contact is a contact's state item.
func Contact(org, contact string) Key {
	return Key{ContactPartition(org, ContactShard(contact)), contact}
}

// LedgerPartition is the partition of an organization's ledger.
func LedgerPartition(org string) string { return "ORG#" + org + "#LEDGER" }

// LedgerTimeFormat orders ledger sort keys chronologically (fixed width, UTC).
const LedgerTimeFormat = "2006-01-02T15:04:05.000Z"

// Ledger is the ledger entry of one debit: the window it opened.
func Ledger(org string, windowStart time.Time, lane, contact string) Key {
	return Key{LedgerPartition(org), windowStart.UTC().Format(LedgerTimeFormat) + "#" + lane + "#" + contact}
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
