// Package consumption owns the billing records as the product shows them:
// a day's Interactionz totals and a ledger entry explaining one debit, in
// the JSON of GET /v1/consumption (and the columns of its CSV export), and
// how long they are kept. It sits below both storage and the HTTP API:
// store maps its items to these types, home and export serve them, so the
// public wire format is defined here, not in the storage package.
package consumption

import (
	"errors"
	"time"
)

// BillingDays is how many days billing records stay: ledger entries, day
// totals and threshold alerts are kept 13 months so every charge of the
// past year can be explained. It is also the longest consumption range
// (export.MaxDays), so a query of the longest range ending today finds all
// of them.
const BillingDays = 400

// BillingRetention is BillingDays as a duration: the TTL of every billing
// record.
const BillingRetention = BillingDays * 24 * time.Hour

// Totals are Interactionz debited in a day or a billing cycle.
type Totals struct {
	Total    int64            `json:"total"`
	Lanes    map[string]int64 `json:"lanes"`
	Channels map[string]int64 `json:"channels"`
	// ExpertAgents are the expert_agent lane's Interactionz per agent that
	// named itself (expertAgentId).
	ExpertAgents map[string]int64 `json:"expertAgents,omitempty"`
}

// DayTotal is one local day's totals.
type DayTotal struct {
	Date string `json:"date"`
	Totals
}

// LedgerEntry is one debit, explained.
type LedgerEntry struct {
	ContactID   string `json:"contactId"`
	Lane        string `json:"lane"`
	Channel     string `json:"channel"`
	WindowStart string `json:"windowStart"`
	WindowEnd   string `json:"windowEnd"`
	Date        string `json:"date"`
	EventID     string `json:"eventId"`
	EventSource string `json:"eventSource"`
	EventType   string `json:"eventType"`
	// ExpertAgentID is set on expert_agent debits whose event named the agent.
	ExpertAgentID string `json:"expertAgentId,omitempty"`
}

// ErrBadCursor means a ledger pagination cursor was not one this API
// issued for the range asked (a 400 naming the cursor, not a failure).
var ErrBadCursor = errors.New("invalid cursor")
