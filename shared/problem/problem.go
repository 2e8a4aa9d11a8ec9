// Package problem writes RFC 9457 problem details (application/problem+json)
// so every error a client sees has the same shape and names the field at
// fault. Internal error text never reaches a response.
package problem

import (
	"encoding/json"
	"net/http"
)

// ContentType is the media type of problem details.
const ContentType = "application/problem+json"

// Field is one invalid input.
type Field struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Details is a problem document.
type Details struct {
	Type   string  `json:"type"`
	Title  string  `json:"title"`
	Status int     `json:"status"`
	Detail string  `json:"detail,omitempty"`
	Errors []Field `json:"errors,omitempty"`
}

// Write sends a problem with the status's standard title.
func Write(w http.ResponseWriter, status int, detail string, fields ...Field) {
	d := Details{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(d)
}

// Body renders a problem document without a ResponseWriter (for API
// Gateway responses built by hand, such as the authorizer's 401).
func Body(status int, detail string) []byte {
	b, _ := json.Marshal(Details{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
	return b
}
