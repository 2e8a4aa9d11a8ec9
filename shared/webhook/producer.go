package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/httpedge"
)

// Media types of POST /v1/events (CloudEvents HTTP binding, structured and
// batched modes).
const (
	ContentTypeCloudEvent      = "application/cloudevents+json"
	ContentTypeCloudEventBatch = "application/cloudevents-batch+json"
)

// Event statuses in a producer answer.
const (
	StatusAccepted  = "accepted"  // on the queue
	StatusDuplicate = "duplicate" // same (source, id) earlier in this request, or the request was already enqueued
	StatusFailed    = "failed"    // not on the queue: retry the request
)

// EventResult is the outcome of one event of a producer request.
type EventResult struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Source string `json:"source"`
	Status string `json:"status"`
}

// Accepted is the 202 answer of POST /v1/events.
type Accepted struct {
	Accepted int           `json:"accepted"`
	Results  []EventResult `json:"results"`
}

// decodeProducerBody turns a producer body of the given media type into
// validated events of org. It is all-or-nothing: any invalid event fails
// the whole request with every error listed, so a batch is never
// half-accepted.
func decodeProducerBody(body []byte, batch bool, org string, now time.Time, maxEvents int) ([]contract.Event, *httpedge.Error) {
	var raws []json.RawMessage
	if batch {
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 || trimmed[0] != '[' {
			return nil, fail(httpedge.Invalid, ProblemMalformedBody, "a batch is a JSON array of CloudEvents")
		}
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, fail(httpedge.Invalid, ProblemMalformedBody, "a batch is a JSON array of CloudEvents: "+syntaxReason(err))
		}
		switch {
		case len(raws) == 0:
			return nil, fail(httpedge.Invalid, ProblemMalformedBody, "the batch is empty")
		case len(raws) > maxEvents:
			return nil, fail(httpedge.TooLarge, ProblemTooLarge, fmt.Sprintf("a batch holds at most %d events, got %d", maxEvents, len(raws)))
		}
	} else {
		raws = []json.RawMessage{body}
	}
	events := make([]contract.Event, len(raws))
	var errs []httpedge.Field
	invalid := map[int]bool{}
	for i, raw := range raws {
		ev, err := contract.Decode(raw, now)
		var ve *contract.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			for _, f := range ve.Fields {
				errs = append(errs, httpedge.Field{Field: f.Field, Reason: f.Reason}.At(i))
				invalid[i] = true
			}
		default:
			if !batch {
				return nil, fail(httpedge.Invalid, ProblemMalformedBody, "the body is not a CloudEvent JSON object")
			}
			errs = append(errs, httpedge.Field{Field: "", Reason: "not a CloudEvent JSON object"}.At(i))
			invalid[i] = true
			continue
		}
		// The organization is the one whose secret signed the request.
		if ev.OrgID != org && contract.ValidID(ev.OrgID) {
			errs = append(errs, httpedge.Field{Field: "orgid", Reason: "must be the authenticated organization (" + HeaderWebhookOrg + ")"}.At(i))
			invalid[i] = true
		}
		events[i] = ev
	}
	if len(errs) > 0 {
		return nil, fail(httpedge.Unprocessable, ProblemInvalidEvent,
			fmt.Sprintf("%d of %d events are invalid; nothing was enqueued", len(invalid), len(raws)), errs...)
	}
	return events, nil
}

// syntaxReason describes a JSON error without quoting the body.
func syntaxReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "an element is not a JSON value of the expected type"
	}
	return "invalid JSON"
}

// serveEvents is POST /v1/events.
func (h *Handler) serveEvents(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != ContentTypeCloudEvent && mt != ContentTypeCloudEventBatch) {
		return fail(httpedge.UnsupportedMedia, ProblemUnsupportedMedia, "send "+ContentTypeCloudEvent+" or "+ContentTypeCloudEventBatch)
	}
	batch := mt == ContentTypeCloudEventBatch
	body, err := readBody(r, h.cfg.MaxBodyBytes)
	if err != nil {
		return readFailure(err, h.cfg.MaxBodyBytes)
	}
	now := h.now()
	hdr := producerHeaders{
		id: r.Header.Get(HeaderWebhookID), timestamp: r.Header.Get(HeaderWebhookTimestamp),
		signature: httpedge.HeaderList(r, HeaderWebhookSignature), org: r.Header.Get(HeaderWebhookOrg),
	}
	if err := verifyProducer(hdr, body, h.cfg.ProducerSecrets[hdr.org], now, h.cfg.ReplayWindow); err != nil {
		// ErrUnknownOrg and ErrBadSignature answer the same, so the endpoint
		// does not tell which organizations exist.
		reason := err
		if errors.Is(err, ErrUnknownOrg) {
			reason = ErrBadSignature
		}
		httpedge.Log(ctx).Warn("producer authentication failed", "reason", err.Error())
		return fail(httpedge.Unauthenticated, ProblemUnauthenticated, reason.Error())
	}
	httpedge.Annotate(ctx, "org", hdr.org, "webhookId", hdr.id)
	events, perr := decodeProducerBody(body, batch, hdr.org, now, h.cfg.MaxBatchEvents)
	if perr != nil {
		if len(perr.Fields) > 0 {
			httpedge.Annotate(ctx, "invalidFields", len(perr.Fields))
		}
		return perr
	}
	results := make([]EventResult, len(events))
	var send []contract.Event
	var sendIdx []int
	seen := map[string]bool{}
	for i, ev := range events {
		results[i] = EventResult{Index: i, ID: ev.ID, Source: ev.Source, Status: StatusAccepted}
		if k := ev.DeduplicationID(); seen[k] {
			results[i].Status = StatusDuplicate
			continue
		} else {
			seen[k] = true
		}
		send = append(send, ev)
		sendIdx = append(sendIdx, i)
	}
	switch h.replay.check(hdr.org, hdr.id, body, now) {
	case replaySame:
		for i := range results {
			results[i].Status = StatusDuplicate
		}
		httpedge.WriteJSON(w, http.StatusAccepted, "application/json", Accepted{Results: results})
		httpedge.Annotate(ctx, "events", len(events), "replayed", true)
		return nil
	case replayConflict:
		return fail(httpedge.Conflict, ProblemReplayConflict,
			"this webhook-id was already used with a different body; use a new webhook-id for new content")
	}
	pctx, cancel := detached(ctx)
	defer cancel()
	pubResults, err := h.pub.Publish(pctx, send)
	failed := 0
	for j, pr := range pubResults {
		if j < len(sendIdx) && pr.Err != nil {
			results[sendIdx[j]].Status = StatusFailed
			failed++
		}
	}
	if err != nil && failed == 0 {
		// A publisher error without a per-event failure: treat all as failed.
		for _, i := range sendIdx {
			results[i].Status = StatusFailed
		}
		failed = len(sendIdx)
	}
	httpedge.Annotate(ctx, "events", len(events), "enqueued", len(send)-failed, "failed", failed)
	if failed > 0 {
		httpedge.Log(ctx).Error("enqueue failed", "error", err)
		e := retryLater(fmt.Sprintf("%d of %d events are not on the queue; retry the same request (events already enqueued are deduplicated)", failed, len(send)))
		e.Results = results
		return e
	}
	h.replay.remember(hdr.org, hdr.id, body, replayExpiry(hdr.timestamp, h.cfg.ReplayWindow, now), now)
	httpedge.WriteJSON(w, http.StatusAccepted, "application/json", Accepted{Accepted: len(send), Results: results})
	return nil
}

// replayExpiry is when a request signed at timestamp stops being accepted.
func replayExpiry(timestamp string, window time.Duration, now time.Time) time.Time {
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return now.Add(window)
	}
	return time.Unix(secs, 0).Add(window)
}
