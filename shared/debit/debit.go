// Package debit is the SQS consumer that meters Interactionz and keeps the
// ingest state: it applies a batch of events to the contacts' states and
// writes each contact once per batch, conditionally, with its debits.
//
// Delivery is at least once, so the design is: read every state of the batch
// in one BatchGetItem, apply the events in memory (an event already in a
// state's remembered identities is a no-op), then one conditional write per
// message group. A crash between two writes leaves each group either fully
// written or not at all; the redelivered batch re-applies the rest and the
// identities make the written part a no-op.
package debit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/event"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/interactionz"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
)

// Store is what the processor needs from storage.
type Store interface {
	LoadBatch(ctx context.Context, orgs []string, contacts []store.ContactRef) (store.Batch, error)
	SaveContact(ctx context.Context, c store.Contact, next ingest.ContactState, debits []ingest.Debit, cycleOf store.CycleOf) error
	SaveDebits(ctx context.Context, ws []store.ContactWrite) error
	SaveOrgState(ctx context.Context, org string, prev int64, state ingest.OrgState) error
	EnsureOrg(ctx context.Context, org string) error
}

// DeadLetter sets a poison message aside with its reason.
type DeadLetter interface {
	DeadLetter(ctx context.Context, msg events.SQSMessage, reason string) error
}

// Processor handles SQS batches.
type Processor struct {
	store     Store
	dlq       DeadLetter
	sentiment sentiment.Classifier
	log       *slog.Logger
	now       func() time.Time
	// Parallel bounds how many message groups are written at once.
	Parallel int
	// afterCommit, if set, is told which organizations' cycles each batch
	// may have changed, once the batch's writes are done.
	afterCommit AfterCommit
}

// Touch is an organization's billing cycle that a batch's events may have
// changed: a billable event's cycle, or the current cycle for a seat change.
type Touch struct {
	Org        string
	CycleStart localdate.Date
}

// AfterCommit runs after a batch is written, with the cycles it touched
// (redelivered events included: what they debited may be committed while
// what followed the debit was not). It must not fail the batch: threshold
// notifications never block metering.
type AfterCommit func(ctx context.Context, touched []Touch)

// WithAfterCommit sets the post-commit hook.
func (p *Processor) WithAfterCommit(h AfterCommit) *Processor { p.afterCommit = h; return p }

// New builds a processor.
func New(st Store, dlq DeadLetter, cls sentiment.Classifier, log *slog.Logger) *Processor {
	return &Processor{store: st, dlq: dlq, sentiment: cls, log: log, now: time.Now, Parallel: 4}
}

// WithClock sets the processing clock (tests).
func (p *Processor) WithClock(now func() time.Time) *Processor { p.now = now; return p }

// maxConflictRetries bounds re-read-and-reapply rounds for one group.
const maxConflictRetries = 4

type item struct {
	msg events.SQSMessage
	ev  event.Event
	// label is the sentiment of the event's text, "" if none.
	label string
	// poison is why the message cannot be applied ("" for a valid event).
	poison error
}

// group is one message group's messages of the batch, in order.
type group struct {
	id    string
	org   string
	ref   store.ContactRef
	isOrg bool
	items []item
}

// Handle processes one batch and reports, per the FIFO rule, the failed
// messages: once a message of a group fails, it and every later message of
// that group in the batch are reported failed without being processed.
// Poison messages go to the dead-letter queue in their place in the group's
// order, so nothing after a failure is ever set aside either.
func (p *Processor) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	now := p.now()
	var resp events.SQSEventResponse
	groups := map[string]*group{}
	var order []*group
	for _, m := range batch.Records {
		gid := m.Attributes["MessageGroupId"]
		ev, err := event.Decode([]byte(m.Body), now)
		if err == nil && gid != "" && gid != ev.MessageGroupID() {
			err = &event.ValidationError{Fields: []event.FieldError{{Field: "MessageGroupId", Reason: "does not match the event's organization and contact"}}}
		}
		if gid == "" && err == nil {
			gid = ev.MessageGroupID()
		}
		g := groups[gid]
		if g == nil {
			g = &group{id: gid}
			groups[gid] = g
			order = append(order, g)
		}
		if err != nil {
			g.items = append(g.items, item{msg: m, poison: err})
			continue
		}
		if g.org == "" {
			g.org, g.isOrg, g.ref = ev.OrgID, ev.OrgScoped(), store.ContactRef{Org: ev.OrgID, Contact: ev.Data.ContactID}
		}
		g.items = append(g.items, item{msg: m, ev: ev})
	}
	p.classifyAll(ctx, order)
	failed, b := p.applyGroups(ctx, order, now)
	if p.afterCommit != nil {
		if ts := touched(order, b, failed, now); len(ts) > 0 {
			p.afterCommit(ctx, ts)
		}
	}
	for _, m := range batch.Records {
		if failed[m.MessageId] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// classifyAll labels the batch's customer texts in parallel: with Amazon
// Comprehend each is a network call.
func (p *Processor) classifyAll(ctx context.Context, order []*group) {
	sem := make(chan struct{}, max(1, p.Parallel))
	var wg sync.WaitGroup
	for _, g := range order {
		for i := range g.items {
			it := &g.items[i]
			if it.poison != nil || it.ev.Type != event.MessageReceived || it.ev.Data.Text == "" {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				it.label = p.classify(ctx, it.ev, it.msg.MessageId)
			}()
		}
	}
	wg.Wait()
}

func (p *Processor) classify(ctx context.Context, ev event.Event, msgID string) string {
	if ev.Type != event.MessageReceived || ev.Data.Text == "" || p.sentiment == nil {
		return ""
	}
	l, err := p.sentiment.Classify(ctx, ev.Data.Text)
	if err != nil {
		// A classifier outage must not block billing: the window stays
		// unclassified.
		p.log.WarnContext(ctx, "sentiment unavailable", "messageId", msgID, "error", err.Error())
		return ""
	}
	return string(l)
}

func (p *Processor) poison(ctx context.Context, m events.SQSMessage, cause error) error {
	reason := cause.Error()
	var ve *event.ValidationError
	fields := []string{}
	if errors.As(cause, &ve) {
		for _, f := range ve.Fields {
			fields = append(fields, f.Field)
		}
	}
	p.log.WarnContext(ctx, "poison message set aside", "messageId", m.MessageId,
		"group", logID(m.Attributes["MessageGroupId"]), "fields", fields, "malformed", errors.Is(cause, event.ErrMalformed))
	if err := p.dlq.DeadLetter(ctx, m, reason); err != nil {
		p.log.ErrorContext(ctx, "dead-letter send failed", "messageId", m.MessageId, "error", err.Error())
		return err
	}
	return nil
}

// applyGroups reads every state the batch needs at once, then runs the
// groups in parallel; it returns the ids of the messages that failed.
func (p *Processor) applyGroups(ctx context.Context, order []*group, now time.Time) (map[string]bool, store.Batch) {
	var orgs []string
	seenOrg := map[string]bool{}
	var contacts []store.ContactRef
	for _, g := range order {
		if g.org == "" {
			continue // only poison messages
		}
		if !seenOrg[g.org] {
			seenOrg[g.org] = true
			orgs = append(orgs, g.org)
		}
		if !g.isOrg {
			contacts = append(contacts, g.ref)
		}
	}
	failed := map[string]bool{}
	var b store.Batch
	if len(orgs) > 0 {
		var err error
		b, err = p.store.LoadBatch(ctx, orgs, contacts)
		if err != nil {
			p.log.ErrorContext(ctx, "load batch failed", "error", err.Error())
			for _, g := range order {
				for _, it := range g.items {
					failed[it.msg.MessageId] = true
				}
			}
			return failed, b
		}
		for _, o := range orgs {
			if !b.Profiles[o].Exists {
				if err := p.store.EnsureOrg(ctx, o); err != nil {
					p.log.ErrorContext(ctx, "ensure org failed", "org", o, "error", err.Error())
				}
			}
		}
	}
	done := p.combinedDebits(ctx, order, b, now)
	var mu sync.Mutex
	sem := make(chan struct{}, max(1, p.Parallel))
	var wg sync.WaitGroup
	for _, g := range order {
		if done[g] {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(g *group) {
			defer wg.Done()
			defer func() { <-sem }()
			from, err := p.applyGroup(ctx, g, b, now)
			if err == nil {
				return
			}
			p.log.ErrorContext(ctx, "group failed, will be retried", "org", g.org, "group", logID(g.id),
				"messages", len(g.items)-from, "error", err.Error())
			mu.Lock()
			defer mu.Unlock()
			for _, it := range g.items[from:] {
				failed[it.msg.MessageId] = true
			}
		}(g)
	}
	wg.Wait()
	return failed, b
}

// touched lists, once each, the cycles of the batch's applied billable
// events and, for seat changes, the current cycle.
func touched(order []*group, b store.Batch, failed map[string]bool, now time.Time) []Touch {
	var out []Touch
	seen := map[Touch]bool{}
	add := func(t Touch) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, g := range order {
		if g.org == "" {
			continue
		}
		prof, ok := b.Profiles[g.org]
		if !ok {
			continue
		}
		loc := prof.Plan.Location()
		for _, it := range g.items {
			if it.poison != nil || failed[it.msg.MessageId] {
				continue
			}
			switch {
			case it.ev.Type == event.UserAdded || it.ev.Type == event.UserRemoved:
				add(Touch{Org: g.org, CycleStart: prof.Plan.Cycle(localdate.Of(now, loc)).From})
			default:
				if _, billable := interactionz.Classify(it.ev); billable {
					add(Touch{Org: g.org, CycleStart: prof.Plan.Cycle(localdate.Of(it.ev.Time, loc)).From})
				}
			}
		}
	}
	return out
}

// applyGroup applies a group's runs of valid events, one conditional write
// per run, and sets poison messages aside between them, in order. It
// returns the index of the first message that failed.
func (p *Processor) applyGroup(ctx context.Context, g *group, b store.Batch, now time.Time) (int, error) {
	var prof store.Profile
	var c store.Contact
	if g.org != "" {
		prof, c = b.Profiles[g.org], b.Contacts[g.ref]
	}
	for i := 0; i < len(g.items); {
		if g.items[i].poison != nil {
			if err := p.poison(ctx, g.items[i].msg, g.items[i].poison); err != nil {
				return i, err
			}
			i++
			continue
		}
		j := i
		for j < len(g.items) && g.items[j].poison == nil {
			j++
		}
		var err error
		prof, c, err = p.applyRun(ctx, g, g.items[i:j], prof, c, now)
		if err != nil {
			return i, err
		}
		i = j
	}
	return len(g.items), nil
}

// applyRun applies consecutive valid events with one write, re-reading and
// re-applying when the state changed since it was read (a redelivery racing
// a slow attempt: remembered identities make what is already in it a no-op).
func (p *Processor) applyRun(ctx context.Context, g *group, run []item, prof store.Profile, c store.Contact, now time.Time) (store.Profile, store.Contact, error) {
	for attempt := 0; ; attempt++ {
		var err error
		if g.isOrg {
			prof, err = p.applyOrg(ctx, g, run, prof, now)
		} else {
			c, err = p.applyContact(ctx, g, run, c, prof, now)
		}
		if !errors.Is(err, store.ErrConflict) || attempt >= maxConflictRetries {
			return prof, c, err
		}
		nb, lerr := p.store.LoadBatch(ctx, []string{g.org}, refs(g))
		if lerr != nil {
			return prof, c, fmt.Errorf("reload after conflict: %w", lerr)
		}
		prof = nb.Profiles[g.org]
		if !g.isOrg {
			c = nb.Contacts[g.ref]
		}
	}
}

func refs(g *group) []store.ContactRef {
	if g.isOrg {
		return nil
	}
	return []store.ContactRef{g.ref}
}

// combinedDebits writes, in one transaction, every group of the batch that
// opens windows: the organizations' day and cycle totals are then written
// once per batch instead of once per group, which is most of a debit's
// cost. It returns the groups it wrote. If the transaction fails (a state
// changed since read, throttling), nothing was written and those groups go
// the group-by-group way, which re-reads on conflict.
func (p *Processor) combinedDebits(ctx context.Context, order []*group, b store.Batch, now time.Time) map[*group]bool {
	var gs []*group
	var ws []store.ContactWrite
	for _, g := range order {
		if g.org == "" || g.isOrg || hasPoison(g) {
			continue
		}
		prof := b.Profiles[g.org]
		c := b.Contacts[g.ref]
		next, debits, _, changed := compute(g.items, c, prof, now)
		if !changed || len(debits) == 0 {
			continue
		}
		gs = append(gs, g)
		ws = append(ws, store.ContactWrite{Contact: c, Next: next, Debits: debits, CycleOf: cycleOf(prof)})
	}
	done := map[*group]bool{}
	if len(ws) < 2 {
		return done // one group alone is the same transaction either way
	}
	if err := p.store.SaveDebits(ctx, ws); err != nil {
		p.log.InfoContext(ctx, "combined debit write failed; writing group by group", "groups", len(gs), "error", err.Error())
		return done
	}
	for i, g := range gs {
		done[g] = true
		p.logDebits(ctx, g, ws[i].Debits)
	}
	return done
}

func hasPoison(g *group) bool {
	for _, it := range g.items {
		if it.poison != nil {
			return true
		}
	}
	return false
}

func cycleOf(prof store.Profile) store.CycleOf {
	return func(d localdate.Date) localdate.Date { return prof.Plan.Cycle(d).From }
}

// compute applies a run of events to a copy of the contact's state.
func compute(run []item, c store.Contact, prof store.Profile, now time.Time) (next ingest.ContactState, debits []ingest.Debit, dups []item, changed bool) {
	loc := prof.Plan.Location()
	next = c.State.Clone()
	for _, it := range run {
		res := next.Apply(it.ev, ingest.Context{Loc: loc, Now: now, Sentiment: it.label})
		if res.Duplicate {
			dups = append(dups, it)
			continue
		}
		changed = true
		if res.Debit != nil {
			debits = append(debits, *res.Debit)
		}
	}
	return next, debits, dups, changed
}

func (p *Processor) logDebits(ctx context.Context, g *group, debits []ingest.Debit) {
	for _, d := range debits {
		p.log.InfoContext(ctx, "interactionz debited", "org", g.org, "group", logID(g.id), "lane", d.Lane,
			"channel", d.Channel, "windowStart", d.Window.Start, "eventId", d.EventID)
	}
}

func (p *Processor) applyContact(ctx context.Context, g *group, run []item, c store.Contact, prof store.Profile, now time.Time) (store.Contact, error) {
	next, debits, dups, changed := compute(run, c, prof, now)
	for _, it := range dups {
		p.log.InfoContext(ctx, "duplicate event ignored", "messageId", it.msg.MessageId, "eventId", it.ev.ID, "source", it.ev.Source)
	}
	if !changed {
		return c, nil
	}
	if err := p.store.SaveContact(ctx, c, next, debits, cycleOf(prof)); err != nil {
		return c, err
	}
	p.logDebits(ctx, g, debits)
	return store.Contact{ContactRef: c.ContactRef, State: next, Version: c.Version + 1}, nil
}

func (p *Processor) applyOrg(ctx context.Context, g *group, run []item, prof store.Profile, now time.Time) (store.Profile, error) {
	next := prof.State.Clone()
	changed := false
	for _, it := range run {
		if !next.Apply(it.ev, ingest.Context{Loc: prof.Plan.Location(), Now: now}).Duplicate {
			changed = true
		}
	}
	if !changed {
		return prof, nil
	}
	if err := p.store.SaveOrgState(ctx, g.org, prof.Version, next); err != nil {
		return prof, err
	}
	prof.State, prof.Version, prof.Exists = next, prof.Version+1, true
	return prof, nil
}

// logID stands for a message group in logs: group ids hold contact ids,
// which for channel contacts are phone numbers (wa:5511…), personal data
// that must not reach a log. The hash still ties a group's lines together.
func logID(group string) string {
	if group == "" {
		return ""
	}
	h := sha256.Sum256([]byte(group))
	return hex.EncodeToString(h[:6])
}
