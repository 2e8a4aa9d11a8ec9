// Package records holds the types of what the table keeps about an
// organization, as the domain reads them: its profile, the Home's figures,
// its usage exports, its notification webhook and its threshold alerts,
// what a debit batch reads, and the errors of a lost conditional write and
// of a state too large to store. It sits below both
// storage and the packages that serve or act on these records (the layout
// of golang/pkgsite's internal package): shared/store maps its items to
// these types and implements the interfaces that home, export and alerts
// declare in them, so no package that serves HTTP imports the storage
// package for a type (held by shared/store's TestServersDoNotLinkStore).
// It has no logic and imports no AWS SDK.
package records

import (
	"errors"
	"time"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/plan"
)

// ErrConflict means a conditional write found the state changed since it was
// read (another delivery of the same group, or another checker, got there
// first): re-read and re-apply.
var ErrConflict = errors.New("state changed since read")

// ErrStateTooLarge means a contact's new state would pass the size the
// store keeps a state under (store.MaxStateBytes): the write was not
// attempted. The debit sets aside the event that made it grow.
var ErrStateTooLarge = errors.New("contact state would exceed the item size limit")

// Batch is what the debit needs to plan a batch of events: the profiles of
// its organizations and the states of its contacts, as read together.
type Batch struct {
	Profiles map[string]Profile
	Contacts map[ingest.ContactRef]ingest.Contact
}

// Profile is an organization's profile: its plan and its state.
type Profile struct {
	Org string
	// Plan is the organization's plan; HasPlan is false when none was set
	// (Plan is then plan.Default()).
	Plan    plan.Plan
	HasPlan bool
	State   ingest.OrgState
	// Version is the state's version, for a conditional write.
	Version int64
	Exists  bool
}

// HomeFigures are what the Home reads for one local day and billing cycle
// after the profile has said which ones: the last metrics snapshot and the
// day's and the cycle's Interactionz.
type HomeFigures struct {
	Rollup metrics.Rollup
	Today  consumption.Totals
	Cycle  consumption.Totals
}

// Export is one usage export: what was asked, where it goes and how far it
// got. It expires (TTL) with its object.
type Export struct {
	ID, From, To, View string
	Status             string
	// ObjectKey is the S3 key of the CSV.
	ObjectKey string
	// Reason says why a failed export failed (no personal data).
	Reason             string
	Rows, Bytes, Parts int64
	CreatedAt, Updated time.Time
	ExpiresAt          time.Time
	Exists             bool
}

// ErrExportExists means an export id was already taken.
var ErrExportExists = errors.New("export id already exists")

// StreamStats are what a ledger stream read: rows handed out, Query
// requests made and the read units DynamoDB reported for them.
type StreamStats struct {
	Rows      int64
	Requests  int
	ReadUnits float64
}

// WebhookSubscription is an organization's outgoing notification webhook:
// where to POST and the Standard Webhooks signing secret ("whsec_…").
type WebhookSubscription struct {
	URL       string
	Secret    string
	UpdatedAt time.Time
	Exists    bool
}

// AlertState is what a threshold check needs about one organization and
// cycle, read in one strongly consistent read after a batch commits: the
// profile (plan, thresholds, seats in use), the cycle's totals and the
// marks of the thresholds already crossed.
type AlertState struct {
	Profile Profile
	Cycle   consumption.Totals
	// Marks maps a mark name to its stored value (see store.PutAlertMark).
	Marks map[string]string
}
