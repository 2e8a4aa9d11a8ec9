// Package contract is the contract of what enters the events queue: CloudEvents
// 1.0 in structured JSON mode with the organization in the `orgid` extension
// and a typed `data` object (docs/PRODUCT.md, "What enters the system").
// Producers, webhooks and the debit consumer all decode and validate through
// this one package, so a field rule has exactly one owner.
package contract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Type is a CloudEvents `type` of the contract.
type Type string

// The event types of docs/PRODUCT.md, "What enters the system".
const (
	ContactUpserted      Type = "contact.upserted"
	ContactDeleted       Type = "contact.deleted"
	MessageSent          Type = "message.sent"
	MessageReceived      Type = "message.received"
	TicketOpened         Type = "ticket.opened"
	TicketUpdated        Type = "ticket.updated"
	TicketClosed         Type = "ticket.closed"
	ChannelEnabled       Type = "channel.enabled"
	IntegrationConnected Type = "integration.connected"
	UserAdded            Type = "user.added"
	UserRemoved          Type = "user.removed"
)

// Types lists every type in a stable order (for generators and docs).
var Types = []Type{ContactUpserted, ContactDeleted, MessageSent, MessageReceived,
	TicketOpened, TicketUpdated, TicketClosed, ChannelEnabled, IntegrationConnected,
	UserAdded, UserRemoved}

// Channels are the platform's channels.
var Channels = []string{"sms", "whatsapp", "rcs", "email", "messenger", "instagram", "webchat", "push"}

// Enumerated data values.
const (
	SenderCampaign    = "campaign"
	SenderAgent       = "agent"
	SenderBot         = "bot"
	SenderExpertAgent = "expert_agent"
	SenderAutoReply   = "auto_reply"

	RoutedBot   = "bot"
	RoutedHuman = "human"

	AreaCommercial = "commercial"
	AreaSupport    = "support"

	VisibilityPublic   = "public"
	VisibilityInternal = "internal"

	StatusNew        = "new"
	StatusWaiting    = "waiting"
	StatusInProgress = "in_progress"
)

// MaxFutureSkew is how far ahead of the receiver's clock an event time may be.
const MaxFutureSkew = 5 * time.Minute

// MinTime is the earliest event time accepted. The platform has no events
// from before it, and a floor keeps every accepted time inside the years
// RFC 3339 can write (a year-0 time with a +01:00 offset is year -1 in UTC,
// which no receiver could decode again after the queue).
var MinTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxIDLen bounds `id`; (source, id) is the deduplication identity.
const MaxIDLen = 128

// Data is the union of every type's data fields; which are required depends
// on the type (see Validate). Text is customer text for sentiment only: it is
// never stored and never logged.
type Data struct {
	ContactID  string `json:"contactId,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
	Channel    string `json:"channel,omitempty"`
	Sender     string `json:"sender,omitempty"`
	Area       string `json:"area,omitempty"`
	CampaignID string `json:"campaignId,omitempty"`
	RoutedTo   string `json:"routedTo,omitempty"`
	Text       string `json:"text,omitempty"`
	TicketID   string `json:"ticketId,omitempty"`
	Visibility string `json:"visibility,omitempty"`
	Status     string `json:"status,omitempty"`
	Public     *bool  `json:"public,omitempty"`
	System     string `json:"system,omitempty"`
	UserID     string `json:"userId,omitempty"`
	// ExpertAgentID names the expert agent of a message.sent whose sender
	// is expert_agent, so its Interactionz are counted per agent.
	ExpertAgentID string `json:"expertAgentId,omitempty"`
}

// Event is one decoded CloudEvent of the contract.
type Event struct {
	SpecVersion string    `json:"specversion"`
	ID          string    `json:"id"`
	Source      string    `json:"source"`
	Type        Type      `json:"type"`
	Time        time.Time `json:"time"`
	OrgID       string    `json:"orgid"`
	Data        Data      `json:"data"`
}

// FieldError names the field at fault, as a JSON pointer-like dotted path
// (e.g. "data.contactId"), so HTTP problems and dead-letter reasons can say
// exactly what to fix.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// ValidationError is every field error of one event.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "invalid event: " + strings.Join(parts, "; ")
}

// ErrMalformed marks a body that is not a JSON object of the contract's shape.
var ErrMalformed = errors.New("malformed event")

type wire struct {
	SpecVersion *string         `json:"specversion"`
	ID          *string         `json:"id"`
	Source      *string         `json:"source"`
	Type        *string         `json:"type"`
	Time        *string         `json:"time"`
	OrgID       *string         `json:"orgid"`
	Data        json.RawMessage `json:"data"`
}

// Decode parses one structured-mode CloudEvent and validates it against the
// receiver's clock now. Unknown attributes and data fields are tolerated (a
// producer may be newer than us). The error is ErrMalformed-wrapped for
// undecodable input, or a *ValidationError listing every field at fault.
func Decode(body []byte, now time.Time) (Event, error) {
	var w wire
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&w); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return Event{}, fmt.Errorf("%w: trailing data after the event object", ErrMalformed)
	}
	var ev Event
	var fields []FieldError
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	ev.SpecVersion, ev.ID, ev.Source = str(w.SpecVersion), str(w.ID), str(w.Source)
	ev.Type, ev.OrgID = Type(str(w.Type)), str(w.OrgID)
	if w.Time == nil || *w.Time == "" {
		fields = append(fields, FieldError{"time", "required"})
	} else if t, err := time.Parse(time.RFC3339Nano, *w.Time); err != nil {
		fields = append(fields, FieldError{"time", "must be an RFC 3339 timestamp"})
	} else {
		ev.Time = t
	}
	switch {
	case len(w.Data) == 0 || string(w.Data) == "null":
		fields = append(fields, FieldError{"data", "required"})
	default:
		if err := json.Unmarshal(w.Data, &ev.Data); err != nil {
			fields = append(fields, FieldError{"data", "must be an object with the type's fields: " + typeErr(err)})
		}
	}
	if vErr := ev.validate(now, w.Time != nil && ev.Time.IsZero()); vErr != nil {
		fields = append(fields, vErr.Fields...)
	}
	if len(fields) > 0 {
		return ev, &ValidationError{Fields: dedupeFields(fields)}
	}
	return ev, nil
}

func typeErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "not an object"
}

func dedupeFields(in []FieldError) []FieldError {
	seen := map[string]bool{}
	out := in[:0]
	for _, f := range in {
		if seen[f.Field] {
			continue
		}
		seen[f.Field] = true
		out = append(out, f)
	}
	return out
}

// Validate checks the event against the contract at the receiver's time now.
func (e Event) Validate(now time.Time) error {
	if v := e.validate(now, false); v != nil {
		return v
	}
	return nil
}

// isID, isSource and isE164 are the syntax of ids, sources and phones, as
// byte loops rather than regular expressions: compiling the bounded
// repetitions ({1,256}) took about 1 ms of every function's cold start.
// A test holds each to the expression it replaces.

// isID bounds organization, contact, ticket and user ids to 1-64 characters
// of A-Z a-z 0-9 . _ : @ + -: they become parts of DynamoDB keys and SQS
// message group ids, where '#' separates.
func isID(v string) bool {
	if len(v) < 1 || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		ok := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '@' || c == '+' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// isSource is 1-256 printable ASCII characters other than space.
func isSource(v string) bool {
	if len(v) < 1 || len(v) > 256 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// isE164 is "+", a digit 1-9, then 7 to 14 digits.
func isE164(v string) bool {
	if len(v) < 9 || len(v) > 16 || v[0] != '+' || v[1] < '1' || v[1] > '9' {
		return false
	}
	for i := 2; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// ValidID reports whether s is a valid organization, contact, ticket or user
// id. The token's organization claim (package auth) and the organizations
// the webhooks are configured for (package webhook) are held to the same
// rule, so every id that reaches a key has passed it.
func ValidID(s string) bool { return isID(s) }

// ValidPhone reports whether s is a contact phone the contract accepts
// (E.164: "+", a digit 1-9, then 7 to 14 digits); the webhooks ask it before
// they put a provider's sender number on a contact.upserted.
func ValidPhone(s string) bool { return isE164(s) }

// MaxTextBytes bounds a received message's data.text, in bytes; the
// webhooks clip a provider's text to it (WhatsApp allows 4096 characters,
// which can be more bytes).
const MaxTextBytes = 4096

// PlainText reports whether s is text a person can read back as written:
// valid UTF-8 without control characters (NUL, newlines, escapes), format
// characters (bidi overrides such as U+202E, zero-width joiners) or line
// and paragraph separators. Free-text identifiers and names that are shown
// or echoed (event ids in the ledger, plan names) must pass it.
func PlainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			return false
		}
	}
	return true
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// IsChannel reports whether c is a platform channel.
func IsChannel(c string) bool { return oneOf(c, Channels...) }

func (e Event) validate(now time.Time, timeAlreadyBad bool) *ValidationError {
	var fs []FieldError
	add := func(field, reason string) { fs = append(fs, FieldError{field, reason}) }
	if e.SpecVersion != "1.0" {
		add("specversion", `must be "1.0"`)
	}
	switch {
	case e.ID == "":
		add("id", "required")
	case len(e.ID) > MaxIDLen:
		add("id", fmt.Sprintf("at most %d characters", MaxIDLen))
	case !PlainText(e.ID):
		add("id", "no control, format (bidi) or separator characters, valid UTF-8")
	}
	if !isSource(e.Source) {
		add("source", "required: a URI-reference without spaces, at most 256 characters")
	}
	if !isID(e.OrgID) {
		add("orgid", "required: 1-64 characters of A-Z a-z 0-9 . _ : @ + -")
	}
	if !timeAlreadyBad {
		switch {
		case e.Time.IsZero():
			add("time", "required")
		case e.Time.After(now.Add(MaxFutureSkew)):
			add("time", "more than 5 minutes in the future")
		case e.Time.Before(MinTime):
			add("time", "before 2000-01-01T00:00:00Z")
		}
	}
	d := e.Data
	id := func(field, v string, required bool) {
		switch {
		case v == "" && required:
			add("data."+field, "required")
		case v != "" && !isID(v):
			add("data."+field, "1-64 characters of A-Z a-z 0-9 . _ : @ + -")
		}
	}
	enum := func(field, v string, required bool, allowed ...string) {
		switch {
		case v == "" && required:
			add("data."+field, "required")
		case v != "" && !oneOf(v, allowed...):
			add("data."+field, "must be one of "+strings.Join(allowed, ", "))
		}
	}
	channel := func(required bool) { enum("channel", d.Channel, required, Channels...) }
	area := func(required bool) { enum("area", d.Area, required, AreaCommercial, AreaSupport) }
	switch e.Type {
	case ContactUpserted:
		id("contactId", d.ContactID, true)
		if d.Phone != "" && !isE164(d.Phone) {
			add("data.phone", "must be E.164, e.g. +5511987654321")
		}
		if d.Email != "" {
			if a, err := mail.ParseAddress(d.Email); err != nil || a.Address != d.Email {
				add("data.email", "must be an e-mail address")
			}
		}
	case ContactDeleted:
		id("contactId", d.ContactID, true)
	case MessageSent:
		id("contactId", d.ContactID, true)
		channel(true)
		enum("sender", d.Sender, true, SenderCampaign, SenderAgent, SenderBot, SenderExpertAgent, SenderAutoReply)
		area(false)
		id("campaignId", d.CampaignID, false)
		id("expertAgentId", d.ExpertAgentID, false)
		if d.ExpertAgentID != "" && d.Sender != SenderExpertAgent {
			add("data.expertAgentId", "only for sender expert_agent")
		}
	case MessageReceived:
		id("contactId", d.ContactID, true)
		channel(true)
		enum("routedTo", d.RoutedTo, true, RoutedBot, RoutedHuman)
		area(false)
		if len(d.Text) > MaxTextBytes {
			add("data.text", fmt.Sprintf("at most %d bytes", MaxTextBytes))
		}
	case TicketOpened:
		id("ticketId", d.TicketID, true)
		id("contactId", d.ContactID, true)
		area(true)
		enum("visibility", d.Visibility, true, VisibilityPublic, VisibilityInternal)
		channel(false)
	case TicketUpdated:
		id("ticketId", d.TicketID, true)
		id("contactId", d.ContactID, true)
		enum("status", d.Status, true, StatusNew, StatusWaiting, StatusInProgress)
		if d.Public == nil {
			add("data.public", "required: true or false")
		}
	case TicketClosed:
		id("ticketId", d.TicketID, true)
		id("contactId", d.ContactID, true)
	case ChannelEnabled:
		channel(true)
	case IntegrationConnected:
		id("system", d.System, true)
	case UserAdded, UserRemoved:
		id("userId", d.UserID, true)
	case "":
		add("type", "required")
	default:
		add("type", "unknown type")
	}
	if len(fs) == 0 {
		return nil
	}
	return &ValidationError{Fields: fs}
}

// OrgScoped reports whether the event concerns the organization as a whole
// (no contact): its state lives on the organization, not on a contact.
func (e Event) OrgScoped() bool {
	switch e.Type {
	case ChannelEnabled, IntegrationConnected, UserAdded, UserRemoved:
		return true
	}
	return false
}

// MaxGroupIDLen is SQS's limit on a message group id.
const MaxGroupIDLen = 128

// groupSep separates the organization from the contact in a message group
// id. Neither organization nor contact ids may contain it (idPattern), which
// is what keeps the namespaces below disjoint by construction.
const groupSep = "#"

// LegacyOrgGroupSuffix is the suffix of the group organization-scoped events
// had before groups were made disjoint ("<org>#_org"), which a contact named
// "_org" shared. It is never produced; the consumer still accepts it for
// organization events already on the queue when the change is deployed.
const LegacyOrgGroupSuffix = groupSep + "_org"

// MessageGroupID is the FIFO message group: one per organization and
// contact, so a contact's events are processed in order while contacts
// proceed in parallel. The namespaces are disjoint by construction, not by a
// reserved name a producer could use as a contact id:
//
//	organization-scoped events  <org>              (no separator)
//	a contact's events          <org>#<contact>    (one separator)
//	a contact too long for SQS  <org>##<hash>      (two separators)
//
// Ids never contain '#', so no contact id can produce another contact's,
// the organization's or a hashed group. The last form keeps the id within
// SQS's 128 characters (org and contact ids may have 64 each); it is a
// SHA-256 prefix of the contact id, so two long contacts share a group only
// by a collision, which would cost order between them, never correctness:
// the consumer decides what each message is from the message itself.
func (e Event) MessageGroupID() string {
	if e.OrgScoped() {
		return e.OrgID
	}
	g := e.OrgID + groupSep + e.Data.ContactID
	if len(g) <= MaxGroupIDLen {
		return g
	}
	h := sha256.Sum256([]byte(e.Data.ContactID))
	return e.OrgID + groupSep + groupSep + hex.EncodeToString(h[:24])
}

// DeduplicationID is derived from the event's identity (source, id) within
// its organization — organizations are separate namespaces, so two tenants'
// producers can never collide — so a producer's retry within SQS's 5-minute
// window is dropped by the queue itself; the consumer dedupes for longer.
func (e Event) DeduplicationID() string {
	return IdentityHash(e.OrgID+"\x00"+e.Source, e.ID)
}

// IdentityHash is the hex SHA-256 of (source, id).
func IdentityHash(source, id string) string {
	h := sha256.Sum256([]byte(source + "\x00" + id))
	return hex.EncodeToString(h[:])
}

// Encode renders the event in structured mode, the form that goes on the queue.
func (e Event) Encode() ([]byte, error) {
	type out struct {
		SpecVersion string `json:"specversion"`
		ID          string `json:"id"`
		Source      string `json:"source"`
		Type        Type   `json:"type"`
		Time        string `json:"time"`
		OrgID       string `json:"orgid"`
		Data        Data   `json:"data"`
	}
	b, err := json.Marshal(out{e.SpecVersion, e.ID, e.Source, e.Type, e.Time.UTC().Format(time.RFC3339Nano), e.OrgID, e.Data})
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return b, nil
}
