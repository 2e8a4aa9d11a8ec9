// Package fanout spreads the scheduled metrics work over organizations
// through a queue: each scheduled run lists one page of the organization
// index, sends one task per organization and a task that continues the
// listing from the page's cursor, and workers (any number, in parallel)
// take the tasks. No run walks the whole index, so every organization is
// reached within the schedule whatever their number; each organization's
// task does O(1) or O(days) work, never O(contacts), except the
// reconciliation, which each organization gets once a day in its turn
// (Rotation).
//
// It is plain Go: the queue and the index are interfaces (SQS and the
// table in AWS, ElasticMQ and DynamoDB Local on this machine).
package fanout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// Task is one message of the work queue: an organization's work (Org set)
// or the continuation of a run's listing (List set).
type Task struct {
	Org string `json:"org,omitempty"`
	// Reconcile asks for the organization's full recount (its turn in
	// the rotation, or an operator's request).
	Reconcile bool `json:"reconcile,omitempty"`
	// List continues the listing after Cursor ("" is the first page).
	List   bool   `json:"list,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	// Run is the scheduled run's time: the rotation's clock, and how a
	// worker tells a task superseded by a later run.
	Run time.Time `json:"run"`
}

// Validate checks a task read from the queue.
func (t Task) Validate() error {
	switch {
	case t.List && t.Org != "":
		return errors.New("fanout: task is both a listing and an organization's")
	case !t.List && t.Org == "":
		return errors.New("fanout: task names no organization")
	case t.Run.IsZero():
		return errors.New("fanout: task without run time")
	}
	return nil
}

// Encode renders a task as a message body.
func (t Task) Encode() (string, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("fanout: encode task: %w", err)
	}
	return string(b), nil
}

// Decode reads and validates a message body.
func Decode(body string) (Task, error) {
	var t Task
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return t, fmt.Errorf("fanout: decode task: %w", err)
	}
	return t, t.Validate()
}

// Rotation says which scheduled runs reconcile which organizations: with
// a run every Period, a day has Slots() runs, and an organization is
// reconciled in the run whose slot equals its id's hash modulo that: once
// a day each, spread evenly, decided without any state.
type Rotation struct {
	Period time.Duration
}

// Slots is the number of runs per day.
func (r Rotation) Slots() int {
	if r.Period <= 0 || r.Period > 24*time.Hour {
		return 1
	}
	return int((24 * time.Hour) / r.Period)
}

// Slot is the run's slot of its UTC day.
func (r Rotation) Slot(run time.Time) int {
	u := run.UTC()
	since := u.Sub(time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC))
	if r.Period <= 0 {
		return 0
	}
	return int(since/r.Period) % r.Slots()
}

// Due reports whether org is reconciled in run.
func (r Rotation) Due(org string, run time.Time) bool {
	h := fnv.New32a()
	h.Write([]byte(org))
	return int(h.Sum32()%uint32(r.Slots())) == r.Slot(run)
}

// Index pages the organization index.
type Index interface {
	OrgPage(ctx context.Context, cursor string, limit int32) (orgs []string, next string, err error)
}

// Sender sends message bodies to the work queue (batches of ten, retried
// per entry, in the adapter).
type Sender interface {
	Send(ctx context.Context, bodies []string) error
}

// DefaultPageSize is how many organizations one listing task covers: one
// index query (KEYS_ONLY items, well under 1 MB) and 100 SendMessageBatch
// calls, about a second, so 100,000 organizations are listed in 100 chained
// tasks within minutes, inside the five-minute schedule.
const DefaultPageSize = 1000

// Lister lists one page and hands the rest on.
type Lister struct {
	Index    Index
	Sender   Sender
	Rotation Rotation
	PageSize int32
}

// PageResult is what one listing task did.
type PageResult struct {
	Orgs       int
	Reconciles int
	More       bool
}

// Page lists the page after cursor for the run, sends each organization's
// task, then (only once those are sent, so a retried page never starts a
// second chain ahead of it) the continuation.
func (l Lister) Page(ctx context.Context, run time.Time, cursor string) (PageResult, error) {
	var res PageResult
	size := l.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	orgs, next, err := l.Index.OrgPage(ctx, cursor, size)
	if err != nil {
		return res, err
	}
	bodies := make([]string, 0, len(orgs))
	for _, org := range orgs {
		t := Task{Org: org, Run: run, Reconcile: l.Rotation.Due(org, run)}
		if t.Reconcile {
			res.Reconciles++
		}
		b, err := t.Encode()
		if err != nil {
			return res, err
		}
		bodies = append(bodies, b)
	}
	if err := l.Sender.Send(ctx, bodies); err != nil {
		return res, fmt.Errorf("fanout: send %d organization tasks: %w", len(bodies), err)
	}
	res.Orgs = len(orgs)
	if next == "" {
		return res, nil
	}
	b, err := Task{List: true, Cursor: next, Run: run}.Encode()
	if err != nil {
		return res, err
	}
	if err := l.Sender.Send(ctx, []string{b}); err != nil {
		return res, fmt.Errorf("fanout: send the listing's continuation: %w", err)
	}
	res.More = true
	return res, nil
}

// Stale reports whether a task is superseded: its run is older than
// maxAge (a later run has listed the organization again since), so doing
// it would only repeat work behind a backlog.
func Stale(t Task, now time.Time, maxAge time.Duration) bool {
	return maxAge > 0 && now.Sub(t.Run) > maxAge
}

// RatePeriod is the period of an EventBridge rate expression such as
// "rate(5 minutes)": the rotation's clock follows the schedule that is
// deployed, from the one definition in shared/resources.
func RatePeriod(expr string) (time.Duration, error) {
	var n int
	var unit string
	if _, err := fmt.Sscanf(expr, "rate(%d %s", &n, &unit); err != nil || n <= 0 {
		return 0, fmt.Errorf("fanout: %q is not a rate expression", expr)
	}
	switch unit {
	case "minute)", "minutes)":
		return time.Duration(n) * time.Minute, nil
	case "hour)", "hours)":
		return time.Duration(n) * time.Hour, nil
	case "day)", "days)":
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return 0, fmt.Errorf("fanout: %q has no unit fanout knows", expr)
}

// RunOf is a scheduled run's time for the rotation: the event's time
// truncated to the period, so a delayed or retried invocation keeps its
// run's slot.
func RunOf(t time.Time, period time.Duration) time.Time {
	if period <= 0 {
		return t.UTC()
	}
	return t.UTC().Truncate(period)
}
