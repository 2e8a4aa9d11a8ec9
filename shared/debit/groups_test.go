package debit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// TestOrganizationAndContactEventsShareNoState: given a contact whose id is
// "_org" (a valid id, once the name of the organization's message group),
// when its billable event and an organization event (user.added) arrive in
// one batch, in either order, whether the producer grouped them the current
// way or the old way (both in "<org>#_org"), then the contact is debited
// once and the organization counts one seat: each message is applied to what
// it is about, whatever group it came in.
func TestOrganizationAndContactEventsShareNoState(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	user := func(org string) contract.Event {
		return contract.Event{SpecVersion: "1.0", ID: "u1", Source: "admin", Type: contract.UserAdded, Time: now.Add(-time.Hour),
			OrgID: org, Data: contract.Data{UserID: "ana"}}
	}
	bot := func(org string) contract.Event {
		return contract.Event{SpecVersion: "1.0", ID: "m1", Source: "inbox", Type: contract.MessageReceived, Time: now.Add(-30 * time.Minute),
			OrgID: org, Data: contract.Data{ContactID: "_org", Channel: "whatsapp", RoutedTo: contract.RoutedBot}}
	}
	expert := func(org string) contract.Event {
		return contract.Event{SpecVersion: "1.0", ID: "m2", Source: "inbox", Type: contract.MessageSent, Time: now.Add(-20 * time.Minute),
			OrgID: org, Data: contract.Data{ContactID: "_org", Channel: "whatsapp", Sender: contract.SenderExpertAgent}}
	}
	cases := []struct {
		scenario string
		batch    func(org string) []contract.Event
	}{
		{"user.added then the _org contact's bot message", func(o string) []contract.Event { return []contract.Event{user(o), bot(o)} }},
		{"the _org contact's expert-agent message then user.added", func(o string) []contract.Event { return []contract.Event{expert(o), user(o)} }},
	}
	for i, c := range cases {
		for _, legacy := range []bool{false, true} {
			name := c.scenario
			if legacy {
				name += ", both in the old shared group"
			}
			t.Run(name, func(t *testing.T) {
				org := fmt.Sprintf("grp%d%v", i, legacy)
				var b events.SQSEvent
				for j, e := range c.batch(org) {
					m := testkit.Message(t, fmt.Sprintf("q%d", j), e)
					if legacy {
						m = testkit.WithGroup(m, org+contract.LegacyOrgGroupSuffix)
					}
					b.Records = append(b.Records, m)
				}

				resp, err := p.Processor.Handle(context.Background(), b)

				if err != nil || len(resp.BatchItemFailures) > 0 {
					t.Fatalf("then no failure, got %v %v", err, resp.BatchItemFailures)
				}
				entries, _, err := p.Store.Ledger(context.Background(), org, now.Add(-48*time.Hour), now.Add(time.Hour), "", 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(entries) != 1 || entries[0].ContactID != "_org" {
					t.Errorf("then one debit of contact _org, got %+v", entries)
				}
				prof, err := p.Store.GetProfile(context.Background(), org)
				if err != nil {
					t.Fatal(err)
				}
				if len(prof.State.Users) != 1 {
					t.Errorf("then one seat used, got users %v", prof.State.Users)
				}
			})
		}
	}
}
