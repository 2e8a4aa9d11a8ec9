package home_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/auth"
	contract1 "github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/tests/pipeline"
)

// readCSV is what Python's csv module reads from the export: every row as a
// dict by header, with the formula-safety apostrophe dropped as documented.
const readCSV = `
import csv, io, json, sys
rows = list(csv.DictReader(io.StringIO(sys.stdin.buffer.read().decode("utf-8-sig"), newline="")))
def raw(v):
    return v[1:] if len(v) > 1 and v[0] == "'" and v[1] in "=+-@\t\r" else v
print(json.dumps([{k: raw(v) for k, v in r.items()} for r in rows]))
`

func python(t *testing.T, program string, stdin []byte) []byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 is required: %v", err)
		}
		t.Skip("python3 not installed")
	}
	cmd := exec.Command(py, "-c", program)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return out
}

// TestCSVExportEqualsJSONLedger: given a month of activity whose contact
// ids start like spreadsheet formulas (+, -, @) and expert agents that name
// themselves, when the Admin asks GET /v1/consumption with Accept: text/csv,
// then Python's csv module reads exactly the JSON ledger of the same range,
// every formula-like cell is defused, and the daily view equals the daily
// totals; a range over the download limit is refused naming the field.
// seedExportOrg gives org a plan and 30 days of nine contacts' generated
// events (seed), delivered: contact ids get prefixes cycled in (formula-like
// ones test the CSV escaping), expert agents' messages the agent id agent.
func seedExportOrg(t *testing.T, p *pipeline.Pipeline, org string, seed uint64, prefixes []string, agent string) {
	t.Helper()
	pl := plan.Plan{Name: "Pro", CycleStartDay: 1, IncludedInteractionz: 50, Seats: 2, TimeZone: "America/Sao_Paulo"}
	if err := p.Store.PutPlan(context.Background(), org, pl); err != nil {
		t.Fatal(err)
	}
	s := gen.Generate(gen.Options{Org: org, Contacts: 9, Days: 30, Now: fixtureNow, Intensity: 0.3, Seed: seed})
	for i := range s.Events {
		e := &s.Events[i]
		if e.Data.ContactID != "" {
			e.Data.ContactID = prefixes[int(e.Data.ContactID[len(e.Data.ContactID)-1])%len(prefixes)] + e.Data.ContactID
		}
		if e.Type == contract1.MessageSent && e.Data.Sender == contract1.SenderExpertAgent {
			e.Data.ExpertAgentID = agent
		}
	}
	p.Deliver(t, s.Events)
}

// consumptionPages reads GET /v1/consumption?query as admin, every page of
// 500: the whole ledger, and the daily totals of the last page.
func consumptionPages(t *testing.T, p *pipeline.Pipeline, admin, query string) home.Consumption {
	t.Helper()
	var all home.Consumption
	cursor := ""
	for {
		target := "/v1/consumption?limit=500&" + query
		if cursor != "" {
			target += "&cursor=" + cursor
		}
		var page home.Consumption
		rec := call(t, p.Runner, apiRequest("GET", target, admin, nil))
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		all.Ledger, all.Daily = append(all.Ledger, page.Ledger...), page.Daily
		if page.NextCursor == nil {
			return all
		}
		cursor = *page.NextCursor
	}
}

// csvRows are c's ledger entries as the CSV export's rows, by header.
func csvRows(c home.Consumption) []map[string]string {
	var out []map[string]string
	for _, e := range c.Ledger {
		out = append(out, map[string]string{"windowStartUtc": e.WindowStart, "windowEndUtc": e.WindowEnd, "localDate": e.Date,
			"contactId": e.ContactID, "lane": e.Lane, "channel": e.Channel, "expertAgentId": e.ExpertAgentID,
			"eventId": e.EventID, "eventSource": e.EventSource, "eventType": e.EventType})
	}
	return out
}

func TestCSVExportEqualsJSONLedger(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{Now: fixtureNow, NoQueue: true})
	const org = "export"
	seedExportOrg(t, p, org, 5, []string{"+55", "-x", "@y", ""}, "xa-1")
	admin := p.Token(t, org, auth.Admin)
	const rng = "from=2026-10-21&to=2026-11-20"

	// The JSON ledger, every page.
	all := consumptionPages(t, p, admin, rng)
	ledger, daily := all.Ledger, all.Daily
	if len(ledger) < 20 {
		t.Fatalf("only %d ledger entries: the stream is too thin", len(ledger))
	}

	rec := call(t, p.Runner, apiRequest("GET", "/v1/consumption?"+rng, admin, nil, "Accept", "text/csv"))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	body := rec.Body.Bytes()
	for _, line := range strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n") {
		for _, cell := range strings.Split(line, ",") {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Fatalf("formula-like cell %q in %q", cell, line)
			}
		}
	}
	var rows []map[string]string
	if err := json.Unmarshal(python(t, readCSV, body), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(ledger) {
		t.Fatalf("%d CSV rows, %d ledger entries", len(rows), len(ledger))
	}
	formulaLike, agents := 0, 0
	wantRows := csvRows(all)
	for i, e := range ledger {
		want := wantRows[i]
		if fmt.Sprint(rows[i]) != fmt.Sprint(want) {
			t.Fatalf("row %d:\n csv  %v\n json %v", i, rows[i], want)
		}
		if strings.ContainsRune("+-@", rune(e.ContactID[0])) {
			formulaLike++
		}
		if e.ExpertAgentID != "" {
			agents++
		}
	}
	if formulaLike == 0 || agents == 0 {
		t.Fatalf("%d formula-like contacts, %d agent rows: the escaping or the agent column went untested", formulaLike, agents)
	}
	t.Logf("%d ledger rows, %d bytes: %.0f bytes per row", len(rows), len(body), float64(len(body))/float64(len(rows)+1))

	// The daily view equals the daily totals.
	rec = call(t, p.Runner, apiRequest("GET", "/v1/consumption?view=daily&"+rng, admin, nil, "Accept", "text/csv"))
	var days []map[string]string
	if err := json.Unmarshal(python(t, readCSV, rec.Body.Bytes()), &days); err != nil {
		t.Fatal(err)
	}
	if len(days) != len(daily) {
		t.Fatalf("%d daily rows, want %d", len(days), len(daily))
	}
	for i, d := range daily {
		if days[i]["localDate"] != d.Date || days[i]["total"] != fmt.Sprint(d.Total) || days[i]["lane_human"] != fmt.Sprint(d.Lanes["human"]) ||
			days[i]["channel_whatsapp"] != fmt.Sprint(d.Channels["whatsapp"]) {
			t.Fatalf("day %d: %v, want %+v", i, days[i], d)
		}
	}

	// Bad input: an unknown view, a cursor; Agent 403.
	if fs := problemFields(t, call(t, p.Runner, apiRequest("GET", "/v1/consumption?view=monthly&"+rng, admin, nil, "Accept", "text/csv")), http.StatusBadRequest); len(fs) != 1 || fs[0] != "view" {
		t.Fatalf("fields %v", fs)
	}
	problemFields(t, call(t, p.Runner, apiRequest("GET", "/v1/consumption?"+rng, p.Token(t, org, auth.Agent), nil, "Accept", "text/csv")), http.StatusForbidden)
}
