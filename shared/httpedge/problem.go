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
type Field struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Problem is the problem document the Home API and the runner answer with.
// The webhooks' own document (package webhook) adds request ids, event
// indexes and per-event results, and goes out through WriteJSON.
type Problem struct {
	Type   string  `json:"type"`
	Title  string  `json:"title"`
	Status int     `json:"status"`
	Detail string  `json:"detail,omitempty"`
	Errors []Field `json:"errors,omitempty"`
}

// NewProblem is a problem of the plain HTTP kind ("about:blank") with the
// status's standard title.
func NewProblem(status int, detail string, fields ...Field) Problem {
	return Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields}
}

// WriteProblem answers with a problem of the status's standard title,
// naming each field at fault. Internal error text never goes in detail.
func WriteProblem(w http.ResponseWriter, status int, detail string, fields ...Field) {
	b, _ := json.Marshal(NewProblem(status, detail, fields...))
	WriteBody(w, status, ProblemContentType, append(b, '\n'))
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

// Unauthorized is the 401 of a request without a valid bearer token. It
// always names the scheme (RFC 9110 §11.6.1), as API Gateway's own 401 does.
func Unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	WriteProblem(w, http.StatusUnauthorized, "a valid bearer token is required")
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
