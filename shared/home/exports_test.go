package home_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/pipeline"
)

// TestAsyncExportEqualsDirectCSVAndJSONLedger: given a month of activity
// (formula-like contact ids, named expert agents) and the worker writing
// 1 KiB parts, when the Admin POSTs /v1/consumption/exports for the range
// and the worker runs the queued job, then the export is done, its
// presigned link downloads with a plain GET the very bytes of the direct
// CSV download, which Python's csv module reads as exactly the JSON
// ledger, in many parts; the daily view likewise; another organization's
// Admin cannot see it (404); an Operator or Agent cannot ask (403); bad
// bodies are refused naming the field.
func TestAsyncExportEqualsDirectCSVAndJSONLedger(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true, Exports: true, ExportPartSize: 1024})
	const org = "bigexport"
	seedExportOrg(t, p, org, 7, []string{"=1+", "-x", "@y", ""}, "xa-2")
	admin := p.Token(t, org, auth.Admin)
	const from, to = "2026-10-21", "2026-11-20"

	all := consumptionPages(t, p, admin, "from="+from+"&to="+to)
	ledger, wantRows := all.Ledger, csvRows(all)
	if len(ledger) < 20 {
		t.Fatalf("only %d ledger entries", len(ledger))
	}

	for _, view := range []string{export.ViewLedger, export.ViewDaily} {
		direct := call(t, p.Runner, apiRequest("GET", "/v1/consumption?view="+view+"&from="+from+"&to="+to, admin, nil, "Accept", "text/csv"))
		if direct.Code != http.StatusOK {
			t.Fatalf("direct %s: %d %s", view, direct.Code, direct.Body)
		}
		rec := call(t, p.Runner, apiRequest("POST", home.ExportsPath, admin, []byte(fmt.Sprintf(`{"from":%q,"to":%q,"view":%q}`, from, to, view))))
		if rec.Code != http.StatusAccepted {
			t.Fatalf("POST %s: %d %s", view, rec.Code, rec.Body)
		}
		var st home.ExportStatus
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
			t.Fatal(err)
		}
		if st.Status != export.StatusQueued || rec.Header().Get("Location") != home.ExportsPath+"/"+st.ID || st.Download != nil {
			t.Fatalf("accepted %+v, Location %q", st, rec.Header().Get("Location"))
		}
		if got := st.ExpiresAt.Sub(st.CreatedAt); got < export.Retention-2e9 || got > export.Retention {
			t.Fatalf("expires %v after creation, want %v", got, export.Retention)
		}
		if n := p.RunExports(t); n != 1 {
			t.Fatalf("worker received %d jobs, want 1", n)
		}
		rec = call(t, p.Runner, apiRequest("GET", home.ExportsPath+"/"+st.ID, admin, nil))
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("%d %s %v", rec.Code, rec.Body, err)
		}
		if st.Status != export.StatusDone || st.Download == nil || !strings.Contains(st.Download.URL, "X-Amz-Signature=") ||
			!strings.Contains(st.Download.URL, "X-Amz-Expires=900") {
			t.Fatalf("status %+v", st)
		}
		res, err := http.Get(st.Download.URL)
		if err != nil {
			t.Fatal(err)
		}
		file, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("download: %d %s", res.StatusCode, file)
		}
		if string(file) != direct.Body.String() {
			t.Fatalf("%s: the file (%d bytes) differs from the direct download (%d bytes)", view, len(file), direct.Body.Len())
		}
		if st.Bytes != int64(len(file)) {
			t.Fatalf("status says %d bytes, file has %d", st.Bytes, len(file))
		}
		if view == export.ViewLedger {
			var rows []map[string]string
			if err := json.Unmarshal(python(t, readCSV, file), &rows); err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(ledger) || st.Rows != int64(len(ledger)) {
				t.Fatalf("%d CSV rows (status %d), %d ledger entries", len(rows), st.Rows, len(ledger))
			}
			for i := range ledger {
				want := wantRows[i]
				if fmt.Sprint(rows[i]) != fmt.Sprint(want) {
					t.Fatalf("row %d:\n csv  %v\n json %v", i, rows[i], want)
				}
			}
			if len(file) < 3*1024 {
				t.Fatalf("a %d-byte file does not exercise several 1 KiB parts", len(file))
			}
		}

		// Another organization's Admin does not find it.
		other := p.Token(t, "someone-else", auth.Admin)
		problemFields(t, call(t, p.Runner, apiRequest("GET", home.ExportsPath+"/"+st.ID, other, nil)), http.StatusNotFound)
	}

	// Only the Admin may ask or look.
	for _, prof := range []auth.Profile{auth.Operator, auth.Agent} {
		problemFields(t, call(t, p.Runner, apiRequest("POST", home.ExportsPath, p.Token(t, org, prof), []byte(`{}`))), http.StatusForbidden)
	}
	// Bad bodies name the field; an unknown id is 404.
	for body, field := range map[string]string{
		`{"view":"monthly"}`:                      "view",
		`{"from":"2026-13-01"}`:                   "from",
		`{"from":"2026-11-20","to":"2026-11-19"}`: "to",
		`{"from":"2025-01-01","to":"2026-11-20"}`: "to",
		`{"to":"10000-01-01"}`:                    "to",
		`{"extra":1}`:                             "extra",
		`{"view":null}`:                           "view",
		`[]`:                                      "body",
	} {
		if fs := problemFields(t, call(t, p.Runner, apiRequest("POST", home.ExportsPath, admin, []byte(body))), http.StatusBadRequest); len(fs) == 0 || fs[0] != field {
			t.Errorf("%s: fields %v, want %s", body, fs, field)
		}
	}
	problemFields(t, call(t, p.Runner, apiRequest("GET", home.ExportsPath+"/exp_00000000000000000000000000000000", admin, nil)), http.StatusNotFound)
	problemFields(t, call(t, p.Runner, apiRequest("GET", home.ExportsPath+"/nope", admin, nil)), http.StatusNotFound)
}

// TestDirectCSVOverTheLimitPointsToExports: given a day whose totals say
// 30,001 debits, when the Admin asks for the ledger as CSV, then the answer
// is 413 problem+json naming "to" with a Link to the export route, and the
// daily view of the same range (one row a day) is still served.
func TestDirectCSVOverTheLimitPointsToExports(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	const org = "toolarge"
	if err := p.Store.PutPlan(context.Background(), org, plan.Plan{Name: "Pro", CycleStartDay: 1, IncludedInteractionz: 50, Seats: 2}); err != nil {
		t.Fatal(err)
	}
	k := keys.DayTotals(org, "2026-11-10", 0)
	if _, err := p.Env.DDB.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &p.Table, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: k.PK}, "sk": &types.AttributeValueMemberS{Value: k.SK},
		store.TotalAttr: &types.AttributeValueMemberN{Value: fmt.Sprint(home.MaxCSVRows + 1)},
	}}); err != nil {
		t.Fatal(err)
	}
	admin := p.Token(t, org, auth.Admin)
	rec := call(t, p.Runner, apiRequest("GET", "/v1/consumption?from=2026-11-01&to=2026-11-20", admin, nil, "Accept", "text/csv"))
	if fs := problemFields(t, rec, http.StatusRequestEntityTooLarge); len(fs) != 1 || fs[0] != "to" {
		t.Fatalf("fields %v", fs)
	}
	if l := rec.Header().Get("Link"); !strings.Contains(l, "<"+home.ExportsPath+">") {
		t.Fatalf("Link %q", l)
	}
	if !strings.Contains(rec.Body.String(), "POST "+home.ExportsPath) {
		t.Fatalf("detail does not point to the export route: %s", rec.Body)
	}
	rec = call(t, p.Runner, apiRequest("GET", "/v1/consumption?view=daily&from=2026-11-01&to=2026-11-20", admin, nil, "Accept", "text/csv"))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "2026-11-10,30001,") {
		t.Fatalf("daily: %d %s", rec.Code, rec.Body)
	}
}
