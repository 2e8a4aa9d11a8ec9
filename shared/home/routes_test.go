package home_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/customercloud/home/shared/resources"
)

// TestOpenAPIDocumentsEveryRoute: given the routes the functions declare
// (shared/resources, from which the templates, the drift test and the
// local runner take them) and the operations docs/openapi.yaml documents,
// when compared, then they are the same set: a route added to one and not
// the other is named here (OPTIONS, the gateway's CORS preflight, is
// documented but belongs to no function).
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	c := loadContract(t)
	var declared, documented []string
	for _, f := range resources.Functions {
		for _, r := range f.Routes {
			declared = append(declared, r.Method+" "+r.Path)
		}
	}
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			if method != http.MethodOptions {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(declared)
	slices.Sort(documented)
	if !slices.Equal(declared, documented) {
		t.Fatalf("routes declared in shared/resources:\n  %s\ndocumented in docs/openapi.yaml:\n  %s",
			strings.Join(declared, "\n  "), strings.Join(documented, "\n  "))
	}
}
