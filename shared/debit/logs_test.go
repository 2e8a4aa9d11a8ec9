package debit_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/tests/ddbmeter"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestLogsHoldNoPersonalData: given a WhatsApp contact (its id is a phone
// number) writing a text, a poison message in its group, and a batch that
// fails and is redelivered, when the handler logs at debug level, then no
// line holds the phone, the contact id or the text.
func TestLogsHoldNoPersonalData(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{NoQueue: true})
	var out syncBuf
	log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	proc := testkit.Must(debit.New(debit.Config{Store: p.Store, DeadLetter: &recordingDLQ{msgs: map[string]string{}}, Classifier: sentiment.Offline{}, Log: log}))(t)
	const phone, text = "5511987654321", "meu pedido 4471 não chegou, péssimo"
	c := "wa:" + phone
	ev := contract.Event{SpecVersion: "1.0", ID: "wamid.1", Source: "channels/whatsapp", Type: contract.MessageReceived,
		Time: time.Now().Add(-time.Minute), OrgID: "o", Data: contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: "bot", Text: text}}
	group := ev.MessageGroupID()
	batch := events.SQSEvent{Records: []events.SQSMessage{
		testkit.Message(t, "m1", ev),
		{MessageId: "m2", Body: `{"specversion":"1.0","orgid":"o","data":{"contactId":"` + c + `","text":"` + text + `"}}`, Attributes: map[string]string{"MessageGroupId": group}},
	}}
	p.Meter.SetFaults(ddbmeter.Faults{Before: 1})
	if resp, _ := proc.Handle(context.Background(), batch); len(resp.BatchItemFailures) == 0 {
		t.Fatal("given DynamoDB failing, the batch fails")
	}
	p.Meter.SetFaults(ddbmeter.Faults{})
	for i := 0; i < 2; i++ { // delivered, then redelivered
		if resp, err := proc.Handle(context.Background(), batch); err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("then it is processed: %v %v", err, resp)
		}
	}
	logs := out.String()
	if !strings.Contains(logs, "interactionz debited") || !strings.Contains(logs, "duplicate event ignored") {
		t.Fatalf("the scenario did not happen: %s", logs)
	}
	for _, secret := range []string{phone, text, "péssimo"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("then the logs never hold %q:\n%s", secret, logs)
		}
	}
}
