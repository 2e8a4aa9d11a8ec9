package webhookapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/httpedge"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/shared/webhook"
	"github.com/customercloud/home/shared/wiring/webhookapp"
	"github.com/customercloud/home/tests/testenv"
	"github.com/customercloud/home/tests/testkit"
)

// The producer's key and Meta's secrets of this test.
var keyA = webhook.Secret("producer-secret-org-acme-0123456789")

const (
	testMetaSecret = "meta-app-secret-0123456789abcdef"
	testVerify     = "verify-token-for-tests"
)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "events", name))
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	return b
}

// queued is a message read back from the real queue.
type queued struct {
	ev           contract.Event
	body         string
	group, dedup string
}

// receiveAll reads (and deletes) the want messages expected on the queue,
// decoded, then checks no more are there.
func receiveAll(t *testing.T, stack *testenv.Env, url string, want int) []queued {
	t.Helper()
	msgs := stack.Receive(t, sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(url),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}, want)
	stack.AssertEmpty(t, url)
	out := make([]queued, 0, len(msgs))
	for _, m := range msgs {
		ev, err := contract.Decode([]byte(aws.ToString(m.Body)), time.Now())
		if err != nil {
			t.Fatalf("a message on the queue is not a valid contract event: %v", err)
		}
		out = append(out, queued{ev: ev, body: aws.ToString(m.Body),
			group: m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)],
			dedup: m.Attributes[string(types.MessageSystemAttributeNameMessageDeduplicationId)]})
	}
	return out
}

// TestEndToEndIntoTheRealQueue builds the handler exactly as the function
// does (webhookapp.New), over an isolated copy of the table and queues in the
// local stack, serves it over real HTTP, and reads the queue back.
func TestEndToEndIntoTheRealQueue(t *testing.T) {
	stack := testenv.Stack(t)
	table := stack.NewTable(t)
	queueURL, _ := stack.NewQueues(t)
	vars := map[string]string{}
	for k, v := range stack.Vars {
		vars[k] = v
	}
	vars[resources.EnvTableName] = table
	vars[resources.EnvEventsQueueURL] = queueURL
	vars[resources.EnvProducerSecretsJSON] = `{"org-acme":"` + string(keyA) + `"}`
	vars[resources.EnvMetaAppSecret] = testMetaSecret
	vars[resources.EnvMetaVerifyToken] = testVerify
	getenv := func(k string) string { return vars[k] }

	ctx := context.Background()
	accts := webhook.StoredAccounts{Store: testkit.Must(store.New(store.Config{DB: stack.DDB, Table: table}))(t)}
	if err := accts.PutProviderAccount(ctx, webhook.ProviderAccount{Provider: webhook.WhatsApp, Account: "106540352242922", OrgID: "org-acme"}); err != nil {
		t.Fatal(err)
	}
	// Two handlers stand for two warm Lambda instances: they share nothing
	// but the queue.
	var servers []*httptest.Server
	for range 2 {
		h, err := webhookapp.New(ctx, getenv, nil)
		if err != nil {
			t.Fatalf("webhookapp.New: %v", err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		servers = append(servers, srv)
	}
	post := func(srv *httptest.Server, path, contentType string, body []byte, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}

	// The sample batch, signed now (its event times are in the past).
	batch := sample(t, "producer-batch.json")
	ts := time.Now().Unix()
	signed := map[string]string{
		webhook.HeaderWebhookID: "msg_e2e", webhook.HeaderWebhookTimestamp: strconv.FormatInt(ts, 10),
		webhook.HeaderWebhookSignature: webhook.SignProducer(keyA, "msg_e2e", ts, batch), webhook.HeaderWebhookOrg: "org-acme",
	}
	wa := sample(t, "webhook-whatsapp.json")
	metaHdr := map[string]string{webhook.HeaderHubSignature256: webhook.SignMeta(webhook.Secret(testMetaSecret), wa)}

	steps := []struct {
		name       string
		srv        int
		path, ct   string
		body       []byte
		hdr        map[string]string
		wantStatus int
	}{
		{name: "given the signed sample batch, when posted to instance 1, then 202", srv: 0, path: webhook.PathEvents, ct: webhook.ContentTypeCloudEventBatch, body: batch, hdr: signed, wantStatus: http.StatusAccepted},
		{name: "given the same request replayed to instance 2 (no shared memory), when posted, then 202 and the queue deduplicates", srv: 1, path: webhook.PathEvents, ct: webhook.ContentTypeCloudEventBatch, body: batch, hdr: signed, wantStatus: http.StatusAccepted},
		{name: "given the same request replayed to instance 1, when posted, then 202 from its replay cache", srv: 0, path: webhook.PathEvents, ct: webhook.ContentTypeCloudEventBatch, body: batch, hdr: signed, wantStatus: http.StatusAccepted},
		{name: "given the signed webhook.WhatsApp sample, when Meta delivers it, then 200", srv: 0, path: webhook.PathWebhooksPre + "whatsapp", ct: "application/json", body: wa, hdr: metaHdr, wantStatus: http.StatusOK},
		{name: "given Meta redelivering it to instance 2, when delivered, then 200 and the queue deduplicates", srv: 1, path: webhook.PathWebhooksPre + "whatsapp", ct: "application/json", body: wa, hdr: metaHdr, wantStatus: http.StatusOK},
	}
	for _, s := range steps {
		res := post(servers[s.srv], s.path, s.ct, s.body, s.hdr)
		if res.StatusCode != s.wantStatus {
			var p httpedge.Problem
			_ = json.NewDecoder(res.Body).Decode(&p)
			t.Fatalf("%s: status %d, want %d (%+v)", s.name, res.StatusCode, s.wantStatus, p)
		}
	}

	var wantIDs []string
	var batchEvents []json.RawMessage
	_ = json.Unmarshal(batch, &batchEvents)
	for _, raw := range batchEvents {
		ev, err := contract.Decode(raw, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		wantIDs = append(wantIDs, ev.ID)
	}
	wantIDs = append(wantIDs,
		"contact:wa:5511987654321", "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDMEYxRDlGNjM5QzRBRTFCMDgA",
		"contact:wa:5521998765432", "wamid.HBgNNTUyMTk5ODc2NTQzMhUCABIYFjNFQjBEMkE0QjdDMUU5RjA2NzQ4MjkA")
	got := receiveAll(t, stack, queueURL, len(wantIDs))
	var gotIDs []string
	for _, q := range got {
		gotIDs = append(gotIDs, q.ev.ID)
		if q.group != q.ev.MessageGroupID() || q.dedup != q.ev.DeduplicationID() {
			t.Errorf("%s: group %q dedup %q, want %q %q", q.ev.ID, q.group, q.dedup, q.ev.MessageGroupID(), q.ev.DeduplicationID())
		}
		enc, _ := q.ev.Encode()
		if q.body != string(enc) {
			t.Errorf("%s: body is not the contract encoding:\n%s\n%s", q.ev.ID, q.body, enc)
		}
		if q.ev.OrgID != "org-acme" {
			t.Errorf("%s: org %q", q.ev.ID, q.ev.OrgID)
		}
	}
	sort.Strings(gotIDs)
	sort.Strings(wantIDs)
	if len(gotIDs) != len(wantIDs) {
		t.Fatalf("on the queue %v\nwant exactly once each %v", gotIDs, wantIDs)
	}
	for i := range gotIDs {
		if gotIDs[i] != wantIDs[i] {
			t.Fatalf("on the queue %v\nwant %v", gotIDs, wantIDs)
		}
	}
}
