package debit_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/deadletter"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/oracle"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// TestBusyContactThroughTheRealQueue: given a contact at 5,000 events a day
// (HOT_QUEUE_DAYS days, default 1), published through the real publisher to
// the FIFO queue and consumed by the local event source mapping, then every
// event is metered as the oracle says, nothing is in the dead-letter queue,
// and the contact's stored state stays within 4 KB.
func TestBusyContactThroughTheRealQueue(t *testing.T) {
	days := envInt("HOT_QUEUE_DAYS", 1)
	end := time.Now().UTC().Truncate(time.Millisecond)
	p := pipeline.New(t, pipeline.Options{Now: end})
	const org, hot = "busyq", "busy-1"
	pl := plan.Default()
	if err := p.Store.PutPlan(context.Background(), org, pl); err != nil {
		t.Fatal(err)
	}
	evs := gen.Hot(gen.HotOptions{Org: org, Contact: hot, PerDay: 5000, Days: days, Now: end, Seed: 5})
	p.Publish(t, evs...)
	received := p.Drain(t)
	if dl := p.DeadLetters(t); len(dl) != 0 {
		t.Fatalf("%d messages in the dead-letter queue", len(dl))
	}
	compareBilling(t, p, org, oracle.Run(evs, oracle.Options{Plan: pl, Now: end, Classify: classify}))
	b, err := p.Store.LoadBatch(context.Background(), []string{org}, []ingest.ContactRef{{Org: org, Contact: hot}})
	if err != nil {
		t.Fatal(err)
	}
	size, _ := p.Store.StateSize(b.Contacts[ingest.ContactRef{Org: org, Contact: hot}].State)
	if size > hotStateLimit {
		t.Fatalf("the busy contact's state is %d bytes", size)
	}
	t.Logf("%d events published, %d received, state %d bytes", len(evs), received, size)
}

// TestOversizeStateSetsTheEventAside: given a contact whose state cannot
// hold one more open ticket (the store's limit lowered to 900 bytes to make
// the case cheap), when tickets keep opening and a customer then writes,
// then each ticket that would make the state too large goes to the real
// dead-letter queue with the reason, no message fails back to the queue,
// and once tickets close, the customer's message is metered: the group
// goes on.
func TestOversizeStateSetsTheEventAside(t *testing.T) {
	t0 := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	p := pipeline.New(t, pipeline.Options{Now: t0.Add(47 * time.Hour)})
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	small := testkit.Must(store.New(store.Config{DB: p.Meter, Table: p.Table, Now: p.Clock.Now, MaxStateBytes: 900}))(t)
	proc := testkit.Must(debit.New(debit.Config{Store: small, DeadLetter: deadletter.New(p.Env.Queues, p.DLQURL), Classifier: sentiment.Offline{},
		Log: log, Now: p.Clock.Now}))(t)
	var evs []contract.Event
	for i := 0; i < 80; i++ {
		evs = append(evs, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("t%d", i), Source: "inbox", Type: contract.TicketOpened,
			Time: t0.Add(time.Duration(i) * time.Minute), OrgID: "big", Data: contract.Data{TicketID: fmt.Sprintf("%x", sha256.Sum256([]byte{byte(i)}))[:24],
				ContactID: "c-1", Area: contract.AreaSupport, Visibility: contract.VisibilityPublic}})
	}
	for i := 0; i < 10; i++ { // tickets that made it in close: room again
		evs = append(evs, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("x%d", i), Source: "inbox", Type: contract.TicketClosed,
			Time: t0.Add(29 * time.Hour), OrgID: "big", Data: contract.Data{TicketID: fmt.Sprintf("%x", sha256.Sum256([]byte{byte(i)}))[:24], ContactID: "c-1"}})
	}
	last := contract.Event{SpecVersion: "1.0", ID: "m1", Source: "channels/whatsapp", Type: contract.MessageReceived,
		Time: t0.Add(30 * time.Hour), OrgID: "big", Data: contract.Data{ContactID: "c-1", Channel: "whatsapp", RoutedTo: contract.RoutedHuman}}
	evs = append(evs, last)
	for start := 0; start < len(evs); start += 10 {
		var b events.SQSEvent
		for i, e := range evs[start:min(start+10, len(evs))] {
			b.Records = append(b.Records, testkit.WithSequence(testkit.Message(t, fmt.Sprintf("m%d", start+i), e), start+i+1))
		}
		resp, err := proc.Handle(context.Background(), b)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("batch failed: %v %v", err, resp.BatchItemFailures)
		}
	}
	dl := p.DeadLetters(t)
	if len(dl) == 0 {
		t.Fatal("no event was set aside: the limit was never reached")
	}
	for body, reason := range dl {
		if !strings.Contains(body, `"ticket.opened"`) || !strings.Contains(reason, "item size limit") {
			t.Fatalf("set aside %s with reason %q", body, reason)
		}
	}
	entries, _, err := p.Store.Ledger(context.Background(), "big", t0.Add(-time.Hour), t0.Add(48*time.Hour), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || e.EventID == last.ID
	}
	if !found {
		t.Fatalf("the customer's message after the oversize tickets was not metered: %+v", entries)
	}
	t.Logf("%d of 80 tickets set aside", len(dl))
}
