package event

import (
	"errors"
	"fmt"
	"testing"
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
