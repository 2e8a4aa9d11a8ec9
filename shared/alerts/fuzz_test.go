package alerts

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/customercloud/home/shared/plan"
)

// FuzzDecodeEnvelope: whatever a queue hands the deliverer, decoding never
// panics, fails only with ErrBadEnvelope, and what it accepts is a valid
// notification that encodes and decodes to itself.
func FuzzDecodeEnvelope(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "..", "events", "notify.json")); err == nil {
		var ev struct{ Records []struct{ Body string } }
		if json.Unmarshal(b, &ev) == nil && len(ev.Records) > 0 {
			f.Add([]byte(ev.Records[0].Body))
		}
	}
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"detail-type":"interactionz.threshold.crossed","source":"cch.interactionz","detail":null}`,
		`{"detail-type":"interactionz.threshold.crossed","source":"cch.interactionz","detail":{"notificationId":"ntf_0123456789abcdef0123456789abcdef","organizationId":"o","resource":"seats","thresholdPercent":80,"limit":1}} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, n, err := DecodeEnvelope(body)
		if err != nil {
			if !errors.Is(err, ErrBadEnvelope) {
				t.Fatalf("error not ErrBadEnvelope: %v", err)
			}
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("accepted an invalid notification: %v", err)
		}
		raw, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		var back Notification
		if err := json.Unmarshal(raw, &back); err != nil || back.NotificationID != n.NotificationID || back.Used != n.Used {
			t.Fatalf("round trip: %v %+v %+v", err, back, n)
		}
	})
}

// FuzzMark: a stored mark either decodes to a known state or fails with
// ErrBadMark; what is encoded decodes to itself.
func FuzzMark(f *testing.F) {
	f.Add(markValue{State: statePending, ClaimedAt: 1, Notification: Notification{NotificationID: "ntf_x"}}.encode())
	f.Add(`{"s":"sent"}`)
	f.Add(`{"s":"gone"}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, raw string) {
		m, err := decodeMark(raw)
		if err != nil {
			if !errors.Is(err, ErrBadMark) {
				t.Fatalf("error not ErrBadMark: %v", err)
			}
			return
		}
		back, err := decodeMark(m.encode())
		if err != nil || back.State != m.State || back.ClaimedAt != m.ClaimedAt {
			t.Fatalf("round trip: %v %+v %+v", err, back, m)
		}
	})
}

// FuzzSignature: a signed message verifies with its secret and id at its
// time, and no change of body, id or timestamp verifies.
func FuzzSignature(f *testing.F) {
	f.Add("ntf_a", []byte(`{"type":"x"}`), int64(1795176000), byte(0))
	f.Add("", []byte{}, int64(0), byte(7))
	f.Fuzz(func(t *testing.T, id string, body []byte, sec int64, flip byte) {
		if sec < 0 || sec > 1<<40 || id == "" {
			return
		}
		secret, err := NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		ts := time.Unix(sec, 0)
		sig, err := Sign(secret, id, ts, body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, strconv.FormatInt(sec, 10))
		h.Set(HeaderSignature, sig)
		if err := Verify(secret, h, body, ts); err != nil {
			t.Fatalf("own signature does not verify: %v", err)
		}
		changed := append(append([]byte(nil), body...), flip)
		if Verify(secret, h, changed, ts) == nil {
			t.Fatal("a changed body verified")
		}
	})
}

// FuzzThresholds: any thresholds JSON a plan may carry either fails to
// decode, fails Validate naming a thresholds field, or is valid and gives
// crossings only at or past their percentages.
func FuzzThresholds(f *testing.F) {
	f.Add([]byte(`{"interactionz":[80,100],"seats":null,"packages":[],"expertAgents":{"xa-1":{"monthlyCap":10,"thresholds":[50]}}}`))
	f.Add([]byte(`{"interactionz":[0,1001,80,80]}`))
	f.Add([]byte(`{"expertAgents":{"bad id#":{"monthlyCap":0}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var th plan.Thresholds
		if json.Unmarshal(raw, &th) != nil {
			return
		}
		pl := plan.Default()
		pl.Thresholds = &th
		if err := pl.Validate(); err != nil {
			return
		}
		for _, c := range Crossings(pl, Usage{Interactionz: 150, SeatsUsed: 2, SeatsKnown: true, ExpertAgents: map[string]int64{"xa-1": 7}}) {
			if c.Limit <= 0 || c.Used*100 < c.Limit*int64(c.Threshold) {
				t.Fatalf("crossing below its threshold: %+v", c)
			}
		}
	})
}
