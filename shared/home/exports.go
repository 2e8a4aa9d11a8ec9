package home

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/records"
)

// Exports is what the asynchronous export needs beyond the table: the
// queue its jobs go to and presigned links to its files.
type Exports interface {
	Enqueue(ctx context.Context, j export.Job) error
	Link(ctx context.Context, key, filename string, ttl time.Duration) (string, error)
}

// ExportRequest is POST /v1/consumption/exports's body: GET
// /v1/consumption's range and view, each optional with the same defaults
// (the current cycle up to today, the ledger).
type ExportRequest struct {
	From *string `json:"from,omitempty"`
	To   *string `json:"to,omitempty"`
	View *string `json:"view,omitempty"`
}

// DecodeExportRequest reads the body strictly, as PUT /v1/plan does (one
// JSON value, only known fields, no nulls), and parses its dates; the
// problem fields name what is wrong. Defaults are applied by the caller.
func DecodeExportRequest(raw []byte) (ExportRequest, []httpedge.Field) {
	var q ExportRequest
	if err := decodeStrict(raw, &q); err != nil {
		return q, []httpedge.Field{malformed(err)}
	}
	var fs []httpedge.Field
	for _, f := range []struct {
		name string
		v    *string
	}{{"from", q.From}, {"to", q.To}} {
		if f.v == nil {
			continue
		}
		if _, err := localdate.Parse(*f.v); err != nil {
			fs = append(fs, httpedge.Field{Field: f.name, Reason: "must be a date YYYY-MM-DD"})
		}
	}
	if q.View != nil && *q.View != export.ViewLedger && *q.View != export.ViewDaily {
		fs = append(fs, httpedge.Field{Field: "view", Reason: "must be ledger or daily"})
	}
	return q, fs
}

// ExportStatus is an export as its routes show it.
type ExportStatus struct {
	ID        string          `json:"id"`
	Status    string          `json:"status"`
	From      string          `json:"from"`
	To        string          `json:"to"`
	View      string          `json:"view"`
	Rows      int64           `json:"rows"`
	Bytes     int64           `json:"bytes"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
	ExpiresAt time.Time       `json:"expiresAt"`
	Reason    string          `json:"reason,omitempty"`
	Download  *ExportDownload `json:"download"`
}

// ExportDownload is a finished export's short-lived presigned link.
type ExportDownload struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func statusOf(r records.Export) ExportStatus {
	return ExportStatus{ID: r.ID, Status: r.Status, From: r.From, To: r.To, View: r.View, Rows: r.Rows, Bytes: r.Bytes,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.Updated.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Reason: r.Reason}
}

func (a *API) postExport(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if a.exports == nil {
		return httpedge.Fail(httpedge.NotFound, "exports are not available here")
	}
	body, err := decodeJSONBody(r, DecodeExportRequest, "invalid export")
	if err != nil {
		return err
	}
	prof, now, today, err := a.profileToday(r, p.Org)
	if err != nil {
		return err
	}
	req := export.Request{From: prof.Plan.Cycle(today).From, To: today, View: export.ViewLedger}
	if body.From != nil {
		req.From, _ = localdate.Parse(*body.From)
	}
	if body.To != nil {
		req.To, _ = localdate.Parse(*body.To)
	}
	if body.View != nil {
		req.View = *body.View
	}
	if fs := req.Validate(); len(fs) > 0 {
		return httpedge.Fail(httpedge.Invalid, "invalid export", fs...)
	}
	id, err := export.NewID()
	if err != nil {
		return err
	}
	rec := records.Export{ID: id, From: req.From.String(), To: req.To.String(), View: req.View, Status: export.StatusQueued,
		ObjectKey: export.ObjectKey(p.Org, id), CreatedAt: now, Updated: now, ExpiresAt: now.Add(export.Retention).Truncate(time.Second)}
	if err := a.st.CreateExport(r.Context(), p.Org, rec); err != nil {
		return err
	}
	if err := a.exports.Enqueue(r.Context(), export.Job{Org: p.Org, ID: id}); err != nil {
		return err
	}
	w.Header().Set("Location", ExportsPath+"/"+id)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(statusOf(rec))
	return nil
}

// noSuchExport is the 404 of an export id that is malformed, unknown or
// another organization's: the three answer alike.
func noSuchExport() error { return httpedge.Fail(httpedge.NotFound, "no such export") }

func (a *API) getExport(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id := r.PathValue("id")
	if a.exports == nil || !export.ValidID(id) {
		return noSuchExport()
	}
	// The record is read under the caller's organization only: another
	// organization's id is simply not found.
	rec, err := a.st.GetExport(r.Context(), p.Org, id)
	if err != nil {
		return err
	}
	if !rec.Exists {
		return noSuchExport()
	}
	out := statusOf(rec)
	if rec.Status == export.StatusDone {
		now := a.now()
		url, err := a.exports.Link(r.Context(), rec.ObjectKey, filename(rec.From, rec.To, rec.View), export.LinkTTL)
		if err != nil {
			return fmt.Errorf("presign export: %w", err)
		}
		out.Download = &ExportDownload{URL: url, ExpiresAt: now.Add(export.LinkTTL).UTC().Truncate(time.Second)}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
	return nil
}
