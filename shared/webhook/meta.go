package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/customercloud/home/shared/contract"
)

// Provider is a channel provider served at /v1/webhooks/{provider}. The
// same name is the provider part of the account map's key.
type Provider string

// The Meta providers.
const (
	WhatsApp  Provider = "whatsapp"
	Messenger Provider = "messenger"
	Instagram Provider = "instagram"
)

// Providers lists the served providers.
var Providers = []Provider{WhatsApp, Messenger, Instagram}

// Valid reports whether p is served.
func (p Provider) Valid() bool {
	for _, q := range Providers {
		if p == q {
			return true
		}
	}
	return false
}

// object is the value of the payload's "object" for the provider.
func (p Provider) object() string {
	switch p {
	case WhatsApp:
		return "whatsapp_business_account"
	case Messenger:
		return "page"
	case Instagram:
		return "instagram"
	}
	return ""
}

// Source is the CloudEvents source of the events the provider's webhook
// produces, e.g. "channels/whatsapp".
func (p Provider) Source() string { return "channels/" + string(p) }

// contactPrefix namespaces the provider's user ids as contact ids: a
// WhatsApp wa_id, a page-scoped id (PSID) or an Instagram-scoped id (IGSID)
// are different id spaces.
func (p Provider) contactPrefix() string {
	switch p {
	case WhatsApp:
		return "wa:"
	case Messenger:
		return "fb:"
	case Instagram:
		return "ig:"
	}
	return ""
}

// Drop reasons: what a Meta delivery carried that did not become an event.
// They are counted, returned in the response and logged as numbers.
const (
	DropStatus         = "status"          // WhatsApp sent/delivered/read/failed statuses
	DropEcho           = "echo"            // Messenger/Instagram echoes of the page's own messages
	DropReceipt        = "receipt"         // Messenger/Instagram delivery and read receipts
	DropReaction       = "reaction"        // reactions to a message
	DropSystem         = "system"          // WhatsApp system messages (e.g. the user changed number)
	DropUnsupported    = "unsupported"     // other fields and webhook kinds
	DropUnknownAccount = "unknown_account" // no organization owns the account
	DropInvalid        = "invalid"         // an item that does not make a valid event
)

// ErrWrongObject reports a payload whose "object" is not the route's provider.
var ErrWrongObject = errors.New("payload object does not match the provider")

// inbound is one customer message found in a Meta delivery, before it is
// tied to an organization.
type inbound struct {
	account string // provider account id: WhatsApp phone_number_id, page id, IG account id
	msgID   string
	user    string // provider user id: wa_id, PSID, IGSID
	at      time.Time
	text    string // for sentiment only; never logged
}

// counts is a tally of drop reasons.
type counts map[string]int

func (c counts) add(reason string, n int) {
	if n > 0 {
		c[reason] += n
	}
}

// decodeMeta parses a Meta delivery for the provider into inbound messages
// and drop counts. An error means the body is not a Meta payload of that
// provider at all.
func decodeMeta(p Provider, body []byte) ([]inbound, counts, error) {
	dropped := counts{}
	var head struct {
		Object string            `json:"object"`
		Entry  []json.RawMessage `json:"entry"`
	}
	if err := strictObject(body, &head); err != nil {
		return nil, nil, err
	}
	if head.Object != p.object() {
		return nil, nil, fmt.Errorf("%w: got %q, want %q", ErrWrongObject, truncate(head.Object, 64), p.object())
	}
	var out []inbound
	for _, raw := range head.Entry {
		var items []inbound
		if p == WhatsApp {
			items = decodeWhatsAppEntry(raw, dropped)
		} else {
			items = decodePageEntry(raw, dropped)
		}
		out = append(out, items...)
	}
	return out, dropped, nil
}

// strictObject decodes one JSON object with nothing after it.
func strictObject(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return errors.New("not a JSON object")
	}
	return nil
}

// decodeWhatsAppEntry reads entry[].changes[].value of the WhatsApp Cloud
// API. The account is value.metadata.phone_number_id: it is on every change,
// it is what the platform sends with, and one business account (entry.id)
// may hold numbers that belong to different organizations of a reseller.
func decodeWhatsAppEntry(raw json.RawMessage, dropped counts) []inbound {
	var entry struct {
		Changes []json.RawMessage `json:"changes"`
	}
	if json.Unmarshal(raw, &entry) != nil {
		dropped.add(DropInvalid, 1)
		return nil
	}
	var out []inbound
	for _, rc := range entry.Changes {
		var change struct {
			Field string `json:"field"`
			Value struct {
				Metadata struct {
					PhoneNumberID string `json:"phone_number_id"`
				} `json:"metadata"`
				Messages []json.RawMessage `json:"messages"`
				Statuses []json.RawMessage `json:"statuses"`
			} `json:"value"`
		}
		if json.Unmarshal(rc, &change) != nil {
			dropped.add(DropInvalid, 1)
			continue
		}
		if change.Field != "messages" {
			dropped.add(DropUnsupported, 1)
			continue
		}
		dropped.add(DropStatus, len(change.Value.Statuses))
		for _, rm := range change.Value.Messages {
			var m struct {
				From      string `json:"from"`
				ID        string `json:"id"`
				Timestamp string `json:"timestamp"`
				Type      string `json:"type"`
				Text      *struct {
					Body string `json:"body"`
				} `json:"text"`
			}
			if json.Unmarshal(rm, &m) != nil {
				dropped.add(DropInvalid, 1)
				continue
			}
			switch m.Type {
			case "reaction":
				dropped.add(DropReaction, 1)
				continue
			case "system":
				dropped.add(DropSystem, 1)
				continue
			}
			secs, err := strconv.ParseInt(m.Timestamp, 10, 64)
			if err != nil || secs <= 0 || m.ID == "" || m.From == "" {
				dropped.add(DropInvalid, 1)
				continue
			}
			in := inbound{account: change.Value.Metadata.PhoneNumberID, msgID: m.ID, user: m.From, at: time.Unix(secs, 0).UTC()}
			if m.Type == "text" && m.Text != nil {
				in.text = m.Text.Body
			}
			out = append(out, in)
		}
	}
	return out
}

// decodePageEntry reads entry[].messaging[] of Messenger and Instagram
// messaging webhooks. The account is entry.id (the page or Instagram
// account). Events in standby (another app owns the thread) and entry
// changes (feed, comments, mentions) are not messages to us.
func decodePageEntry(raw json.RawMessage, dropped counts) []inbound {
	var entry struct {
		ID        json.RawMessage   `json:"id"`
		Messaging []json.RawMessage `json:"messaging"`
		Standby   []json.RawMessage `json:"standby"`
		Changes   []json.RawMessage `json:"changes"`
	}
	if json.Unmarshal(raw, &entry) != nil {
		dropped.add(DropInvalid, 1)
		return nil
	}
	dropped.add(DropUnsupported, len(entry.Standby)+len(entry.Changes))
	account := idString(entry.ID)
	var out []inbound
	for _, rm := range entry.Messaging {
		var m struct {
			Sender struct {
				ID json.RawMessage `json:"id"`
			} `json:"sender"`
			Timestamp int64 `json:"timestamp"`
			Message   *struct {
				Mid       string `json:"mid"`
				Text      string `json:"text"`
				IsEcho    bool   `json:"is_echo"`
				IsDeleted bool   `json:"is_deleted"`
			} `json:"message"`
			Postback *struct {
				Mid string `json:"mid"`
			} `json:"postback"`
			Delivery json.RawMessage `json:"delivery"`
			Read     json.RawMessage `json:"read"`
			Reaction json.RawMessage `json:"reaction"`
		}
		if json.Unmarshal(rm, &m) != nil {
			dropped.add(DropInvalid, 1)
			continue
		}
		in := inbound{account: account, user: idString(m.Sender.ID)}
		switch {
		case m.Message != nil && m.Message.IsEcho:
			dropped.add(DropEcho, 1)
			continue
		case m.Message != nil && m.Message.IsDeleted:
			dropped.add(DropUnsupported, 1)
			continue
		case m.Message != nil:
			in.msgID, in.text = m.Message.Mid, m.Message.Text
		case m.Postback != nil:
			// A tap on a button the page offered: the customer acting in the
			// conversation, as much an interaction as typing.
			in.msgID = m.Postback.Mid
		case len(m.Delivery) > 0 || len(m.Read) > 0:
			dropped.add(DropReceipt, 1)
			continue
		case len(m.Reaction) > 0:
			dropped.add(DropReaction, 1)
			continue
		default:
			dropped.add(DropUnsupported, 1)
			continue
		}
		if in.msgID == "" || in.user == "" || m.Timestamp <= 0 {
			dropped.add(DropInvalid, 1)
			continue
		}
		in.at = time.UnixMilli(m.Timestamp).UTC()
		out = append(out, in)
	}
	return out
}

// idString reads an id Meta sends as a string (documented) or, defensively,
// as a number.
func idString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// eventID fits a provider message id into the contract's id: ids longer than
// event.MaxIDLen (Instagram mids can be) are replaced by a digest, which is
// as stable as the id itself, so redeliveries still deduplicate.
func eventID(id string) string {
	if len(id) <= contract.MaxIDLen && utf8.ValidString(id) {
		return id
	}
	h := sha256.Sum256([]byte(id))
	return "sha256:" + hex.EncodeToString(h[:])
}

// clipText cuts text to the contract's byte bound (contract.MaxTextBytes) at
// a rune boundary.
func clipText(s string) string {
	if len(s) <= contract.MaxTextBytes {
		return s
	}
	cut := contract.MaxTextBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// toEvents turns one inbound message of an organization into its events:
// a contact.upserted (unless skipped) and the message.received, in that
// order, both in the contact's message group.
func toEvents(p Provider, in inbound, org, routedTo string, upsert bool) []contract.Event {
	contact := p.contactPrefix() + in.user
	var out []contract.Event
	if upsert {
		up := contract.Event{
			SpecVersion: "1.0",
			// One id per contact, not per message: every later upsert of the
			// same contact is the same event, dropped by deduplication.
			ID:     eventID("contact:" + contact),
			Source: p.Source(), Type: contract.ContactUpserted, Time: in.at, OrgID: org,
			Data: contract.Data{ContactID: contact},
		}
		if p == WhatsApp {
			// wa_id is the sender's number without "+"; a user id that is not
			// a number keeps the contact without a phone.
			if phone := "+" + in.user; contract.ValidPhone(phone) {
				up.Data.Phone = phone
			}
		}
		out = append(out, up)
	}
	out = append(out, contract.Event{
		SpecVersion: "1.0",
		ID:          eventID(in.msgID),
		Source:      p.Source(), Type: contract.MessageReceived, Time: in.at, OrgID: org,
		Data: contract.Data{ContactID: contact, Channel: string(p), RoutedTo: routedTo, Text: clipText(in.text)},
	})
	return out
}
