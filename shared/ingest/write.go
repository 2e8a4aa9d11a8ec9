package ingest

import "github.com/customercloud/home/shared/localdate"

// ContactRef names a contact of an organization.
type ContactRef struct {
	Org     string
	Contact string
}

// Contact is a contact's stored state and the version it was read at (0
// for a contact never written).
type Contact struct {
	ContactRef
	State   ContactState
	Version int64
}

// ContactWrite is one contact's new state and the debits it opened: what
// the debit plans once and the store commits, all or nothing, if the
// contact is still at the version it was read at.
type ContactWrite struct {
	Contact Contact
	Next    ContactState
	Debits  []Debit
	// Cycles[i] is the start of the billing cycle Debits[i] counts in (the
	// plan's rule, plan.Plan.Cycle, applied by the debit); without them no
	// cycle totals are written.
	Cycles []localdate.Date
}
