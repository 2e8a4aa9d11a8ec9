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
//
// One write path: each run of a contact's events is computed once into a
// plan (contactWrite) from the state read. The batch's plans that open
// windows are committed together in one transaction; if it fails, every
// group goes on its own, committing the same plans; a plan is recomputed
// only after its contact changed since it was read (records.ErrConflict).
package debit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/geo"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/interactionz"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/records"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/sentiment"
)

// Store is what the processor needs from storage.
type Store interface {
	LoadBatch(ctx context.Context, orgs []string, contacts []ingest.ContactRef) (records.Batch, error)
	// SaveContacts writes contacts' planned states and debits, all or
	// nothing; records.ErrConflict when one changed since it was read.
	SaveContacts(ctx context.Context, ws []ingest.ContactWrite) error
	SaveOrgState(ctx context.Context, org string, prev int64, state ingest.OrgState) error
	EnsureOrg(ctx context.Context, org string) error
	// SpilledIDs reads spilled identities of a contact's event days (the
	// late-event path).
	SpilledIDs(ctx context.Context, ref ingest.ContactRef, days []int32) (ingest.IDSet, error)
	// StateSize is a state's stored size and whether it fits the limit.
	StateSize(state ingest.ContactState) (int, bool)
}

// DeadLetter sets a poison message aside with its reason.
type DeadLetter interface {
	DeadLetter(ctx context.Context, msg events.SQSMessage, reason string) error
}

// Hold is one failed message to keep invisible for For: on SQS, a
// ChangeMessageVisibility on its receipt handle.
type Hold struct {
	Msg events.SQSMessage
	For time.Duration
}

// Visibility holds failed messages back. While a message of a FIFO group is
// invisible, SQS delivers nothing else of that group: holding the failed
// messages is what keeps their group blocked, in order, until they succeed.
type Visibility interface {
	Hold(ctx context.Context, holds []Hold) error
}

// Retry is the schedule of transient failures. A message that failed on its
// n-th receive (SQS's ApproximateReceiveCount) is held for Delay(n): Base,
// doubled per receive up to Cap. At receive MaxReceives (the queue's
// maxReceiveCount) the handler gives up on it and dead-letters it with its
// last error as the reason, so the queue's own redrive, which carries no
// reason, only ever moves messages whose handler never answered.
type Retry struct {
	Base        time.Duration
	Cap         time.Duration
	MaxReceives int
}

// DefaultRetry is the schedule the debit function runs with; MaxReceives is
// the events queue's maxReceiveCount (docs/DESIGN.md, "Outages").
var DefaultRetry = Retry{Base: 30 * time.Second, Cap: 15 * time.Minute, MaxReceives: resources.EventsQueue.MaxReceiveCount}

// Delay is how long a message that failed on its receives-th receive is held.
func (r Retry) Delay(receives int) time.Duration {
	d := r.Base
	for i := 1; i < receives && d < r.Cap; i++ {
		d *= 2
	}
	return min(d, r.Cap)
}

// Validate checks the schedule is usable on SQS: a visibility timeout is at
// most 12 hours.
func (r Retry) Validate() error {
	switch {
	case r.Base <= 0 || r.Cap < r.Base:
		return fmt.Errorf("retry: want 0 < Base <= Cap, got %v and %v", r.Base, r.Cap)
	case r.Cap > 12*time.Hour:
		return fmt.Errorf("retry: Cap %v is over SQS's 12-hour visibility timeout", r.Cap)
	case r.MaxReceives < 0:
		return fmt.Errorf("retry: MaxReceives %d is negative", r.MaxReceives)
	}
	return nil
}

// Processor handles SQS batches.
type Processor struct {
	store     Store
	dlq       DeadLetter
	sentiment sentiment.Classifier
	log       *slog.Logger
	now       func() time.Time
	vis       Visibility
	retry     Retry
	// parallel bounds how many message groups are written at once.
	parallel int
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

// DefaultParallel is how many message groups a processor writes at once
// unless told otherwise.
const DefaultParallel = 4

// Config is what a Processor is built from; New validates it.
type Config struct {
	Store      Store
	DeadLetter DeadLetter
	Classifier sentiment.Classifier
	Log        *slog.Logger
	// Now is the processing clock; nil is time.Now (tests set it).
	Now func() time.Time
	// Parallel bounds how many message groups are written at once; 0 is
	// DefaultParallel.
	Parallel int
	// Visibility, when set, holds failed messages back on Retry's
	// schedule; without it they come back after the queue's visibility
	// timeout.
	Visibility Visibility
	Retry      Retry
	// AfterCommit, if set, is told which organizations' cycles each batch
	// may have changed, once the batch's writes are done.
	AfterCommit AfterCommit
}

// Validate says what is missing or unusable.
func (c Config) Validate() error {
	rules := []config.Rule{config.Required("Store", c.Store != nil), config.Required("DeadLetter", c.DeadLetter != nil),
		config.Required("Classifier", c.Classifier != nil), config.Required("Log", c.Log != nil), config.NotNegative("Parallel", c.Parallel)}
	if c.Visibility != nil {
		rules = append(rules, config.Valid("Retry", c.Retry.Validate()))
	}
	return config.Check("debit", rules...)
}

// New builds a processor.
func New(cfg Config) (*Processor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Processor{store: cfg.Store, dlq: cfg.DeadLetter, sentiment: cfg.Classifier, log: cfg.Log, now: config.Clock(cfg.Now),
		parallel: cmp.Or(cfg.Parallel, DefaultParallel), vis: cfg.Visibility, retry: cfg.Retry, afterCommit: cfg.AfterCommit}, nil
}

// maxConflictRetries bounds re-read-and-reapply rounds for one group.
const maxConflictRetries = 4

type item struct {
	msg events.SQSMessage
	ev  contract.Event
	// label is the sentiment of the event's text, "" if none.
	label sentiment.Label
	// poison is why the message cannot be applied ("" for a valid event).
	poison error
	// target is what a valid event is about, decided from the event itself
	// (its type), never from the group it came in.
	target target
}

// target is the state an event applies to: its organization's own state
// (isOrg) or one contact's.
type target struct {
	isOrg bool
	ref   ingest.ContactRef
}

func targetOf(ev contract.Event) target {
	if ev.OrgScoped() {
		return target{isOrg: true, ref: ingest.ContactRef{Org: ev.OrgID}}
	}
	return target{ref: ingest.ContactRef{Org: ev.OrgID, Contact: ev.Data.ContactID}}
}

// group is one message group's messages of the batch, in order. A group
// normally holds events of one target, but nothing relies on it: runs are
// cut wherever the target changes.
type group struct {
	id    string
	org   string
	items []item
}

// groupMatches reports whether the message group a message came in is the
// one its event belongs to: a producer that groups otherwise would break
// the per-contact order the meter relies on. Organization events queued
// under the group they had before groups were made disjoint are accepted.
func groupMatches(gid string, ev contract.Event) bool {
	return gid == ev.MessageGroupID() || (ev.OrgScoped() && gid == ev.OrgID+contract.LegacyOrgGroupSuffix)
}

// Handle processes one batch and reports, per the FIFO rule, the failed
// messages: once a message of a group fails, it and every later message of
// that group in the batch are reported failed without being processed.
// Poison messages go to the dead-letter queue in their place in the group's
// order, so nothing after a failure is ever set aside either. Failed
// messages are transient failures (storage, the dead-letter queue itself):
// they are held back with a growing backoff (see Retry), which keeps their
// group blocked, so a valid event never leaves its group's order.
func (p *Processor) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	now := p.now()
	var resp events.SQSEventResponse
	groups := map[string]*group{}
	var order []*group
	for _, m := range batch.Records {
		gid := m.Attributes["MessageGroupId"]
		ev, err := contract.Decode([]byte(m.Body), now)
		if err == nil && gid != "" && !groupMatches(gid, ev) {
			err = &contract.ValidationError{Fields: []contract.FieldError{{Field: "MessageGroupId", Reason: "does not match the event's organization and contact"}}}
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
			g.org = ev.OrgID
		}
		g.items = append(g.items, item{msg: m, ev: ev, target: targetOf(ev)})
	}
	p.classifyAll(ctx, order)
	failed, b := p.applyGroups(ctx, order, now)
	var ts []Touch
	if p.afterCommit != nil {
		// Before holdBack, which drops the messages it dead-letters from
		// the failures: those were not applied either.
		ts = touched(order, b, failed, now)
	}
	failed = p.holdBack(ctx, batch, failed)
	if len(ts) > 0 {
		p.afterCommit(ctx, ts)
	}
	for _, m := range batch.Records {
		if _, ok := failed[m.MessageId]; ok {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// receives is how many times m was received, this time included.
func receives(m events.SQSMessage) int {
	n, err := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// holdBack decides what becomes of the messages that failed (all transient:
// poison never fails, it is dead-lettered in place). Per group, in order, a
// failed message at its last receive is dead-lettered with its error as the
// reason, and leaves the failures; the others are held for the schedule's
// delay of the group's first failed message, so the group stays blocked and
// retries less often the longer the failure lasts. It returns the failures
// to report.
func (p *Processor) holdBack(ctx context.Context, batch events.SQSEvent, failed map[string]error) map[string]error {
	if len(failed) == 0 || p.vis == nil {
		return failed
	}
	var holds []Hold
	delay := map[string]time.Duration{}
	for _, m := range batch.Records {
		err, ok := failed[m.MessageId]
		if !ok {
			continue
		}
		gid := m.Attributes["MessageGroupId"]
		n := receives(m)
		if _, held := delay[gid]; !held && p.retry.MaxReceives > 0 && n >= p.retry.MaxReceives {
			reason := fmt.Sprintf("transient failure on all %d receives, the last: %v", n, err)
			p.log.ErrorContext(ctx, "giving up on a message after its last receive", "messageId", m.MessageId,
				"group", logID(gid), "receives", n, "error", err.Error())
			if derr := p.dlq.DeadLetter(ctx, m, reason); derr == nil {
				delete(failed, m.MessageId)
				continue
			}
		}
		d, ok := delay[gid]
		if !ok {
			d = p.retry.Delay(n)
			delay[gid] = d
		}
		holds = append(holds, Hold{Msg: m, For: d})
	}
	if len(holds) == 0 {
		return failed
	}
	if err := p.vis.Hold(ctx, holds); err != nil {
		p.log.WarnContext(ctx, "could not hold failed messages back: they return after the queue's visibility timeout",
			"messages", len(holds), "error", err.Error())
		return failed
	}
	p.log.InfoContext(ctx, "failed messages held back", "messages", len(holds), "groups", len(delay))
	return failed
}

// classifyAll labels the batch's customer texts in parallel: with Amazon
// Comprehend each is a network call.
func (p *Processor) classifyAll(ctx context.Context, order []*group) {
	sem := make(chan struct{}, p.parallel)
	var wg sync.WaitGroup
	for _, g := range order {
		for i := range g.items {
			it := &g.items[i]
			if it.poison != nil || it.ev.Type != contract.MessageReceived || it.ev.Data.Text == "" {
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

func (p *Processor) classify(ctx context.Context, ev contract.Event, msgID string) sentiment.Label {
	if ev.Type != contract.MessageReceived || ev.Data.Text == "" || p.sentiment == nil {
		return ""
	}
	l, err := p.sentiment.Classify(ctx, ev.Data.Text)
	if err != nil {
		// A classifier outage must not block billing: the window stays
		// unclassified.
		p.log.WarnContext(ctx, "sentiment unavailable", "messageId", msgID, "error", err.Error())
		return ""
	}
	return l
}

func (p *Processor) poison(ctx context.Context, m events.SQSMessage, cause error) error {
	reason := cause.Error()
	var ve *contract.ValidationError
	fields := []string{}
	if errors.As(cause, &ve) {
		for _, f := range ve.Fields {
			fields = append(fields, f.Field)
		}
	}
	p.log.WarnContext(ctx, "poison message set aside", "messageId", m.MessageId,
		"group", logID(m.Attributes["MessageGroupId"]), "fields", fields, "malformed", errors.Is(cause, contract.ErrMalformed))
	if err := p.dlq.DeadLetter(ctx, m, reason); err != nil {
		p.log.ErrorContext(ctx, "dead-letter send failed", "messageId", m.MessageId, "error", err.Error())
		return err
	}
	return nil
}

// applyGroups reads every state the batch needs at once, then runs the
// groups in parallel; it returns the messages that failed, with the cause,
// and the state it read.
func (p *Processor) applyGroups(ctx context.Context, order []*group, now time.Time) (map[string]error, records.Batch) {
	var orgs []string
	seenOrg := map[string]bool{}
	var contacts []ingest.ContactRef
	seenContact := map[ingest.ContactRef]bool{}
	for _, g := range order {
		for _, it := range g.items {
			if it.poison != nil {
				continue
			}
			if o := it.target.ref.Org; !seenOrg[o] {
				seenOrg[o] = true
				orgs = append(orgs, o)
			}
			if !it.target.isOrg && !seenContact[it.target.ref] {
				seenContact[it.target.ref] = true
				contacts = append(contacts, it.target.ref)
			}
		}
	}
	failed := map[string]error{}
	var b records.Batch
	if len(orgs) > 0 {
		var err error
		b, err = p.store.LoadBatch(ctx, orgs, contacts)
		if err != nil {
			p.log.ErrorContext(ctx, "load batch failed", "error", err.Error())
			for _, g := range order {
				p.failGroup(ctx, g, fmt.Errorf("load batch: %w", err), failed)
			}
			return failed, b
		}
	}
	// An organization seen for the first time is registered in the index
	// the rollups list before any of its events is applied: if that fails,
	// its groups fail and come back (EnsureOrg is idempotent) rather than
	// debit an organization no rollup would ever list, since a later batch
	// retries the registration only if the organization sends one.
	blocked := map[string]error{}
	for _, o := range orgs {
		if !b.Profiles[o].Exists {
			if err := p.store.EnsureOrg(ctx, o); err != nil {
				p.log.ErrorContext(ctx, "ensure org failed; its groups will be retried", "org", o, "error", err.Error())
				blocked[o] = fmt.Errorf("ensure org: %w", err)
			}
		}
	}
	var ready []*group
	for _, g := range order {
		if err := blockedBy(g, blocked); err != nil {
			p.failGroup(ctx, g, err, failed)
			continue
		}
		ready = append(ready, g)
	}
	plans := p.plan(ready, b, now)
	done := p.commitCombined(ctx, ready, plans)
	var mu sync.Mutex
	sem := make(chan struct{}, p.parallel)
	var wg sync.WaitGroup
	for _, g := range ready {
		if done[g] {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(g *group) {
			defer wg.Done()
			defer func() { <-sem }()
			from, err := p.applyGroup(ctx, g, b, now, plans[g])
			if err == nil {
				return
			}
			p.log.ErrorContext(ctx, "group failed, will be retried", "org", g.org, "group", logID(g.id),
				"messages", len(g.items)-from, "error", err.Error())
			mu.Lock()
			defer mu.Unlock()
			for _, it := range g.items[from:] {
				failed[it.msg.MessageId] = err
			}
		}(g)
	}
	wg.Wait()
	return failed, b
}

// blockedBy is the error of the first organization of g's valid events
// that may not be written, or nil.
func blockedBy(g *group, blocked map[string]error) error {
	for _, it := range g.items {
		if it.poison == nil {
			if err := blocked[it.target.ref.Org]; err != nil {
				return err
			}
		}
	}
	return nil
}

// failGroup fails g's messages with err, from its first valid event on: a
// group's leading poison needs no state, so it is set aside now.
func (p *Processor) failGroup(ctx context.Context, g *group, err error, failed map[string]error) {
	from := 0
	for from < len(g.items) && g.items[from].poison != nil {
		if p.poison(ctx, g.items[from].msg, g.items[from].poison) != nil {
			break
		}
		from++
	}
	for _, it := range g.items[from:] {
		failed[it.msg.MessageId] = err
	}
}

// touched lists, once each, the cycles of the batch's applied billable
// events and, for seat changes, the current cycle, by each event's own
// target organization.
func touched(order []*group, b records.Batch, failed map[string]error, now time.Time) []Touch {
	var out []Touch
	seen := map[Touch]bool{}
	add := func(t Touch) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, g := range order {
		for _, it := range g.items {
			if it.poison != nil {
				continue
			}
			if _, bad := failed[it.msg.MessageId]; bad {
				continue
			}
			org := it.target.ref.Org
			prof, ok := b.Profiles[org]
			if !ok {
				continue
			}
			loc := prof.Plan.Location()
			switch {
			case it.ev.Type == contract.UserAdded || it.ev.Type == contract.UserRemoved:
				add(Touch{Org: org, CycleStart: prof.Plan.Cycle(localdate.Of(now, loc)).From})
			default:
				if _, billable := interactionz.Classify(it.ev); billable {
					add(Touch{Org: org, CycleStart: prof.Plan.Cycle(localdate.Of(it.ev.Time, loc)).From})
				}
			}
		}
	}
	return out
}

// applyGroup applies a group's runs of valid events of one target, one
// conditional write per run, and sets poison messages aside between them,
// in order; planned, if not nil, is the group's one run, already computed.
// It returns the index of the first message that failed.
func (p *Processor) applyGroup(ctx context.Context, g *group, b records.Batch, now time.Time, planned *contactWrite) (int, error) {
	profs := map[string]records.Profile{}
	contacts := map[ingest.ContactRef]ingest.Contact{}
	for i := 0; i < len(g.items); {
		if g.items[i].poison != nil {
			if err := p.poison(ctx, g.items[i].msg, g.items[i].poison); err != nil {
				return i, fmt.Errorf("dead-letter: %w", err)
			}
			i++
			continue
		}
		tg := g.items[i].target
		j := i
		for j < len(g.items) && g.items[j].poison == nil && g.items[j].target == tg {
			j++
		}
		prof, ok := profs[tg.ref.Org]
		if !ok {
			prof = b.Profiles[tg.ref.Org]
		}
		c, ok := contacts[tg.ref]
		if !ok {
			c = b.Contacts[tg.ref]
		}
		var w *contactWrite
		if i == 0 && j == len(g.items) {
			w = planned
		}
		var err error
		prof, c, err = p.applyRun(ctx, g, tg, g.items[i:j], prof, c, now, w)
		if err != nil {
			return i, err
		}
		profs[tg.ref.Org] = prof
		if !tg.isOrg {
			contacts[tg.ref] = c
		}
		i = j
	}
	return len(g.items), nil
}

// applyRun applies consecutive valid events of one target with one write:
// a contact's run commits w, its plan, or computes one if w is nil. When the
// state changed since it was read (a redelivery racing a slow attempt), it
// re-reads and recomputes: remembered identities make what is already in
// it a no-op.
func (p *Processor) applyRun(ctx context.Context, g *group, tg target, run []item, prof records.Profile, c ingest.Contact, now time.Time, w *contactWrite) (records.Profile, ingest.Contact, error) {
	for attempt := 0; ; attempt++ {
		var err error
		if tg.isOrg {
			prof, err = p.applyOrg(ctx, tg.ref.Org, run, prof, now)
		} else {
			if w == nil {
				w, err = p.planContact(ctx, g, run, c, prof, now)
			}
			if err == nil {
				c, err = p.commit(ctx, w)
			}
			w = nil // after a conflict, the plan's state is stale
		}
		if !errors.Is(err, records.ErrConflict) || attempt >= maxConflictRetries {
			return prof, c, err
		}
		var contacts []ingest.ContactRef
		if !tg.isOrg {
			contacts = []ingest.ContactRef{tg.ref}
		}
		nb, lerr := p.store.LoadBatch(ctx, []string{tg.ref.Org}, contacts)
		if lerr != nil {
			return prof, c, fmt.Errorf("reload after conflict: %w", lerr)
		}
		prof = nb.Profiles[tg.ref.Org]
		if !tg.isOrg {
			c = nb.Contacts[tg.ref]
		}
	}
}

// contactWrite is the plan of one run of a contact's events: the state it
// was computed from and what it computed, once. It is committed as it is,
// in the batch's combined transaction or on its own; only a conflict (the
// contact changed since it was read) makes it stale.
type contactWrite struct {
	g       *group
	run     []item
	c       ingest.Contact
	prof    records.Profile
	now     time.Time
	spilled ingest.IDSet
	next    ingest.ContactState
	debits  []ingest.Debit
	dups    []item
	changed bool
}

// write is the plan as the store writes it.
func (w *contactWrite) write() ingest.ContactWrite {
	return ingest.ContactWrite{Contact: w.c, Next: w.next, Debits: w.debits, Cycles: cycles(w.prof, w.debits)}
}

// plan computes, once, the write of every group that is one run of one
// contact and needs no spilled identities (which would cost a read here);
// the others are computed group by group.
func (p *Processor) plan(order []*group, b records.Batch, now time.Time) map[*group]*contactWrite {
	plans := map[*group]*contactWrite{}
	for _, g := range order {
		tg, ok := oneContact(g)
		if !ok {
			continue
		}
		c := b.Contacts[tg.ref]
		if len(lateDays(g.id, g.items, c)) > 0 {
			continue
		}
		w := &contactWrite{g: g, run: g.items, c: c, prof: b.Profiles[tg.ref.Org], now: now}
		w.next, w.debits, w.dups, w.changed = compute(g.id, w.run, c, w.prof, now, nil, p.stateSize)
		plans[g] = w
	}
	return plans
}

// commitCombined writes, in one transaction, every plan of the batch that
// opens windows: the organizations' day and cycle totals are then written
// once per batch instead of once per group, which is most of a debit's
// cost. It returns the groups it wrote. If the transaction fails (a state
// changed since read, throttling), nothing was written and those groups go
// the group-by-group way with the same plans.
func (p *Processor) commitCombined(ctx context.Context, order []*group, plans map[*group]*contactWrite) map[*group]bool {
	var ws []*contactWrite
	for _, g := range order {
		if w := plans[g]; w != nil && w.changed && len(w.debits) > 0 {
			ws = append(ws, w)
		}
	}
	done := map[*group]bool{}
	if len(ws) < 2 {
		return done // one group alone is the same transaction either way
	}
	writes := make([]ingest.ContactWrite, len(ws))
	for i, w := range ws {
		writes[i] = w.write()
	}
	if err := p.store.SaveContacts(ctx, writes); err != nil {
		p.log.InfoContext(ctx, "combined debit write failed; writing group by group", "groups", len(ws), "error", err.Error())
		return done
	}
	for _, w := range ws {
		done[w.g] = true
		p.committed(ctx, w)
	}
	return done
}

// planContact computes the plan of a run from the contact's state c,
// reading first the spilled identities its late events need.
func (p *Processor) planContact(ctx context.Context, g *group, run []item, c ingest.Contact, prof records.Profile, now time.Time) (*contactWrite, error) {
	w := &contactWrite{g: g, run: run, c: c, prof: prof, now: now}
	if days := lateDays(g.id, run, c); len(days) > 0 {
		var err error
		if w.spilled, err = p.store.SpilledIDs(ctx, c.ContactRef, days); err != nil {
			return nil, err
		}
	}
	w.next, w.debits, w.dups, w.changed = compute(g.id, run, c, prof, now, w.spilled, p.stateSize)
	return w, nil
}

// commit writes one plan on its own and returns the contact as written.
func (p *Processor) commit(ctx context.Context, w *contactWrite) (ingest.Contact, error) {
	if !w.changed {
		p.committed(ctx, w)
		return w.c, nil
	}
	err := p.store.SaveContacts(ctx, []ingest.ContactWrite{w.write()})
	if errors.Is(err, records.ErrStateTooLarge) {
		return p.isolateOversize(ctx, w)
	}
	if err != nil {
		return w.c, err
	}
	p.committed(ctx, w)
	return ingest.Contact{ContactRef: w.c.ContactRef, State: w.next, Version: w.c.Version + 1}, nil
}

// committed logs what a written plan did: its duplicates and its debits.
func (p *Processor) committed(ctx context.Context, w *contactWrite) {
	for _, it := range w.dups {
		p.log.InfoContext(ctx, "duplicate event ignored", "messageId", it.msg.MessageId, "eventId", it.ev.ID, "source", it.ev.Source)
	}
	p.logDebits(ctx, w.g, w.debits)
}

// oneContact reports whether every message of the group is a valid event
// of one contact, and which.
func oneContact(g *group) (target, bool) {
	if len(g.items) == 0 {
		return target{}, false
	}
	tg := g.items[0].target
	for _, it := range g.items {
		if it.poison != nil || it.target != tg || tg.isOrg {
			return target{}, false
		}
	}
	return tg, true
}

// cycles are the starts of the billing cycles debits count in, by the
// organization's plan.
func cycles(prof records.Profile, debits []ingest.Debit) []localdate.Date {
	out := make([]localdate.Date, len(debits))
	for i, d := range debits {
		out[i] = prof.Plan.Cycle(d.Date).From
	}
	return out
}

// compute applies a run of events of group gid to a copy of the contact's
// state: a message at or below the group's SequenceNumber mark (an SQS
// redelivery) or whose identity the state, or the spilled identities read
// for it, already holds is a duplicate. If the write spills identities,
// next.Spill holds them (size is the state's stored size, for the
// spilling policy).
func compute(gid string, run []item, c ingest.Contact, prof records.Profile, now time.Time, spilled ingest.IDSet, size func(ingest.ContactState) int) (next ingest.ContactState, debits []ingest.Debit, dups []item, changed bool) {
	loc := prof.Plan.Location()
	next = c.State.Clone()
	for _, it := range run {
		seq, sent := sequence(it.msg)
		if next.Delivered(gid, seq, sent) {
			dups = append(dups, it)
			continue
		}
		res := next.Apply(it.ev, ingest.Context{Loc: loc, Now: now, Sentiment: it.label, Spilled: spilled, StateOf: geo.StateOf})
		next.MarkDelivered(gid, seq, sent, now)
		if res.Duplicate {
			dups = append(dups, it)
			continue
		}
		changed = true
		if res.Debit != nil {
			debits = append(debits, *res.Debit)
		}
	}
	if changed && size != nil {
		next.SpillFrom(&c.State, size(next))
	}
	return next, debits, dups, changed
}

// stateSize is a state's stored size, as the store encodes it.
func (p *Processor) stateSize(s ingest.ContactState) int {
	n, _ := p.store.StateSize(s)
	return n
}

// sequence is a message's FIFO SequenceNumber and SentTimestamp (Unix ms),
// as the SQS event source gives them ("" and 0 when absent).
func sequence(m events.SQSMessage) (string, int64) {
	sent, _ := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64)
	return m.Attributes["SequenceNumber"], sent
}

// lateDays are the event days whose spilled identities the run needs: its
// events that are not SQS redeliveries, not in the state, and not after the
// latest spilled event time.
func lateDays(gid string, run []item, c ingest.Contact) []int32 {
	var days []int32
	seen := map[int32]bool{}
	for _, it := range run {
		if it.poison != nil {
			continue
		}
		if seq, sent := sequence(it.msg); c.State.Delivered(gid, seq, sent) {
			continue
		}
		if d, ok := c.State.NeedsSpilled(it.ev); ok && !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	return days
}

func (p *Processor) logDebits(ctx context.Context, g *group, debits []ingest.Debit) {
	for _, d := range debits {
		p.log.InfoContext(ctx, "interactionz debited", "org", g.org, "group", logID(g.id), "lane", d.Lane,
			"channel", d.Channel, "windowStart", d.Window.Start, "eventId", d.EventID)
	}
}

// isolateOversize handles a run whose state would pass the item size
// limit: it keeps the run's events in order while the state still fits,
// sets each event that would make it too large aside in the dead-letter
// queue with the reason (its depth alarm fires) and writes the rest, so
// the group goes on and nothing is dropped silently.
func (p *Processor) isolateOversize(ctx context.Context, w *contactWrite) (ingest.Contact, error) {
	g, c := w.g, w.c
	var keep []item
	for _, it := range w.run {
		trial := append(append([]item(nil), keep...), it)
		next, _, _, _ := compute(g.id, trial, c, w.prof, w.now, w.spilled, nil)
		if size, ok := p.store.StateSize(next); !ok {
			p.log.ErrorContext(ctx, "event set aside: contact state too large", "org", g.org, "group", logID(g.id),
				"messageId", it.msg.MessageId, "eventId", it.ev.ID, "stateBytes", size)
			if err := p.poison(ctx, it.msg, fmt.Errorf("%w (%d bytes with this event)", records.ErrStateTooLarge, size)); err != nil {
				return c, err
			}
			continue
		}
		keep = trial
	}
	if len(keep) == 0 {
		return c, nil
	}
	// The plan of what is kept: a run of its own, computed once.
	kept := &contactWrite{g: g, run: keep, c: c, prof: w.prof, now: w.now, spilled: w.spilled}
	kept.next, kept.debits, kept.dups, kept.changed = compute(g.id, keep, c, w.prof, w.now, w.spilled, p.stateSize)
	if !kept.changed {
		return c, nil
	}
	if err := p.store.SaveContacts(ctx, []ingest.ContactWrite{kept.write()}); err != nil {
		return c, err
	}
	p.committed(ctx, kept)
	return ingest.Contact{ContactRef: c.ContactRef, State: kept.next, Version: c.Version + 1}, nil
}

func (p *Processor) applyOrg(ctx context.Context, org string, run []item, prof records.Profile, now time.Time) (records.Profile, error) {
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
	if err := p.store.SaveOrgState(ctx, org, prof.Version, next); err != nil {
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
