package home

import (
	"testing"

	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/localdate"
)

// FuzzWebhookRequest: PUT /v1/notifications/webhook's decoder never panics;
// it accepts only an https URL, and every refusal names a field.
func FuzzWebhookRequest(f *testing.F) {
	for _, s := range []string{`{"url":"https://billing.example/hooks"}`, `{"url":"http://x"}`, `{"url":1}`, `{}`, `[]`, `{"url":"https://x"} {}`, `{"url":"https://x","y":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		q, fs := DecodeWebhookRequest(raw)
		if refused(t, fs) {
			return
		}
		if len(q.URL) < len("https://x") || q.URL[:8] != "https://" {
			t.Fatalf("accepted %q", q.URL)
		}
	})
}

// FuzzExportRequest: POST /v1/consumption/exports's decoder never panics;
// every refusal names a field, and what it accepts has parseable dates and
// a known view.
func FuzzExportRequest(f *testing.F) {
	for _, s := range []string{`{}`, `{"from":"2026-01-01","to":"2026-12-31","view":"ledger"}`, `{"view":"daily"}`, `{"view":"x"}`,
		`{"from":"2026-02-30"}`, `{"to":null}`, `[]`, `{"from":1}`, `{} {}`, `{"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		q, fs := DecodeExportRequest(raw)
		if refused(t, fs) {
			return
		}
		for _, d := range []*string{q.From, q.To} {
			if d != nil {
				if _, err := localdate.Parse(*d); err != nil {
					t.Fatalf("accepted date %q", *d)
				}
			}
		}
		if q.View != nil && *q.View != export.ViewLedger && *q.View != export.ViewDaily {
			t.Fatalf("accepted view %q", *q.View)
		}
	})
}

// refused reports whether a decoder refused its input, failing the test
// when a refusal does not name both a field and a reason.
func refused(t *testing.T, fs []httpedge.Field) bool {
	t.Helper()
	for _, fe := range fs {
		if fe.Field == "" || fe.Reason == "" {
			t.Fatalf("a problem without field or reason: %+v", fs)
		}
	}
	return len(fs) > 0
}
