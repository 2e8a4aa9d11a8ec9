package contract

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDecodeTimeBounds: given an otherwise valid message.received, when its
// time is at or around the accepted bounds, then Decode accepts it or names
// the time field with the reason.
func TestDecodeTimeBounds(t *testing.T) {
	cases := []struct {
		scenario, time, reason string
	}{
		{"an ordinary past time", "2025-06-08T20:00:00Z", ""},
		{"exactly the five minutes of allowed clock skew", "2025-06-08T21:05:00Z", ""},
		{"one second past the allowed skew", "2025-06-08T21:05:01Z", "more than 5 minutes in the future"},
		{"exactly the floor", "2000-01-01T00:00:00Z", ""},
		{"the floor in another offset, one hour early in UTC", "2000-01-01T00:00:00+01:00", "before 2000-01-01T00:00:00Z"},
		{"year zero, which is year -1 in UTC", "0000-01-01T00:00:00+01:00", "before 2000-01-01T00:00:00Z"},
		{"not RFC 3339", "08/06/2025 20:00", "must be an RFC 3339 timestamp"},
		{"empty", "", "required"},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			body := fmt.Sprintf(`{"specversion":"1.0","id":"e1","source":"inbox","type":"message.received","time":%q,"orgid":"o","data":{"contactId":"c","channel":"sms","routedTo":"human"}}`, c.time)
			ev, err := Decode([]byte(body), fuzzNow)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("given time %q, Decode = %v, want accepted", c.time, err)
				}
				enc, err := ev.Encode()
				if err != nil {
					t.Fatalf("encode: %v", err)
				}
				if _, err := Decode(enc, fuzzNow); err != nil {
					t.Fatalf("accepted event does not decode again: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("given time %q, Decode = %v, want a validation error", c.time, err)
			}
			if len(ve.Fields) != 1 || ve.Fields[0].Field != "time" || ve.Fields[0].Reason != c.reason {
				t.Fatalf("given time %q, fields = %+v, want time: %s", c.time, ve.Fields, c.reason)
			}
		})
	}
}

// TestExpertAgentID: given message.sent events, when they carry an
// expertAgentId, then it is accepted only with sender expert_agent and in
// the form of the contract's ids, and the field is named otherwise.
func TestExpertAgentID(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	base := `{"specversion":"1.0","id":"x","source":"s","type":"message.sent","time":"2026-11-20T14:00:00Z","orgid":"o","data":{"contactId":"c","channel":"whatsapp",`
	for _, c := range []struct {
		data string
		ok   bool
	}{
		{`"sender":"expert_agent","expertAgentId":"xa-billing"}}`, true},
		{`"sender":"expert_agent"}}`, true},
		{`"sender":"agent","expertAgentId":"xa-billing"}}`, false},
		{`"sender":"expert_agent","expertAgentId":"has space"}}`, false},
		{`"sender":"expert_agent","expertAgentId":7}}`, false},
	} {
		ev, err := Decode([]byte(base+c.data), now)
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", c.data, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "data") {
			t.Errorf("%s: accepted (%+v) or unnamed: %v", c.data, ev.Data, err)
		}
	}
}
