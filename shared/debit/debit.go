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
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/event"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
)

// Store is what the processor needs from storage.
type Store interface {
	LoadBatch(ctx context.Context, orgs []string, contacts []store.ContactRef) (store.Batch, error)
	SaveContact(ctx context.Context, c store.Contact, next ingest.ContactState, debits []ingest.Debit, cycleOf store.CycleOf) error
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
}

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
}

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
func (p *Processor) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	now := p.now()
	var resp events.SQSEventResponse
	groups := map[string]*group{}
	var order []*group
	failedGroups := map[string]bool{}
	fail := func(id string) {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	for _, m := range batch.Records {
		gid := m.Attributes["MessageGroupId"]
		if failedGroups[gid] {
			fail(m.MessageId)
			continue
		}
		ev, err := event.Decode([]byte(m.Body), now)
		if err == nil && gid != "" && gid != ev.MessageGroupID() {
			err = &event.ValidationError{Fields: []event.FieldError{{Field: "MessageGroupId", Reason: "does not match the event's organization and contact"}}}
		}
		if err != nil {
			if dErr := p.poison(ctx, m, err); dErr != nil {
				failedGroups[gid] = true
				fail(m.MessageId)
			}
			continue
		}
		if gid == "" {
			gid = ev.MessageGroupID()
		}
		g := groups[gid]
		if g == nil {
			g = &group{id: gid, org: ev.OrgID, isOrg: ev.OrgScoped(), ref: store.ContactRef{Org: ev.OrgID, Contact: ev.Data.ContactID}}
			groups[gid] = g
			order = append(order, g)
		}
		g.items = append(g.items, item{msg: m, ev: ev, label: p.classify(ctx, ev, m.MessageId)})
	}
	if len(order) == 0 {
		return resp, nil
	}
	failed := p.applyGroups(ctx, order, now)
	for _, g := range order {
		if failed[g.id] {
			for _, it := range g.items {
				fail(it.msg.MessageId)
			}
		}
	}
	// Keep the failures in batch order, as SQS expects them reported.
	sortFailures(batch, &resp)
	return resp, nil
}

func sortFailures(batch events.SQSEvent, resp *events.SQSEventResponse) {
	if len(resp.BatchItemFailures) < 2 {
		return
	}
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	resp.BatchItemFailures = resp.BatchItemFailures[:0]
	for _, m := range batch.Records {
		if failed[m.MessageId] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
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
		"groupId", m.Attributes["MessageGroupId"], "fields", fields, "malformed", errors.Is(cause, event.ErrMalformed))
	if err := p.dlq.DeadLetter(ctx, m, reason); err != nil {
		p.log.ErrorContext(ctx, "dead-letter send failed", "messageId", m.MessageId, "error", err.Error())
		return err
	}
	return nil
}

func (p *Processor) applyGroups(ctx context.Context, order []*group, now time.Time) map[string]bool {
	var orgs []string
	seenOrg := map[string]bool{}
	var contacts []store.ContactRef
	for _, g := range order {
		if !seenOrg[g.org] {
			seenOrg[g.org] = true
			orgs = append(orgs, g.org)
		}
		if !g.isOrg {
			contacts = append(contacts, g.ref)
		}
	}
	failed := map[string]bool{}
	b, err := p.store.LoadBatch(ctx, orgs, contacts)
	if err != nil {
		p.log.ErrorContext(ctx, "load batch failed", "error", err.Error())
		for _, g := range order {
			failed[g.id] = true
		}
		return failed
	}
	for _, o := range orgs {
		if !b.Profiles[o].Exists {
			if err := p.store.EnsureOrg(ctx, o); err != nil {
				p.log.ErrorContext(ctx, "ensure org failed", "org", o, "error", err.Error())
			}
		}
	}
	var mu sync.Mutex
	sem := make(chan struct{}, max(1, p.Parallel))
	var wg sync.WaitGroup
	for _, g := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(g *group) {
			defer wg.Done()
			defer func() { <-sem }()
			err := p.applyGroup(ctx, g, b, now)
			if err != nil {
				p.log.ErrorContext(ctx, "group failed, will be retried", "groupId", g.id, "messages", len(g.items), "error", err.Error())
				mu.Lock()
				failed[g.id] = true
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	return failed
}

func (p *Processor) applyGroup(ctx context.Context, g *group, b store.Batch, now time.Time) error {
	prof := b.Profiles[g.org]
	loc := prof.Plan.Location()
	cycleOf := func(d localdate.Date) localdate.Date { return prof.Plan.Cycle(d).From }
	for attempt := 0; ; attempt++ {
		var err error
		if g.isOrg {
			err = p.applyOrg(ctx, g, prof, loc, now)
		} else {
			err = p.applyContact(ctx, g, b.Contacts[g.ref], loc, now, cycleOf)
		}
		if !errors.Is(err, store.ErrConflict) || attempt >= maxConflictRetries {
			return err
		}
		// Someone wrote the state since we read it (a redelivery racing a
		// slow attempt): read it again and re-apply; remembered identities
		// make what is already in it a no-op.
		nb, lerr := p.store.LoadBatch(ctx, []string{g.org}, refs(g))
		if lerr != nil {
			return fmt.Errorf("reload after conflict: %w", lerr)
		}
		prof = nb.Profiles[g.org]
		if !g.isOrg {
			b.Contacts = map[store.ContactRef]store.Contact{g.ref: nb.Contacts[g.ref]}
		}
	}
}

func refs(g *group) []store.ContactRef {
	if g.isOrg {
		return nil
	}
	return []store.ContactRef{g.ref}
}

func (p *Processor) applyContact(ctx context.Context, g *group, c store.Contact, loc *time.Location, now time.Time, cycleOf store.CycleOf) error {
	next := c.State
	var debits []ingest.Debit
	changed := false
	for _, it := range g.items {
		res := next.Apply(it.ev, ingest.Context{Loc: loc, Now: now, Sentiment: it.label})
		if res.Duplicate {
			p.log.InfoContext(ctx, "duplicate event ignored", "messageId", it.msg.MessageId, "eventId", it.ev.ID, "source", it.ev.Source)
			continue
		}
		changed = true
		if res.Debit != nil {
			debits = append(debits, *res.Debit)
		}
	}
	if !changed {
		return nil
	}
	if err := p.store.SaveContact(ctx, c, next, debits, cycleOf); err != nil {
		return err
	}
	for _, d := range debits {
		p.log.InfoContext(ctx, "interactionz debited", "org", g.org, "groupId", g.id, "lane", d.Lane,
			"channel", d.Channel, "windowStart", d.Window.Start, "eventId", d.EventID)
	}
	return nil
}

func (p *Processor) applyOrg(ctx context.Context, g *group, prof store.Profile, loc *time.Location, now time.Time) error {
	next := prof.State
	changed := false
	for _, it := range g.items {
		if !next.Apply(it.ev, ingest.Context{Loc: loc, Now: now}).Duplicate {
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return p.store.SaveOrgState(ctx, g.org, prof.Version, next)
}
