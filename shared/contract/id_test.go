package contract

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestEventIDIsPlainText: given an otherwise valid event, when its id holds
// a character that would not read back as written in the ledger (NUL, a
// newline, an escape, a bidi override, a zero-width joiner),
// then Decode names the id field; ordinary ids, accents included, pass.
func TestEventIDIsPlainText(t *testing.T) {
	cases := []struct {
		scenario, id string
		ok           bool
	}{
		{"a UUID", "6f1c2e0a-8d3b-4b8e-9a57-0c1d2e3f4a5b", true},
		{"an id with spaces and accents", "pedido número 42", true},
		{"a NUL", "e1\x00", false},
		{"a newline", "e1\nforged line", false},
		{"an ANSI escape", "e1\x1b[31m", false},
		{"DEL", "e1\x7f", false},
		{"a right-to-left override", "e1\u202etxt.exe", false},
		{"a first-strong isolate", "e1\u2068", false},
		{"a zero-width joiner", "e\u200d1", false},
		{"a line separator", "e1\u2028", false},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			id, _ := json.Marshal(c.id)
			body := `{"specversion":"1.0","id":` + string(id) + `,"source":"inbox","type":"message.received","time":"2025-06-08T20:00:00Z","orgid":"o","data":{"contactId":"c","channel":"sms","routedTo":"human"}}`
			_, err := Decode([]byte(body), fuzzNow)
			if c.ok {
				if err != nil {
					t.Fatalf("given id %q, Decode = %v, want accepted", c.id, err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "id" {
				t.Fatalf("given id %q, Decode = %v, want one fault naming id", c.id, err)
			}
		})
	}
}
