package home

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/httpedge"
)

// CSV export of GET /v1/consumption (Accept: text/csv). The CSV itself is
// package export's (one writer for this download and the S3 files).
const (
	// CSVType is the export's media type.
	CSVType = "text/csv"
	// MaxCSVRows bounds a direct download (export.MaxDirectRows); a larger
	// range is refused with 413 and a pointer to POST
	// /v1/consumption/exports, so a caller never receives a cut file.
	MaxCSVRows = export.MaxDirectRows
	// ExportsPath is the asynchronous export's route.
	ExportsPath = "/v1/consumption/exports"
)

// The exports' header rows and formula-safe cells (package export's).
var (
	LedgerCSVHeader = export.LedgerHeader
	DailyCSVHeader  = export.DailyHeader
	SafeCell        = export.SafeCell
)

// wantsCSV reports whether the Accept header prefers text/csv to JSON.
func wantsCSV(r *http.Request) bool {
	for _, part := range strings.Split(httpedge.HeaderList(r, "Accept"), ",") {
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
// writing each batch of the ledger stream as it arrives: memory holds one
// page per ledger shard, never the range.
func (a *API) exportCSV(w http.ResponseWriter, r *http.Request, p auth.Principal, q ConsumptionQuery, loc *time.Location, daily []consumption.DayTotal) error {
	view := r.URL.Query().Get("view")
	if view == "" {
		view = export.ViewLedger
	}
	if view != export.ViewLedger && view != export.ViewDaily {
		return httpedge.Fail(httpedge.Invalid, "invalid query", httpedge.Field{Field: "view", Reason: "must be ledger or daily"})
	}
	if q.Cursor != "" || r.URL.Query().Has("limit") {
		return httpedge.Fail(httpedge.Invalid, "invalid query", httpedge.Field{Field: "cursor", Reason: "the CSV export is the whole range: no cursor or limit"})
	}
	var rows int64
	for _, d := range daily {
		rows += d.Total // one ledger row per debit
	}
	if view == export.ViewLedger && rows > MaxCSVRows {
		return httpedge.Fail(httpedge.TooLarge,
			fmt.Sprintf("the range has %d ledger rows; a download holds at most %d: narrow from/to, or POST %s with the same range for a file to download",
				rows, MaxCSVRows, ExportsPath),
			httpedge.Field{Field: "to", Reason: "range too large for one CSV download"}).
			With("Link", "<"+ExportsPath+`>; rel="alternate"; type="application/json"`)
	}
	h := w.Header()
	h.Set("Content-Type", export.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename(q.From.String(), q.To.String(), view)))
	h.Set("Cache-Control", "private, no-cache")
	cw, err := export.NewWriter(w, view)
	if err != nil {
		return nil
	}
	if view == export.ViewDaily {
		_ = cw.Daily(daily)
		_ = cw.Flush()
		return nil
	}
	_, err = a.st.LedgerStream(r.Context(), p.Org, q.From.Start(loc), q.To.AddDays(1).Start(loc), func(es []consumption.LedgerEntry) error {
		if err := cw.Ledger(es); err != nil {
			return err
		}
		if err := cw.Flush(); err != nil {
			return err
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		return nil
	})
	if err != nil {
		// Headers are sent: the truncated body ends without its last
		// rows; log for the operator.
		httpedge.Log(r.Context()).ErrorContext(r.Context(), "csv export failed mid-stream", "error", err.Error())
	}
	return nil
}

// filename is an export's download name.
func filename(from, to, view string) string {
	return fmt.Sprintf("consumption-%s-%s-%s.csv", from, to, view)
}
