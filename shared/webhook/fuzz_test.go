package webhook

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/customercloud/home/shared/contract"
)

// seedFiles adds the samples in events/ matching pattern to the corpus.
func seedFiles(f *testing.F, pattern string, add func([]byte)) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", pattern))
	if len(files) == 0 {
		f.Fatalf("no samples match events/%s", pattern)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// FuzzMetaPayload sends any body, correctly signed, to each provider's route:
// the handler never panics and never answers 5xx for a body (only 200 or a
// 4xx), and everything it enqueues is a valid contract event of the
// account's organization, a message.received preceded at most by upserts.
func FuzzMetaPayload(f *testing.F) {
	seedFiles(f, "webhook-*.json", func(b []byte) {
		for p := range Providers {
			f.Add(uint8(p), b)
		}
	})
	f.Add(uint8(0), []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"1","id":"w","timestamp":"99999999999","type":"text","text":{"body":"x"}}]}}]}]}`))
	f.Add(uint8(1), []byte(`{"object":"page","entry":[{"id":108765432109876,"messaging":[{"sender":{"id":"#"},"timestamp":-1,"message":{"mid":""}}]}]}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		p := Providers[int(which)%len(Providers)]
		fx := newFixture(t, nil)
		w := serve(fx.h, metaRequest(p, body, testMetaSecret))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for a signed body: %s", w.Code, w.Body)
		}
		if w.Code != http.StatusOK && len(fx.pub.published) > 0 {
			t.Fatalf("published on status %d", w.Code)
		}
		var ans MetaAccepted
		if w.Code == http.StatusOK {
			if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
				t.Fatalf("answer: %v", err)
			}
			if ans.Enqueued != len(fx.pub.published) {
				t.Fatalf("answer says %d enqueued, publisher got %d", ans.Enqueued, len(fx.pub.published))
			}
		}
		received := 0
		for _, ev := range fx.pub.published {
			if err := ev.Validate(now); err != nil {
				t.Fatalf("enqueued an invalid event: %v", err)
			}
			if ev.OrgID != "org-acme" || ev.Source != p.Source() {
				t.Fatalf("event of org %q source %q", ev.OrgID, ev.Source)
			}
			switch ev.Type {
			case contract.MessageReceived:
				received++
				if ev.Data.Channel != string(p) {
					t.Fatalf("channel %q on route %s", ev.Data.Channel, p)
				}
			case contract.ContactUpserted:
			default:
				t.Fatalf("unexpected type %s", ev.Type)
			}
		}
		if received > ans.Messages {
			t.Fatalf("%d message.received for %d messages", received, ans.Messages)
		}
	})
}

// FuzzBatch posts any body, correctly signed, as a single event and as a
// batch: the answer is 202, 400, 413 or 422, never 5xx; on 202 every event
// of the request is enqueued (or reported a duplicate) and valid; otherwise
// nothing at all is enqueued (a batch is never half-accepted).
func FuzzBatch(f *testing.F) {
	seedFiles(f, "producer-*.json", func(b []byte) {
		f.Add(true, b)
		f.Add(false, b)
	})
	f.Add(true, []byte(`[1,{},null,[]]`))
	f.Add(true, []byte(`null`))
	f.Add(false, []byte(`{"specversion":"1.0","orgid":"org-beta"}`))
	f.Fuzz(func(t *testing.T, batch bool, body []byte) {
		ct := ContentTypeCloudEvent
		if batch {
			ct = ContentTypeCloudEventBatch
		}
		fx := newFixture(t, nil)
		w := serve(fx.h, producerRequest(ct, body, "org-acme", keyA, "msg_fuzz", now))
		switch w.Code {
		case http.StatusAccepted:
			var acc Accepted
			if err := json.Unmarshal(w.Body.Bytes(), &acc); err != nil {
				t.Fatalf("answer: %v", err)
			}
			dups := 0
			for _, r := range acc.Results {
				if r.Status == StatusDuplicate {
					dups++
				}
			}
			if len(acc.Results) == 0 || acc.Accepted != len(fx.pub.published) || acc.Accepted+dups != len(acc.Results) {
				t.Fatalf("answer %+v vs %d published", acc, len(fx.pub.published))
			}
			for _, ev := range fx.pub.published {
				if err := ev.Validate(now); err != nil || ev.OrgID != "org-acme" {
					t.Fatalf("enqueued %+v: %v", ev, err)
				}
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			if len(fx.pub.published) > 0 {
				t.Fatalf("status %d but %d events enqueued", w.Code, len(fx.pub.published))
			}
			p := decodeProblem(t, w)
			if w.Code == http.StatusUnprocessableEntity {
				if len(p.Errors) == 0 {
					t.Fatal("422 without errors")
				}
				for _, e := range p.Errors {
					if e.Index < 0 || (!batch && e.Index != 0) || e.Reason == "" {
						t.Fatalf("bad error entry %+v", e)
					}
				}
			}
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}

// FuzzSignatureHeaders feeds arbitrary header values to both verifiers:
// they never panic, and they accept only a signature made with the key.
func FuzzSignatureHeaders(f *testing.F) {
	body := []byte(`{"x":1}`)
	ts := now.Unix()
	f.Add("msg_1", "1749416400", SignProducer(keyA, "msg_1", ts, body), "org-acme", SignMeta(Secret(testMetaSecret), body), body)
	f.Add("", "-1", "v1,", "", "sha256=", []byte{})
	f.Add("m", "17494164000000000000", "v1,=== v2,abc v1,"+strings.Repeat("A", 44), "o", "sha256="+strings.Repeat("0", 64), body)
	f.Fuzz(func(t *testing.T, id, timestamp, sig, org, hub string, b []byte) {
		h := producerHeaders{id: id, timestamp: timestamp, signature: sig, org: org}
		if err := verifyProducer(h, b, []Secret{keyA}, now, DefaultReplayWindow); err == nil {
			want := producerMAC(keyA, id, timestamp, b)
			found := false
			for _, s := range parseSignatures(sig) {
				if string(s) == string(want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("accepted a signature that is not the HMAC")
			}
		}
		if verifyMeta(hub, b, Secret(testMetaSecret)) == nil && hub != SignMeta(Secret(testMetaSecret), b) &&
			!strings.EqualFold(hub, SignMeta(Secret(testMetaSecret), b)) {
			t.Fatalf("accepted a Meta signature that is not the HMAC")
		}
	})
}
