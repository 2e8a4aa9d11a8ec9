// Package problem is the former home of problem details, now package
// httpedge. This forwarder exists only because shared/home/export.go,
// rewritten on another branch at the same time, still imports it; delete
// the package once that file uses httpedge (it is not marked Deprecated so
// that staticcheck, and make lint, stay green meanwhile).
package problem

import (
	"net/http"

	"github.com/customercloud/home/shared/httpedge"
)

// Field is httpedge.Field.
type Field = httpedge.Field

// Write is httpedge.WriteProblem.
func Write(w http.ResponseWriter, status int, detail string, fields ...Field) {
	httpedge.WriteProblem(w, status, detail, fields...)
}
