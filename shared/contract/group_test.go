package contract

import (
	"strings"
	"testing"
)

// TestMessageGroupsAreDisjoint: given organization-scoped events and contact
// events whose contact ids try to look like the organization's group (the
// old reserved "_org", empty-looking or separator-like ids, the longest ids),
// when their message groups are built, then no contact shares the
// organization's group or another contact's, and every group fits SQS.
func TestMessageGroupsAreDisjoint(t *testing.T) {
	org := "acme"
	long := strings.Repeat("a", 64)
	orgEvents := []Event{
		{OrgID: org, Type: UserAdded, Data: Data{UserID: "u1"}},
		{OrgID: org, Type: UserRemoved, Data: Data{UserID: "u1"}},
		{OrgID: org, Type: ChannelEnabled, Data: Data{Channel: "sms"}},
		{OrgID: org, Type: IntegrationConnected, Data: Data{System: "crm"}},
	}
	for _, e := range orgEvents {
		if g := e.MessageGroupID(); g != org {
			t.Fatalf("%s: group %q, want the organization's own %q", e.Type, g, org)
		}
	}
	contacts := []string{"_org", "org", "acme", "_", "-", "h:" + strings.Repeat("0", 62), long, long[:63] + "b", "a"}
	groups := map[string]string{org: "(organization)"}
	for _, c := range contacts {
		for _, typ := range []Type{MessageSent, MessageReceived, ContactUpserted, TicketOpened} {
			e := Event{OrgID: strings.Repeat("o", 64), Type: typ, Data: Data{ContactID: c}}
			if c != long && c != long[:63]+"b" {
				e.OrgID = org
			}
			g := e.MessageGroupID()
			if len(g) > MaxGroupIDLen {
				t.Fatalf("contact %q: group of %d characters, SQS allows %d", c, len(g), MaxGroupIDLen)
			}
			if owner, ok := groups[g]; ok && owner != c {
				t.Fatalf("contact %q shares group %q with %s", c, g, owner)
			}
			groups[g] = c
		}
	}
}
