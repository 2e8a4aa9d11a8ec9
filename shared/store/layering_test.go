package store_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	module  = "github.com/customercloud/home/"
	storage = module + "shared/store"
	// wiring is where the functions' handlers are built: it links storage
	// into the servers on purpose.
	wiring = module + "shared/wiring"
)

// listed is what `go list -json` says of a package.
type listed struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

// servesHTTP reports whether a package's non-test code takes an
// http.ResponseWriter anywhere (a handler, a method or a closure): it
// writes HTTP responses.
func servesHTTP(t *testing.T, p listed) bool {
	t.Helper()
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s/%s: %v", p.ImportPath, name, err)
		}
		found := false
		ast.Inspect(f, func(n ast.Node) bool {
			ft, ok := n.(*ast.FuncType)
			if !ok || ft.Params == nil {
				return !found
			}
			for _, fld := range ft.Params.List {
				if sel, ok := fld.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "ResponseWriter" {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "http" {
						found = true
					}
				}
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// TestServersDoNotLinkStore holds the layering of issue 15: given every
// package under shared/ but the wiring (shared/wiring/...), when one writes
// HTTP responses, then neither it nor anything it links imports
// shared/store. What such a package serves or reads is typed in the domain
// (shared/records, shared/consumption, shared/metrics) and the storage it
// needs is an interface that *store.Store implements, so the wire format
// and the handlers never depend on how items are stored. The test names
// the import that brings storage in.
// listShared is every package under shared/, in go list's order and by path.
func listShared(t *testing.T) ([]listed, map[string]listed) {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"shared/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	byPath := map[string]listed{}
	var pkgs []listed
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p listed
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		byPath[p.ImportPath] = p
		pkgs = append(pkgs, p)
	}
	return pkgs, byPath
}

// TestMeteringDoesNotLinkStore: the debit, the billing rules' package,
// declares its storage in domain types (records.Batch, ingest.ContactWrite)
// and takes it as an interface, so a change to the item format cannot
// reach the rules, and the rules are testable without the SDK.
func TestMeteringDoesNotLinkStore(t *testing.T) {
	_, byPath := listShared(t)
	debit, ok := byPath[module+"shared/debit"]
	if !ok {
		t.Fatal("no shared/debit: the check is broken")
	}
	if slices.Contains(debit.Deps, storage) {
		t.Errorf("shared/debit links shared/store: type what it needs in records or ingest")
	}
}

func TestServersDoNotLinkStore(t *testing.T) {
	pkgs, byPath := listShared(t)
	var servers []string
	for _, p := range pkgs {
		if p.ImportPath == storage || p.ImportPath == wiring || strings.HasPrefix(p.ImportPath, wiring+"/") || !servesHTTP(t, p) {
			continue
		}
		servers = append(servers, strings.TrimPrefix(p.ImportPath, module))
		if !slices.Contains(p.Deps, storage) {
			continue
		}
		var via []string
		for _, imp := range p.Imports {
			if imp == storage || slices.Contains(byPath[imp].Deps, storage) {
				via = append(via, strings.TrimPrefix(imp, module))
			}
		}
		t.Errorf("%s writes HTTP responses and links shared/store, through %v: type what it serves in the domain and take storage as an interface", p.ImportPath, via)
	}
	// The rule must be about the servers there are, not none.
	for _, want := range []string{"shared/home", "shared/webhook", "shared/httpedge"} {
		if !slices.Contains(servers, want) {
			t.Fatalf("found the HTTP servers %v, which miss %s: the detection is broken", servers, want)
		}
	}
}
