// Package export owns the usage export's CSV (one writer for the direct
// download of GET /v1/consumption and for the files written to S3) and the
// asynchronous export of a range too large for one HTTP answer: its
// request, its record's life and the worker that writes the file page by
// page into a multipart upload.
package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/interactionz"
)

// The export's views: the ledger (one row per debit) or the daily totals.
const (
	ViewLedger = "ledger"
	ViewDaily  = "daily"
)

// ContentType is the CSV's media type, as sent and as stored.
const ContentType = "text/csv; charset=utf-8; header=present"

// LedgerHeader and DailyHeader are the exports' header rows.
var (
	LedgerHeader = []string{"windowStartUtc", "windowEndUtc", "localDate", "contactId", "lane", "channel",
		"expertAgentId", "eventId", "eventSource", "eventType"}
	DailyHeader = dailyHeader()
)

func dailyHeader() []string {
	h := []string{"localDate", "total"}
	for _, l := range interactionz.Lanes {
		h = append(h, "lane_"+string(l))
	}
	for _, c := range contract.Channels {
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

// Writer writes an export: RFC 4180 (CRLF), UTF-8 with a byte order mark
// (so spreadsheets read it as UTF-8) and a header row. It is the one
// writer of both the direct download and the S3 file, so the two are the
// same bytes for the same rows.
type Writer struct {
	cw  *csv.Writer
	row []string
}

// NewWriter starts an export of view on w: the byte order mark and the
// header row.
func NewWriter(w io.Writer, view string) (*Writer, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	h := LedgerHeader
	if view == ViewDaily {
		h = DailyHeader
	}
	if err := cw.Write(h); err != nil {
		return nil, err
	}
	return &Writer{cw: cw, row: make([]string, 0, len(DailyHeader))}, nil
}

// Ledger writes ledger rows, the free-text cells made formula-safe.
func (w *Writer) Ledger(entries []consumption.LedgerEntry) error {
	for _, e := range entries {
		w.row = append(w.row[:0], e.WindowStart, e.WindowEnd, e.Date, SafeCell(e.ContactID), e.Lane, e.Channel,
			SafeCell(e.ExpertAgentID), SafeCell(e.EventID), SafeCell(e.EventSource), e.EventType)
		if err := w.cw.Write(w.row); err != nil {
			return err
		}
	}
	return nil
}

// Daily writes daily total rows.
func (w *Writer) Daily(days []consumption.DayTotal) error {
	for _, d := range days {
		w.row = append(w.row[:0], d.Date, strconv.FormatInt(d.Total, 10))
		for _, l := range interactionz.Lanes {
			w.row = append(w.row, strconv.FormatInt(d.Lanes[string(l)], 10))
		}
		for _, c := range contract.Channels {
			w.row = append(w.row, strconv.FormatInt(d.Channels[c], 10))
		}
		if err := w.cw.Write(w.row); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes what is buffered to the underlying writer.
func (w *Writer) Flush() error {
	w.cw.Flush()
	return w.cw.Error()
}
