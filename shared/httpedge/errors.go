package httpedge

import (
	"errors"
	"net/http"
)

// Kind is what went wrong with a request, in words a domain package can
// use without choosing an HTTP status; Kind.Status is the one place a kind
// becomes one.
type Kind uint8

// The kinds of failure a client can act on.
const (
	Invalid          Kind = iota + 1 // 400: malformed, or a parameter out of its rule
	Unauthenticated                  // 401: no valid credentials
	Forbidden                        // 403: authenticated, not allowed
	NotFound                         // 404: no such resource or route
	MethodNotAllowed                 // 405: the path has no such operation
	Conflict                         // 409: the request contradicts one already made
	TooLarge                         // 413: over a size limit
	UnsupportedMedia                 // 415: a body of a media type not taken
	Unprocessable                    // 422: well-formed, but breaks a domain rule
	Unavailable                      // 503: a dependency is down; retry
)

// Status is the HTTP status of a kind; an unknown kind is a 500.
func (k Kind) Status() int {
	switch k {
	case Invalid:
		return http.StatusBadRequest
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case Conflict:
		return http.StatusConflict
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case UnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case Unprocessable:
		return http.StatusUnprocessableEntity
	case Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Error is a failure the client can act on: its kind, a detail safe to
// show (it never carries internal error text) and the fields at fault.
// Handlers and the packages they call return it as an error; Problems.Write
// turns it into its status and problem document.
type Error struct {
	Kind   Kind
	Detail string
	Fields []Field
	// Type is the problem's RFC 9457 type; empty is "about:blank".
	Type string
	// Results is an extension member of the document (the webhooks'
	// per-event outcomes of a 503); nil leaves it out.
	Results any
	// Header is set on the answer (Allow, Retry-After, Link, a challenge).
	Header http.Header
}

// Fail is an Error of kind with detail and the fields at fault.
func Fail(kind Kind, detail string, fields ...Field) *Error {
	return &Error{Kind: kind, Detail: detail, Fields: fields}
}

// Error is the detail, what a client is told.
func (e *Error) Error() string { return e.Detail }

// Typed gives the problem a type URN, for clients that switch on it.
func (e *Error) Typed(urn string) *Error {
	e.Type = urn
	return e
}

// With sets a header of the answer.
func (e *Error) With(key, value string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set(key, value)
	return e
}

// ErrUnauthorized is the 401 of a request without a valid bearer token. It
// always names the scheme (RFC 9110 §11.6.1), as API Gateway's own 401 does.
func ErrUnauthorized() *Error {
	return Fail(Unauthenticated, "a valid bearer token is required").With("WWW-Authenticate", "Bearer")
}

// InternalDetail is all a client learns of a failure that is not an
// Error: the text of the error itself goes to the log only.
const InternalDetail = "the request could not be completed; retry later"

// Problems is how one server answers errors: the one place an error
// becomes a status and a problem document.
type Problems struct {
	// RequestID puts the request id in every document (the webhooks'
	// documents carry requestId; the Home API's documented Problem has no
	// such member, so there the id is in the error's log line only).
	RequestID bool
}

// WriteError answers err as the Home API, the runner and the sign-in page
// do: Problems without the request id in the body.
func WriteError(w http.ResponseWriter, r *http.Request, err error) { Problems{}.Write(w, r, err) }

// Write answers err: an *Error anywhere in its chain as its kind's status
// and problem; anything else is logged with the request id and answered
// 500 with InternalDetail, never its text.
func (p Problems) Write(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	var e *Error
	if !errors.As(err, &e) {
		Log(ctx).ErrorContext(ctx, "request failed", "error", err.Error())
		e = &Error{Detail: InternalDetail}
	}
	doc := NewProblem(e.Kind.Status(), e.Detail, e.Fields...)
	if e.Type != "" {
		doc.Type = e.Type
	}
	doc.Results = e.Results
	if p.RequestID {
		doc.RequestID = RequestIDFrom(ctx)
	}
	for k, vs := range e.Header {
		w.Header()[k] = vs
	}
	writeProblem(w, doc)
}
