package debit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/tests/pipeline"
)

type step struct {
	after time.Duration
	typ   contract.Type
	data  contract.Data
}

func tr() *bool { v := true; return &v }
func fa() *bool { v := false; return &v }

// TestSpecScenarios runs every example of docs/PRODUCT.md § Interactionz
// (the product's examples, each with what it costs) through the
// real queue, the debit handler and DynamoDB Local; each scenario is one
// contact of its own organization, and the ledger must hold exactly the
// expected debits.
func TestSpecScenarios(t *testing.T) {
	t0 := time.Now().Add(-10 * 24 * time.Hour).Truncate(time.Second)
	h := time.Hour
	c := "c-1"
	scenarios := []struct {
		name   string
		steps  []step
		debits int
	}{
		{"given a mass send when nobody replies then nothing is debited", []step{
			{0, contract.MessageSent, contract.Data{ContactID: c, Channel: "sms", Sender: "campaign"}},
		}, 0},
		{"given a mass send when the customer replies to a human then one", []step{
			{0, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "campaign"}},
			{h, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "human"}},
		}, 1},
		{"given a mass send when the customer replies to the chatbot then one", []step{
			{0, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "campaign"}},
			{h, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "bot"}},
		}, 1},
		{"given an agent writes to a contact of the list then one", []step{
			{0, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "agent"}},
		}, 1},
		{"given the customer writes on WhatsApp then one", []step{{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "human"}}}, 1},
		{"given the customer writes on webchat then one", []step{{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "webchat", RoutedTo: "bot"}}}, 1},
		{"given the customer writes on Instagram then one", []step{{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "instagram", RoutedTo: "human"}}}, 1},
		{"given the customer writes on Messenger then one", []step{{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "messenger", RoutedTo: "bot"}}}, 1},
		{"given a conversation active for more than 24 h then one per 24-h period with activity", []step{
			{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "human"}},
			{h, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "agent"}},
			{23 * h, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "human"}},
			{25 * h, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "agent"}},
			{30 * h, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "human"}},
			{50 * h, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "agent"}},
		}, 3},
		{"given the chatbot solves it within 24 h then one", []step{
			{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "bot"}},
			{time.Minute, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "bot"}},
			{2 * time.Minute, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "bot"}},
			{3 * time.Minute, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "bot"}},
		}, 1},
		{"given a human agent ticket solved within 24 h then one", []step{
			{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "human"}},
			{time.Minute, contract.TicketOpened, contract.Data{TicketID: "t1", ContactID: c, Area: "support", Visibility: "public"}},
			{h, contract.TicketUpdated, contract.Data{TicketID: "t1", ContactID: c, Status: "in_progress", Public: tr()}},
			{h, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "agent"}},
			{3 * h, contract.TicketClosed, contract.Data{TicketID: "t1", ContactID: c}},
		}, 1},
		{"given the agent answers the ticket only a week later then two", []step{
			{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "webchat", RoutedTo: "human"}},
			{time.Minute, contract.TicketOpened, contract.Data{TicketID: "t1", ContactID: c, Area: "support", Visibility: "public"}},
			{7 * 24 * h, contract.TicketUpdated, contract.Data{TicketID: "t1", ContactID: c, Status: "in_progress", Public: tr()}},
			{7*24*h + time.Minute, contract.MessageSent, contract.Data{ContactID: c, Channel: "webchat", Sender: "agent"}},
		}, 2},
		{"given a chatbot then an escalation to a human within 24 h then two", []step{
			{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "bot"}},
			{time.Minute, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "bot"}},
			{5 * time.Minute, contract.TicketOpened, contract.Data{TicketID: "t1", ContactID: c, Area: "support", Visibility: "public"}},
			{10 * time.Minute, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "agent"}},
		}, 2},
		{"given an internal ticket and auto replies then nothing", []step{
			{0, contract.TicketOpened, contract.Data{TicketID: "t1", ContactID: c, Area: "support", Visibility: "internal"}},
			{time.Minute, contract.MessageSent, contract.Data{ContactID: c, Channel: "email", Sender: "auto_reply"}},
			{h, contract.TicketUpdated, contract.Data{TicketID: "t1", ContactID: c, Status: "waiting", Public: fa()}},
			{2 * h, contract.TicketClosed, contract.Data{TicketID: "t1", ContactID: c}},
		}, 0},
		{"given an expert agent acts twice within 24 h then one in its own lane", []step{
			{0, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "expert_agent"}},
			{2 * h, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "expert_agent"}},
			{3 * h, contract.MessageSent, contract.Data{ContactID: c, Channel: "whatsapp", Sender: "agent"}},
		}, 2},
		{"given a late event older than the current window then it is absorbed", []step{
			{10 * h, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "human"}},
			{0, contract.MessageReceived, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "human"}},
		}, 1},
	}
	p := pipeline.New(t, pipeline.Options{})
	var all []contract.Event
	for i, sc := range scenarios {
		org := fmt.Sprintf("scn%02d", i)
		for j, s := range sc.steps {
			all = append(all, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("e%d", j), Source: "test", Type: s.typ,
				Time: t0.Add(s.after), OrgID: org, Data: s.data})
		}
		// when the whole scenario is delivered twice, nothing changes
		all = append(all, all[len(all)-len(sc.steps):]...)
	}
	p.Publish(t, all...)
	p.Drain(t)
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			org := fmt.Sprintf("scn%02d", i)
			entries, _, err := p.Store.Ledger(context.Background(), org, t0.Add(-time.Hour), t0.Add(30*24*time.Hour), "", 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != sc.debits {
				t.Fatalf("then %d debits, got %d: %+v", sc.debits, len(entries), entries)
			}
			days, err := p.Store.DayTotals(context.Background(), org, "2000-01-01", "2999-01-01")
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, d := range days {
				total += d.Total
			}
			if total != int64(sc.debits) {
				t.Fatalf("then day totals %d, want %d", total, sc.debits)
			}
		})
	}
}
