package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fuzzNow is after every sample's event time.
var fuzzNow = time.Date(2025, 6, 8, 21, 0, 0, 0, time.UTC)

// seedEvents adds every producer sample in events/ (single events and the
// elements of batches) to the corpus, plus hand-made edge cases.
func seedEvents(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "producer-*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		var batch []json.RawMessage
		if json.Unmarshal(b, &batch) == nil {
			for _, raw := range batch {
				f.Add([]byte(raw))
			}
		}
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"data":null}`, `{"time":"2025-13-01T00:00:00Z"}`,
		`{"specversion":"1.0","id":"x","source":"s","type":"ticket.updated","time":"2025-06-08T20:00:00Z","orgid":"o","data":{"ticketId":"t","contactId":"c","status":"new","public":false}}`,
		`{"specversion":"1.0","id":"x","source":"s","type":"message.received","time":"2025-06-08T20:00:00+14:00","orgid":"o","data":{"contactId":"c","channel":"sms","routedTo":"human","text":"\u00e9\ud800"}}`,
		`{"specversion":"1.0","id":"x","source":"s","type":"user.added","time":"2025-06-08T20:00:00.123456789Z","orgid":"o","data":{"userId":"u"}} {}`,
		`{"data":{"public":"yes"}}`,
		// Year 0 with a positive offset is year -1 in UTC (found by CI's fuzzing).
		`{"specversion":"1.0","id":"0","source":"0","type":"message.received","time":"0000-01-01T00:00:00+01:00","orgid":"0","data":{"contactId":"0","channel":"sms","routedTo":"human"}}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzDecodeEvent holds Decode to its promises on any input: it never
// panics; it either returns a valid event or an error that is ErrMalformed
// or a *ValidationError naming at least one field; and a decoded event
// survives Encode and Decode unchanged (the queue body round-trips).
func FuzzDecodeEvent(f *testing.F) {
	seedEvents(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := Decode(body, fuzzNow)
		if err != nil {
			var ve *ValidationError
			switch {
			case errors.Is(err, ErrMalformed):
			case errors.As(err, &ve):
				if len(ve.Fields) == 0 {
					t.Fatalf("validation error without fields for %q", body)
				}
				seen := map[string]bool{}
				for _, fe := range ve.Fields {
					if fe.Field == "" || fe.Reason == "" || seen[fe.Field] {
						t.Fatalf("bad field error %+v in %v", fe, ve.Fields)
					}
					seen[fe.Field] = true
				}
			default:
				t.Fatalf("error of unknown kind %T: %v", err, err)
			}
			return
		}
		if err := ev.Validate(fuzzNow); err != nil {
			t.Fatalf("Decode accepted an event Validate rejects: %v", err)
		}
		if g := ev.MessageGroupID(); len(g) > MaxGroupIDLen || (ev.OrgScoped() && g != ev.OrgID) ||
			(!ev.OrgScoped() && !strings.HasPrefix(g, ev.OrgID+"#")) {
			t.Fatalf("bad message group %q", g)
		}
		if d := ev.DeduplicationID(); len(d) != 64 {
			t.Fatalf("bad deduplication id %q", d)
		}
		enc, err := ev.Encode()
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, err := Decode(enc, fuzzNow)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", enc, err)
		}
		if !back.Time.Equal(ev.Time) {
			t.Fatalf("time %v became %v", ev.Time, back.Time)
		}
		back.Time, ev.Time = time.Time{}, time.Time{}
		if !reflect.DeepEqual(back, ev) {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, back)
		}
		enc2, _ := back.Encode()
		if !bytes.Equal(dropTime(enc), dropTime(enc2)) {
			t.Fatalf("encoding is not stable")
		}
	})
}

func dropTime(b []byte) []byte {
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "time")
	out, _ := json.Marshal(m)
	return out
}
