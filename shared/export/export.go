package export

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/localdate"
)

// Limits of a range, for every consumption read (GET /v1/consumption and
// its exports).
const (
	// MaxDays bounds a range: the retention of the ledger and totals
	// (consumption.BillingDays).
	MaxDays = consumption.BillingDays
	// MaxDirectRows bounds a direct CSV download: API Gateway and Lambda
	// answer at most 6 MB (buffered) and a ledger row is about 132 bytes
	// (docs/PERFORMANCE.md). A larger range is refused with a pointer to
	// the asynchronous export, so a caller never receives a cut file.
	MaxDirectRows = 30000
)

// LastDate is the last date a range may name: the ledger is read up to the
// start of the next day, which must still have a four-digit year, as every
// stored time has (a year-10000 bound sorts before year 9999 and DynamoDB
// refuses the range).
var LastDate = localdate.FromCivil(9999, 12, 30)

// ValidateRange checks a from..to range of local dates, naming the field.
func ValidateRange(from, to localdate.Date) []httpedge.Field {
	var fs []httpedge.Field
	if from > LastDate {
		fs = append(fs, httpedge.Field{Field: "from", Reason: "must be at most " + LastDate.String()})
	}
	if to > LastDate {
		fs = append(fs, httpedge.Field{Field: "to", Reason: "must be at most " + LastDate.String()})
	} else if to < from {
		fs = append(fs, httpedge.Field{Field: "to", Reason: "must not be before from"})
	} else if int(to-from) >= MaxDays {
		fs = append(fs, httpedge.Field{Field: "to", Reason: "the range is at most " + strconv.Itoa(MaxDays) + " days"})
	}
	return fs
}

// Request is an export to make: the range and the view.
type Request struct {
	From, To localdate.Date
	View     string
}

// Validate checks the range and the view.
func (r Request) Validate() []httpedge.Field {
	fs := ValidateRange(r.From, r.To)
	if r.View != ViewLedger && r.View != ViewDaily {
		fs = append(fs, httpedge.Field{Field: "view", Reason: "must be ledger or daily"})
	}
	return fs
}

// Statuses of an export.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Retention is how long an export's record and object live: the record's
// TTL and the bucket's lifecycle rule (in days, its unit).
const (
	Retention     = 2 * 24 * time.Hour
	RetentionDays = 2
	// LinkTTL is the life of a presigned download link: long enough to
	// start a 132 MB download, short enough that a leaked link soon dies.
	LinkTTL = 15 * time.Minute
	// Prefix is where export objects live in the bucket (the worker's
	// IAM resource).
	Prefix = "exports/"
)

// NewID returns a fresh export id (128 random bits).
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("export id: %w", err)
	}
	return idPrefix + hex.EncodeToString(b[:]), nil
}

// idPrefix and idHexLen are NewID's shape: the prefix and 32 hex digits.
const (
	idPrefix = "exp_"
	idHexLen = 32
)

// ValidID reports whether id is one NewID could have made: "exp_" and 32
// lowercase hex digits (`^exp_[0-9a-f]{32}$`, checked byte by byte: the
// regular expression's bounded repetition was compiled at package init, in
// every function that links this package; TestValidIDIsTheExpression holds
// the two to each other).
func ValidID(id string) bool {
	h, ok := strings.CutPrefix(id, idPrefix)
	if !ok || len(h) != idHexLen {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ObjectKey is the S3 key of an export's CSV: under Prefix, by
// organization, so the organization is part of every object's name.
func ObjectKey(org, id string) string {
	return Prefix + hex.EncodeToString([]byte(org)) + "/" + id + ".csv"
}

// Job is the queue message that asks the worker for an export.
type Job struct {
	Org string `json:"org"`
	ID  string `json:"id"`
}

// ErrBadJob is a queue message that is not a job.
var ErrBadJob = errors.New("not an export job")

// EncodeJob is a job's message body.
func EncodeJob(j Job) string {
	b, _ := json.Marshal(j)
	return string(b)
}

// DecodeJob reads a job's message body: exactly {"org","id"}, both set,
// the id one NewID makes.
func DecodeJob(body []byte) (Job, error) {
	var j Job
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Job{}, fmt.Errorf("%w: %w", ErrBadJob, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Job{}, fmt.Errorf("%w: trailing data", ErrBadJob)
	}
	if j.Org == "" || len(j.Org) > 128 || !ValidID(j.ID) {
		return Job{}, fmt.Errorf("%w: org or id missing or malformed", ErrBadJob)
	}
	return j, nil
}
