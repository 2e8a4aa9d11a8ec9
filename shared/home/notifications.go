package home

import (
	"encoding/json"
	"net/http"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/records"
)

// WebhookRequest is PUT /v1/notifications/webhook's body.
type WebhookRequest struct {
	URL string `json:"url"`
}

// Validate checks the URL.
func (q WebhookRequest) Validate() []httpedge.Field {
	if q.URL == "" {
		return []httpedge.Field{{Field: "url", Reason: "required"}}
	}
	if err := alerts.ValidateWebhookURL(q.URL); err != nil {
		return []httpedge.Field{{Field: "url", Reason: err.Error()}}
	}
	return nil
}

// WebhookRegistration is the answer: where notifications go and the
// signing secret, shown this once (registering again rotates it).
type WebhookRegistration struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// DecodeWebhookRequest reads the body strictly, as PUT /v1/plan does
// (decodeStrict: one JSON value, only known fields, no nulls); the problem
// fields name what is wrong.
func DecodeWebhookRequest(raw []byte) (WebhookRequest, []httpedge.Field) {
	var q WebhookRequest
	if err := decodeStrict(raw, &q); err != nil {
		return q, []httpedge.Field{malformed(err)}
	}
	return q, q.Validate()
}

func (a *API) putWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q, err := decodeJSONBody(r, DecodeWebhookRequest, "invalid webhook")
	if err != nil {
		return err
	}
	secret, err := alerts.NewSecret()
	if err != nil {
		return err
	}
	if err := a.st.PutWebhookSubscription(r.Context(), p.Org, records.WebhookSubscription{URL: q.URL, Secret: secret, UpdatedAt: a.now()}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(WebhookRegistration{URL: q.URL, Secret: secret})
	return nil
}
