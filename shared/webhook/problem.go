package webhook

import (
	"net/http"

	"github.com/customercloud/home/shared/httpedge"
)

// Problem types (RFC 9457 "type"). They are URNs: stable identifiers the
// producers can switch on, documented in docs/WEBHOOKS.md. ProblemBlank is
// RFC 9457's "about:blank", for plain HTTP statuses (404, 405).
const (
	ProblemInvalidEvent     = "urn:customercloud:problem:invalid-event"
	ProblemMalformedBody    = "urn:customercloud:problem:malformed-body"
	ProblemUnauthenticated  = "urn:customercloud:problem:unauthenticated"
	ProblemForbidden        = "urn:customercloud:problem:forbidden"
	ProblemTooLarge         = "urn:customercloud:problem:too-large"
	ProblemUnsupportedMedia = "urn:customercloud:problem:unsupported-media-type"
	ProblemReplayConflict   = "urn:customercloud:problem:webhook-id-reused"
	ProblemUnavailable      = "urn:customercloud:problem:queue-unavailable"
	ProblemBlank            = "about:blank"
)

// ContentTypeProblem is the media type of error answers.
const ContentTypeProblem = httpedge.ProblemContentType

// Problem is an RFC 9457 problem details document. Errors lists each invalid
// field of each event; Results (on a 503) says which events of the request
// are on the queue and which are not.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
	Errors    []ProblemError `json:"errors,omitempty"`
	Results   []EventResult  `json:"results,omitempty"`
}

// ProblemError is one invalid field of the event at Index (0 for a single
// event). An empty Field means the event as a whole (e.g. not an object).
type ProblemError struct {
	Index  int    `json:"index"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	writeJSON(w, p.Status, ContentTypeProblem, p)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	httpedge.WriteJSON(w, status, contentType, v)
}
