package webhook

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/httpedge"
)

// MetaAccepted is the 200 answer to a Meta delivery. Meta only needs the
// 200; the counts are for people reading logs and tests.
type MetaAccepted struct {
	Messages int            `json:"messages"` // customer messages turned into message.received
	Enqueued int            `json:"enqueued"` // events enqueued (message.received and contact.upserted)
	Dropped  map[string]int `json:"dropped"`  // by reason (Drop* constants)
}

// maxChallenge bounds the echoed hub.challenge (Meta sends a short integer).
const maxChallenge = 256

// safeChallenge accepts the challenges Meta sends (digits) and anything of
// the same harmless alphabet, so the echo can never carry markup.
func safeChallenge(s string) bool {
	if s == "" || len(s) > maxChallenge {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// serveVerify is Meta's subscription handshake: GET with hub.mode=subscribe,
// hub.verify_token equal to ours and hub.challenge echoed as plain text.
func (h *Handler) serveVerify(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	token := []byte(q.Get("hub.verify_token"))
	challenge := q.Get("hub.challenge")
	ok := q.Get("hub.mode") == "subscribe" &&
		subtle.ConstantTimeCompare(token, h.cfg.MetaVerifyToken) == 1 &&
		safeChallenge(challenge)
	if !ok {
		return fail(httpedge.Forbidden, ProblemForbidden, "verification failed")
	}
	httpedge.Annotate(r.Context(), "verified", true)
	httpedge.WriteBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte(challenge))
	return nil
}

// serveMeta is a Meta delivery: signature over the raw body, then the
// customer messages become events of the account's organization. What is
// not a customer message (statuses, echoes, receipts...) and accounts that
// no organization owns are dropped and counted, never failed: Meta retries
// failures and would only deliver the same thing again. A queue or table
// outage is a 503, which Meta retries: nothing is lost.
func (h *Handler) serveMeta(ctx context.Context, w http.ResponseWriter, r *http.Request, p Provider) error {
	body, err := readBody(r, h.cfg.MaxMetaBodyBytes)
	if err != nil {
		return readFailure(err, h.cfg.MaxMetaBodyBytes)
	}
	if err := verifyMeta(r.Header.Get(HeaderHubSignature256), body, h.cfg.MetaAppSecret); err != nil {
		httpedge.Log(ctx).Warn("meta signature rejected")
		return fail(httpedge.Unauthenticated, ProblemUnauthenticated, "X-Hub-Signature-256 does not match")
	}
	items, dropped, err := decodeMeta(p, body)
	if err != nil {
		return fail(httpedge.Invalid, ProblemMalformedBody, "not a "+string(p)+" webhook payload")
	}
	now := h.now()
	events, messages, err := h.metaEvents(ctx, p, items, dropped, now, httpedge.Log(ctx))
	if err != nil {
		httpedge.Log(ctx).Error("provider account lookup failed", "error", err)
		return retryLater("temporarily unable to process; retry")
	}
	enqueued := 0
	if len(events) > 0 {
		pctx, cancel := detached(ctx)
		defer cancel()
		results, err := h.pub.Publish(pctx, events)
		for _, res := range results {
			if res.Err == nil {
				enqueued++
			}
		}
		if err != nil {
			httpedge.Annotate(ctx, "messages", messages, "enqueued", enqueued, "failed", len(events)-enqueued)
			httpedge.Log(ctx).Error("enqueue failed", "error", err)
			return retryLater("temporarily unable to enqueue; retry")
		}
	}
	httpedge.Annotate(ctx, append([]any{"messages", messages, "enqueued", enqueued}, dropAttrs(dropped)...)...)
	httpedge.WriteJSON(w, http.StatusOK, "application/json", MetaAccepted{Messages: messages, Enqueued: enqueued, Dropped: dropped})
	return nil
}

// metaEvents ties each inbound message to its organization and builds its
// validated events. The only error is a lookup that could not be made.
func (h *Handler) metaEvents(ctx context.Context, p Provider, items []inbound, dropped counts, now time.Time, log *slog.Logger) ([]contract.Event, int, error) {
	type org struct {
		id string
		ok bool
	}
	orgs := map[string]org{}
	var events []contract.Event
	seen := map[string]bool{}
	messages := 0
	for _, in := range items {
		o, cached := orgs[in.account]
		if !cached {
			id, ok, err := h.accts.OrgFor(ctx, p, in.account)
			if err != nil {
				return nil, 0, err
			}
			o = org{id, ok}
			orgs[in.account] = o
			if !ok {
				// The account id is the provider's, not personal data.
				log.Warn("unknown provider account", "account", truncate(in.account, 128))
			}
		}
		if !o.ok {
			dropped.add(DropUnknownAccount, 1)
			continue
		}
		evs := toEvents(p, in, o.id, h.cfg.DefaultRoutedTo, !h.cfg.SkipContactUpserts)
		valid := true
		for _, ev := range evs {
			if err := ev.Validate(now); err != nil {
				valid = false
				log.Warn("inbound message dropped", "invalidFields", fieldNames(err))
				break
			}
		}
		if !valid {
			dropped.add(DropInvalid, 1)
			continue
		}
		for _, ev := range evs {
			// Several messages of one contact in a delivery share one upsert;
			// a message Meta repeats within a delivery is sent once.
			if k := ev.DeduplicationID(); !seen[k] {
				seen[k] = true
				events = append(events, ev)
			}
		}
		messages++
	}
	return events, messages, nil
}

// fieldNames lists the fields at fault, never their values.
func fieldNames(err error) []string {
	var ve *contract.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	out := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		out[i] = f.Field
	}
	return out
}

func dropAttrs(c counts) []any {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		out = append(out, "dropped_"+k, c[k])
	}
	return out
}
