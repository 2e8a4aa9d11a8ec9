// Package httpedge is the HTTP edge every handler of this project shares:
// the Home API (package home), the webhooks (package webhook) and the local
// runner that plays API Gateway (infra/local/runner). It owns how an error
// reaches a client (RFC 9457 problem details, with the same headers
// everywhere), the 401 and its challenge, the request id, the one access-log
// line per request, and reading a header list that API Gateway split at its
// commas. A rule about the HTTP edge lives here and nowhere else.
package httpedge

import (
	"encoding/json"
	"net/http"
)

// ProblemContentType is the media type of problem details.
const ProblemContentType = "application/problem+json"

// Field is one invalid input of a request, named as the client sent it.
// Index, set by At, is the event of a batch the field belongs to (the
// webhooks' documents); the Home API's fields have none.
type Field struct {
	Index  *int   `json:"index,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// At is the field as the one of the i-th item of a batch.
func (f Field) At(i int) Field {
	f.Index = &i
	return f
}

// Problem is the problem document every server of the project answers
// with. The Home API's carries type, title, status, detail and errors; the
// webhooks' adds the request id, event indexes and per-event results.
type Problem struct {
	Type      string  `json:"type"`
	Title     string  `json:"title"`
	Status    int     `json:"status"`
	Detail    string  `json:"detail,omitempty"`
	RequestID string  `json:"requestId,omitempty"`
	Errors    []Field `json:"errors,omitempty"`
	Results   any     `json:"results,omitempty"`
}

// NewProblem is a problem of the plain HTTP kind ("about:blank") with the
// status's standard title.
func NewProblem(status int, detail string, fields ...Field) Problem {
	return Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields}
}

// WriteProblem answers with a problem of the status's standard title,
// naming each field at fault: the gateway's own answers in the runner and
// the sign-in page. Handlers return an *Error to WriteError instead.
// Internal error text never goes in detail.
func WriteProblem(w http.ResponseWriter, status int, detail string, fields ...Field) {
	writeProblem(w, NewProblem(status, detail, fields...))
}

// writeProblem sends a problem document, one JSON line.
func writeProblem(w http.ResponseWriter, p Problem) {
	b, err := json.Marshal(p)
	if err != nil {
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	WriteBody(w, p.Status, ProblemContentType, append(b, '\n'))
}

// ProblemBody renders a problem document without a ResponseWriter, for an
// API Gateway response built by hand (the Lambda adapter's 400 in package
// app); send it with ProblemHeaders.
func ProblemBody(status int, detail string) []byte {
	b, _ := json.Marshal(NewProblem(status, detail))
	return b
}

// ProblemHeaders are the headers of a problem answer built by hand.
func ProblemHeaders() map[string]string {
	h := http.Header{}
	setHeaders(h, ProblemContentType)
	out := map[string]string{}
	for k := range h {
		out[k] = h.Get(k)
	}
	return out
}

// WriteJSON answers with v marshalled as contentType (a JSON or a problem
// document), with the headers every document of the edge carries. Only
// plain structs are given to it; were one to fail to marshal, the client
// still gets a well-formed 500 problem.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		status, contentType = http.StatusInternalServerError, ProblemContentType
	}
	WriteBody(w, status, contentType, b)
}

// Unauthorized answers ErrUnauthorized, for the runner's authorizer.
func Unauthorized(w http.ResponseWriter) {
	e := ErrUnauthorized()
	w.Header().Set("WWW-Authenticate", e.Header.Get("WWW-Authenticate"))
	WriteProblem(w, e.Kind.Status(), e.Detail)
}

// WriteBody answers with body as contentType, with the headers every
// document of the edge carries.
func WriteBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	setHeaders(w.Header(), contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// setHeaders: a document is never sniffed as another type (a problem whose
// detail echoes input must not render as HTML) and never stored by caches.
func setHeaders(h http.Header, contentType string) {
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}
