package testkit

import (
	"reflect"
	"testing"
	"time"

	"github.com/customercloud/home/shared/contract"
)

func reply(id, contact string) contract.Event {
	return contract.Event{SpecVersion: "1.0", ID: id, Source: "inbox", Type: contract.MessageReceived,
		Time: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC), OrgID: "o",
		Data: contract.Data{ContactID: contact, Channel: "sms", RoutedTo: contract.RoutedHuman}}
}

// TestMessageIsWhatTheEventSourceDelivers: given an event, when it is built
// into a record, then its body decodes to the event and its group is the
// event's; the With helpers set only what they name.
func TestMessageIsWhatTheEventSourceDelivers(t *testing.T) {
	e := reply("e1", "c1")
	m := Message(t, "m1", e)
	got, err := contract.Decode([]byte(m.Body), e.Time.Add(time.Minute))
	if err != nil || got.ID != e.ID || m.MessageId != "m1" || m.Attributes["MessageGroupId"] != e.MessageGroupID() {
		t.Fatalf("record %+v decodes to %+v (%v)", m, got, err)
	}
	m = WithReceives(WithSequence(WithGroup(m, "g"), 7), "rh", 3)
	want := map[string]string{"MessageGroupId": "g", "SequenceNumber": "7", "ApproximateReceiveCount": "3"}
	if !reflect.DeepEqual(m.Attributes, want) || m.ReceiptHandle != "rh" {
		t.Fatalf("attributes %v, handle %q", m.Attributes, m.ReceiptHandle)
	}
}

// TestByGroupKeepsStreamOrder: given three contacts' events interleaved,
// when sorted by group, then the groups come in order of first event and
// each keeps its events' stream order.
func TestByGroupKeepsStreamOrder(t *testing.T) {
	evs := []contract.Event{reply("1", "b"), reply("2", "a"), reply("3", "b"), reply("4", "c"), reply("5", "a")}
	groups, members := ByGroup(evs)
	if want := []string{evs[0].MessageGroupID(), evs[1].MessageGroupID(), evs[3].MessageGroupID()}; !reflect.DeepEqual(groups, want) {
		t.Fatalf("groups %v, want %v", groups, want)
	}
	if got := members[evs[0].MessageGroupID()]; !reflect.DeepEqual(got, []int{0, 2}) {
		t.Fatalf("group b holds %v", got)
	}
	if got := members[evs[1].MessageGroupID()]; !reflect.DeepEqual(got, []int{1, 4}) {
		t.Fatalf("group a holds %v", got)
	}
}
