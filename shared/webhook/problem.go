package webhook

import (
	"errors"
	"fmt"

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

// problems answers every error of the webhooks (httpedge's one mapping of
// errors to statuses), with the request id in each document: its errors
// name the event of a batch by index (httpedge.Field.At) and a 503 lists
// the per-event results.
var problems = httpedge.Problems{RequestID: true}

// fail is an error of kind with the problem type producers switch on.
func fail(kind httpedge.Kind, urn, detail string, fields ...httpedge.Field) *httpedge.Error {
	return httpedge.Fail(kind, detail, fields...).Typed(urn)
}

// retryLater is the 503 of a dependency that is down, with its Retry-After.
func retryLater(detail string) *httpedge.Error {
	return fail(httpedge.Unavailable, ProblemUnavailable, detail).With("Retry-After", "5")
}

// readFailure is the problem of a body readBody could not read: too large
// for max, or unreadable.
func readFailure(err error, max int64) *httpedge.Error {
	if errors.Is(err, errTooLarge) {
		return fail(httpedge.TooLarge, ProblemTooLarge, fmt.Sprintf("the body is larger than %d bytes", max))
	}
	return fail(httpedge.Invalid, ProblemMalformedBody, "the body could not be read")
}
