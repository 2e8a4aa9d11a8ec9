package webhook

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
)

// sample reads a real-shaped payload kept in events/ at the module root.
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	return b
}

func TestDecodeMetaSamples(t *testing.T) {
	tests := []struct {
		name        string
		provider    Provider
		file        string
		want        []inbound
		wantDropped counts
	}{
		{
			name:     "given the WhatsApp sample, when decoded, then the text and image messages are inbound and the reaction and statuses dropped",
			provider: WhatsApp, file: "webhook-whatsapp.json",
			want: []inbound{
				{account: "106540352242922", msgID: "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDMEYxRDlGNjM5QzRBRTFCMDgA", user: "5511987654321",
					at: time.Unix(1749416383, 0).UTC(), text: "Oi! O pedido 4521 ainda não chegou, podem me ajudar?"},
				{account: "106540352242922", msgID: "wamid.HBgNNTUyMTk5ODc2NTQzMhUCABIYFjNFQjBEMkE0QjdDMUU5RjA2NzQ4MjkA", user: "5521998765432",
					at: time.Unix(1749416390, 0).UTC()},
			},
			wantDropped: counts{DropReaction: 1, DropStatus: 2},
		},
		{
			name:     "given the Messenger sample, when decoded, then the customer's message is inbound and the echo and receipts dropped",
			provider: Messenger, file: "webhook-messenger.json",
			want: []inbound{
				{account: "108765432109876", msgID: "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
					user: "7123456789012345", at: time.UnixMilli(1749416399876).UTC(), text: "Boa tarde, quero saber o horário de atendimento"},
			},
			wantDropped: counts{DropEcho: 1, DropReceipt: 2},
		},
		{
			name:     "given the Instagram sample, when decoded, then the customer's message is inbound and the echo and read receipt dropped",
			provider: Instagram, file: "webhook-instagram.json",
			want: []inbound{
				{account: "17841405822304914", msgID: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTc4NDc2MDcxNjk0ODQ1MzozMTYxMDQ5NjU1MzQ4NzE2MDk5NDQwMzEwNDc4MTQzMjMyMAZDZD",
					user: "1254459154682919", at: time.UnixMilli(1749416410123).UTC(), text: "Vocês entregam em Belo Horizonte?"},
			},
			wantDropped: counts{DropEcho: 1, DropReceipt: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, dropped, err := decodeMeta(tc.provider, sample(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("inbound\n got %+v\nwant %+v", got, tc.want)
			}
			if !reflect.DeepEqual(dropped, tc.wantDropped) {
				t.Errorf("dropped %v, want %v", dropped, tc.wantDropped)
			}
		})
	}
}

func TestDecodeMetaEdgeCases(t *testing.T) {
	tests := []struct {
		name        string
		provider    Provider
		body        string
		wantErr     error
		wantN       int
		wantDropped counts
	}{
		{name: "given a page payload on the WhatsApp route, when decoded, then ErrWrongObject", provider: WhatsApp,
			body: `{"object":"page","entry":[]}`, wantErr: ErrWrongObject},
		{name: "given a JSON array, when decoded, then an error", provider: Messenger, body: `[{"object":"page"}]`, wantErr: errAny},
		{name: "given trailing data, when decoded, then an error", provider: Messenger, body: `{"object":"page","entry":[]} {}`, wantErr: errAny},
		{name: "given not JSON, when decoded, then an error", provider: Instagram, body: `object=instagram`, wantErr: errAny},
		{name: "given a WhatsApp template status change, when decoded, then it is dropped as unsupported", provider: WhatsApp,
			body:        `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"message_template_status_update","value":{"event":"APPROVED"}}]}]}`,
			wantDropped: counts{DropUnsupported: 1}},
		{name: "given a WhatsApp system message, when decoded, then it is dropped as system", provider: WhatsApp,
			body:        `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"9"},"messages":[{"from":"5511987654321","id":"wamid.s","timestamp":"1749416383","type":"system","system":{"body":"changed number"}}]}}]}]}`,
			wantDropped: counts{DropSystem: 1}},
		{name: "given a WhatsApp message with a numeric timestamp, when decoded, then only it is dropped as invalid", provider: WhatsApp,
			body:  `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"9"},"messages":[{"from":"5511987654321","id":"wamid.a","timestamp":1749416383,"type":"text","text":{"body":"x"}},{"from":"5511987654321","id":"wamid.b","timestamp":"1749416383","type":"text","text":{"body":"y"}}]}}]}]}`,
			wantN: 1, wantDropped: counts{DropInvalid: 1}},
		{name: "given a Messenger postback, when decoded, then it is inbound (the customer acted)", provider: Messenger,
			body:  `{"object":"page","entry":[{"id":"1","time":1,"messaging":[{"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":1749416399876,"postback":{"mid":"m_pb","title":"Falar com atendente","payload":"HUMAN"}}]}]}`,
			wantN: 1},
		{name: "given a numeric page id and a reaction, when decoded, then the reaction is dropped", provider: Messenger,
			body:        `{"object":"page","entry":[{"id":1,"time":1,"messaging":[{"sender":{"id":"42"},"recipient":{"id":"1"},"timestamp":1749416399876,"reaction":{"mid":"m_1","action":"react","emoji":"x"}}]}]}`,
			wantDropped: counts{DropReaction: 1}},
		{name: "given standby events and feed changes, when decoded, then they are dropped as unsupported", provider: Messenger,
			body:        `{"object":"page","entry":[{"id":"1","time":1,"standby":[{"sender":{"id":"42"},"timestamp":1,"message":{"mid":"m","text":"x"}}],"changes":[{"field":"feed","value":{}}]}]}`,
			wantDropped: counts{DropUnsupported: 2}},
		{name: "given a message without a sender, when decoded, then it is dropped as invalid", provider: Instagram,
			body:        `{"object":"instagram","entry":[{"id":"1","time":1,"messaging":[{"timestamp":1749416399876,"message":{"mid":"m","text":"x"}}]}]}`,
			wantDropped: counts{DropInvalid: 1}},
		{name: "given an entry that is not an object, when decoded, then it is dropped as invalid", provider: Instagram,
			body: `{"object":"instagram","entry":["x"]}`, wantDropped: counts{DropInvalid: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, dropped, err := decodeMeta(tc.provider, []byte(tc.body))
			switch {
			case tc.wantErr == errAny && err == nil, tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && err != nil:
				t.Fatalf("err %v", err)
			case tc.wantErr != nil:
				return
			}
			if len(got) != tc.wantN {
				t.Errorf("got %d inbound, want %d", len(got), tc.wantN)
			}
			if tc.wantDropped == nil {
				tc.wantDropped = counts{}
			}
			if !reflect.DeepEqual(dropped, tc.wantDropped) {
				t.Errorf("dropped %v, want %v", dropped, tc.wantDropped)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestToEvents(t *testing.T) {
	at := time.Unix(1749416383, 0).UTC()
	longMid := strings.Repeat("a", 164)
	tests := []struct {
		name     string
		provider Provider
		in       inbound
		upsert   bool
		want     []contract.Event
	}{
		{
			name:     "given a WhatsApp text, when mapped, then a contact upsert with the phone precedes the message received, both in the contact's group",
			provider: WhatsApp, upsert: true,
			in: inbound{account: "9", msgID: "wamid.X", user: "5511987654321", at: at, text: "olá"},
			want: []contract.Event{
				{SpecVersion: "1.0", ID: "contact:wa:5511987654321", Source: "channels/whatsapp", Type: contract.ContactUpserted, Time: at, OrgID: "org-acme",
					Data: contract.Data{ContactID: "wa:5511987654321", Phone: "+5511987654321"}},
				{SpecVersion: "1.0", ID: "wamid.X", Source: "channels/whatsapp", Type: contract.MessageReceived, Time: at, OrgID: "org-acme",
					Data: contract.Data{ContactID: "wa:5511987654321", Channel: "whatsapp", RoutedTo: "bot", Text: "olá"}},
			},
		},
		{
			name:     "given an Instagram message with a 164-character mid and upserts off, when mapped, then only the message, with a digest id",
			provider: Instagram,
			in:       inbound{account: "1", msgID: longMid, user: "1254459154682919", at: at},
			want: []contract.Event{
				{SpecVersion: "1.0", ID: eventID(longMid), Source: "channels/instagram", Type: contract.MessageReceived, Time: at, OrgID: "org-acme",
					Data: contract.Data{ContactID: "ig:1254459154682919", Channel: "instagram", RoutedTo: "bot"}},
			},
		},
		{
			name:     "given a Messenger sender, when mapped with upserts, then the contact has no phone",
			provider: Messenger, upsert: true,
			in: inbound{account: "1", msgID: "m_1", user: "7123456789012345", at: at},
			want: []contract.Event{
				{SpecVersion: "1.0", ID: "contact:fb:7123456789012345", Source: "channels/messenger", Type: contract.ContactUpserted, Time: at, OrgID: "org-acme",
					Data: contract.Data{ContactID: "fb:7123456789012345"}},
				{SpecVersion: "1.0", ID: "m_1", Source: "channels/messenger", Type: contract.MessageReceived, Time: at, OrgID: "org-acme",
					Data: contract.Data{ContactID: "fb:7123456789012345", Channel: "messenger", RoutedTo: "bot"}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := toEvents(tc.provider, tc.in, "org-acme", "bot", tc.upsert)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			for _, ev := range got {
				if err := ev.Validate(at); err != nil {
					t.Errorf("event %s invalid: %v", ev.ID, err)
				}
				if ev.MessageGroupID() != got[len(got)-1].MessageGroupID() {
					t.Errorf("events of one message in different groups")
				}
			}
		})
	}
}

func TestClipTextAndEventID(t *testing.T) {
	tests := []struct {
		name  string
		check func() bool
	}{
		{name: "given 4096 'ã' (8192 bytes), when clipped, then at most 4096 bytes of whole runes", check: func() bool {
			c := clipText(strings.Repeat("ã", 4096))
			return len(c) == 4096 && c == strings.Repeat("ã", 2048)
		}},
		{name: "given 4095 ASCII bytes then a 3-byte rune, when clipped, then the rune is cut whole", check: func() bool {
			c := clipText(strings.Repeat("a", 4095) + "€")
			return c == strings.Repeat("a", 4095)
		}},
		{name: "given a short text, when clipped, then unchanged", check: func() bool { return clipText("oi") == "oi" }},
		{name: "given a 128-byte id, when fitted, then unchanged", check: func() bool { s := strings.Repeat("x", 128); return eventID(s) == s }},
		{name: "given a 129-byte id, when fitted, then a stable 71-byte digest", check: func() bool {
			s := strings.Repeat("x", 129)
			a, b := eventID(s), eventID(s)
			return a == b && len(eventID(s)) == 71 && strings.HasPrefix(eventID(s), "sha256:")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.check() {
				t.Fatal("check failed")
			}
		})
	}
}
