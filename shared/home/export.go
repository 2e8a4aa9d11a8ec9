package home

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/event"
	"github.com/customercloud/home/shared/interactionz"
	"github.com/customercloud/home/shared/problem"
	"github.com/customercloud/home/shared/store"
)

// CSV export of GET /v1/consumption (Accept: text/csv).
const (
	// CSVType is the export's media type.
	CSVType = "text/csv"
	// MaxCSVRows bounds a direct download: API Gateway and Lambda answer at
	// most 6 MB (buffered), and a ledger row is about 150 bytes
	// (docs/DESIGN.md). Larger ranges are refused with the figure, so a
	// caller narrows the range instead of receiving a cut file.
	MaxCSVRows = 30000
	// csvPage is the ledger page read per Query while writing.
	csvPage = 500
)

// LedgerCSVHeader and DailyCSVHeader are the exports' header rows.
var (
	LedgerCSVHeader = []string{"windowStartUtc", "windowEndUtc", "localDate", "contactId", "lane", "channel",
		"expertAgentId", "eventId", "eventSource", "eventType"}
	DailyCSVHeader = dailyHeader()
)

func dailyHeader() []string {
	h := []string{"localDate", "total"}
	for _, l := range interactionz.Lanes {
		h = append(h, "lane_"+string(l))
	}
	for _, c := range event.Channels {
		h = append(h, "channel_"+c)
	}
	return h
}

// SafeCell defuses spreadsheet formula injection: a cell that a
// spreadsheet would read as a formula (starting with = + - @, a tab or a
// carriage return) gets a leading apostrophe, which spreadsheets show as
// text and never evaluate (OWASP "CSV injection"). Readers that want the
// raw value drop one leading apostrophe followed by one of those.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// wantsCSV reports whether the Accept header prefers text/csv to JSON.
func wantsCSV(r *http.Request) bool {
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		mt := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		switch strings.ToLower(mt) {
		case CSVType:
			return true
		case "application/json", "*/*", "application/*":
			return false
		}
	}
	return false
}

// exportCSV streams the ledger (or the daily totals) of the range as CSV,
// writing each DynamoDB page as it arrives: memory holds one page, never
// the range.
func (a *API) exportCSV(w http.ResponseWriter, r *http.Request, p auth.Principal, q ConsumptionQuery, loc *time.Location, daily []store.DayTotal) {
	view := r.URL.Query().Get("view")
	if view == "" {
		view = "ledger"
	}
	if view != "ledger" && view != "daily" {
		problem.Write(w, http.StatusBadRequest, "invalid query", problem.Field{Field: "view", Reason: "must be ledger or daily"})
		return
	}
	if q.Cursor != "" || r.URL.Query().Has("limit") {
		problem.Write(w, http.StatusBadRequest, "invalid query", problem.Field{Field: "cursor", Reason: "the CSV export is the whole range: no cursor or limit"})
		return
	}
	var rows int64
	for _, d := range daily {
		rows += d.Total // one ledger row per debit
	}
	if view == "ledger" && rows > MaxCSVRows {
		problem.Write(w, http.StatusBadRequest,
			fmt.Sprintf("the range has %d ledger rows; a download holds at most %d: narrow from/to", rows, MaxCSVRows),
			problem.Field{Field: "to", Reason: "range too large for one CSV download"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8; header=present")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="consumption-%s-%s-%s.csv"`, q.From, q.To, view))
	h.Set("Cache-Control", "private, no-cache")
	// A UTF-8 byte order mark, so spreadsheets read the file as UTF-8.
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	if view == "daily" {
		_ = cw.Write(DailyCSVHeader)
		for _, d := range daily {
			row := []string{d.Date, strconv.FormatInt(d.Total, 10)}
			for _, l := range interactionz.Lanes {
				row = append(row, strconv.FormatInt(d.Lanes[string(l)], 10))
			}
			for _, c := range event.Channels {
				row = append(row, strconv.FormatInt(d.Channels[c], 10))
			}
			_ = cw.Write(row)
		}
		cw.Flush()
		return
	}
	_ = cw.Write(LedgerCSVHeader)
	cursor := ""
	from, to := q.From.Start(loc), q.To.AddDays(1).Start(loc)
	for {
		entries, next, err := a.st.Ledger(r.Context(), p.Org, from, to, cursor, csvPage)
		if err != nil {
			// Headers are sent: the truncated body ends without its last
			// CRLF-terminated row set; log for the operator.
			a.log.ErrorContext(r.Context(), "csv export failed mid-stream", "requestId", requestID(r), "error", err.Error())
			cw.Flush()
			return
		}
		for _, e := range entries {
			_ = cw.Write([]string{e.WindowStart, e.WindowEnd, e.Date, SafeCell(e.ContactID), e.Lane, e.Channel,
				SafeCell(e.ExpertAgentID), SafeCell(e.EventID), SafeCell(e.EventSource), e.EventType})
		}
		cw.Flush()
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if next == "" {
			return
		}
		cursor = next
	}
}
