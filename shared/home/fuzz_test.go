package home

import (
	"testing"
)

// FuzzWebhookRequest: PUT /v1/notifications/webhook's decoder never panics;
// it accepts only an https URL, and every refusal names a field.
func FuzzWebhookRequest(f *testing.F) {
	for _, s := range []string{`{"url":"https://billing.example/hooks"}`, `{"url":"http://x"}`, `{"url":1}`, `{}`, `[]`, `{"url":"https://x"} {}`, `{"url":"https://x","y":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		q, fs := DecodeWebhookRequest(raw)
		if len(fs) > 0 {
			for _, fe := range fs {
				if fe.Field == "" || fe.Reason == "" {
					t.Fatalf("a problem without field or reason: %+v", fs)
				}
			}
			return
		}
		if len(q.URL) < len("https://x") || q.URL[:8] != "https://" {
			t.Fatalf("accepted %q", q.URL)
		}
	})
}
