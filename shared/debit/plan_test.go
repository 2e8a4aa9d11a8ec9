package debit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/records"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

// countingStore is the real store with hooks: it counts state reads and
// state computations (every computed plan that changes a state asks its
// size once), runs afterLoad once after the first LoadBatch, and fails
// EnsureOrg for the organizations in ensureFails.
type countingStore struct {
	*store.Store
	loads, sizes atomic.Int64
	afterLoad    func()
	once         sync.Once
	ensureFails  map[string]bool
}

func (s *countingStore) LoadBatch(ctx context.Context, orgs []string, contacts []ingest.ContactRef) (records.Batch, error) {
	s.loads.Add(1)
	b, err := s.Store.LoadBatch(ctx, orgs, contacts)
	if s.afterLoad != nil {
		s.once.Do(s.afterLoad)
	}
	return b, err
}

func (s *countingStore) StateSize(st ingest.ContactState) (int, bool) {
	s.sizes.Add(1)
	return s.Store.StateSize(st)
}

func (s *countingStore) EnsureOrg(ctx context.Context, org string) error {
	if s.ensureFails[org] {
		return errors.New("injected: DynamoDB unavailable")
	}
	return s.Store.EnsureOrg(ctx, org)
}

func batchOf(t *testing.T, evs []contract.Event) events.SQSEvent {
	t.Helper()
	return testkit.Batch(t, evs, func(i int) string { return "m" + strconv.Itoa(i) })
}

func replies(org string, n int, at time.Time) []contract.Event {
	var evs []contract.Event
	for i := range n {
		evs = append(evs, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("%s-r%d", org, i), Source: "inbox", Type: contract.MessageReceived,
			Time: at.Add(-time.Duration(i) * time.Minute), OrgID: org,
			Data: contract.Data{ContactID: fmt.Sprintf("c%02d", i), Channel: "whatsapp", RoutedTo: contract.RoutedHuman}})
	}
	return evs
}

// TestFallbackCommitsThePlansAndSpreadsTheTotals: given a batch of ten
// contacts' replies, each opening a window, and one of the contacts changed
// by another writer between the batch's read and its write, when the batch
// is handled, then the combined transaction fails on that contact's version
// and the batch goes group by group: the nine others commit the plans
// computed from the first read (nothing is computed twice), only the
// changed contact is read and computed again, each contact is debited once,
// and each contact's debit is added to its own totals shard
// (keys.TotalShard), so the fallback's totals spread over the shards.
func TestFallbackCommitsThePlansAndSpreadsTheTotals(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	const org = "fallback"
	ctx := context.Background()
	// An earlier batch registers the organization and contact c00.
	upsert := contract.Event{SpecVersion: "1.0", ID: "u0", Source: "crm", Type: contract.ContactUpserted, Time: now.Add(-2 * time.Hour),
		OrgID: org, Data: contract.Data{ContactID: "c00", Phone: "+5511987654321"}}
	p.Deliver(t, []contract.Event{upsert})
	st := &countingStore{Store: p.Store}
	st.afterLoad = func() { // the other writer: c00 changes after the read
		again := upsert
		again.ID, again.Data.Phone = "u1", "+5521987654321"
		if resp, err := p.Processor.Handle(ctx, batchOf(t, []contract.Event{again})); err != nil || len(resp.BatchItemFailures) > 0 {
			t.Errorf("the other writer failed: %v %v", err, resp)
		}
	}
	proc := testkit.Must(debit.New(debit.Config{Store: st, DeadLetter: &recordingDLQ{msgs: map[string]string{}}, Classifier: sentiment.Offline{},
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Now: p.Clock.Now}))(t)
	evs := replies(org, 10, now.Add(-10*time.Minute))

	resp, err := proc.Handle(ctx, batchOf(t, evs))

	if err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("then no failure, got %v %v", err, resp.BatchItemFailures)
	}
	if n := st.loads.Load(); n != 2 {
		t.Errorf("then the batch read and one re-read of the changed contact, got %d reads", n)
	}
	if n := st.sizes.Load(); n != 11 {
		t.Errorf("then ten plans and one recomputation, got %d computations", n)
	}
	entries, _, err := p.Store.Ledger(ctx, org, now.Add(-2*time.Hour), now.Add(time.Hour), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range entries {
		seen[e.ContactID]++
	}
	if len(entries) != 10 || len(seen) != 10 {
		t.Fatalf("then each of the 10 contacts debited once, got %v", seen)
	}
	days, err := p.Store.DayTotals(ctx, org, "2000-01-01", "2999-01-01")
	if err != nil || len(days) != 1 || days[0].Total != 10 {
		t.Fatalf("then one day with 10 debits, got %+v %v", days, err)
	}
	want := map[int]int64{}
	for _, e := range evs {
		want[keys.TotalShard(e.Data.ContactID)]++
	}
	if len(want) < 2 {
		t.Fatalf("the contacts fall on %d totals shard(s): the test needs several", len(want))
	}
	for sh := range keys.TotalShards {
		k := keys.DayTotals(org, days[0].Date, sh)
		out, err := p.Env.DDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &p.Table, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: k.PK}, "sk": &types.AttributeValueMemberS{Value: k.SK}}})
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		if v, ok := out.Item[store.TotalAttr].(*types.AttributeValueMemberN); ok {
			got, _ = strconv.ParseInt(v.Value, 10, 64)
		}
		if got != want[sh] {
			t.Errorf("then totals shard %d holds its contacts' %d debits, got %d", sh, want[sh], got)
		}
	}
}

// TestEnsureOrgFailureRetriesTheOrganization: given a batch with replies of
// a new organization whose registration in the rollups' index fails and of
// another organization, when the batch is handled, then the first
// organization's messages fail (to come back), nothing of it is written,
// and the other is debited; when the failed messages come back and the
// registration works, then they are debited once and the organization is
// listed for the rollups.
func TestEnsureOrgFailureRetriesTheOrganization(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true})
	ctx := context.Background()
	st := &countingStore{Store: p.Store, ensureFails: map[string]bool{"unlisted": true}}
	proc := testkit.Must(debit.New(debit.Config{Store: st, DeadLetter: &recordingDLQ{msgs: map[string]string{}}, Classifier: sentiment.Offline{},
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Now: p.Clock.Now}))(t)
	evs := append(replies("unlisted", 3, now.Add(-10*time.Minute)), replies("listed", 3, now.Add(-10*time.Minute))...)
	batch := batchOf(t, evs)

	resp, err := proc.Handle(ctx, batch)

	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	if err != nil || len(failed) != 3 || !failed["m0"] || !failed["m1"] || !failed["m2"] {
		t.Fatalf("then the 3 messages of the unregistered organization fail, got %v %v", err, resp.BatchItemFailures)
	}
	count := func(org string) int {
		entries, _, err := p.Store.Ledger(ctx, org, now.Add(-2*time.Hour), now.Add(time.Hour), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	if a, b := count("unlisted"), count("listed"); a != 0 || b != 3 {
		t.Fatalf("then nothing of it is written and the other is debited: %d and %d debits", a, b)
	}

	delete(st.ensureFails, "unlisted")
	var again events.SQSEvent
	for _, m := range batch.Records {
		if failed[m.MessageId] {
			again.Records = append(again.Records, m)
		}
	}
	if resp, err := proc.Handle(ctx, again); err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("then the redelivery is processed: %v %v", err, resp)
	}
	if n := count("unlisted"); n != 3 {
		t.Fatalf("then its 3 debits, got %d", n)
	}
	var orgs []string
	if err := p.Store.ListOrgs(ctx, func(page []string) error { orgs = append(orgs, page...); return nil }); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, o := range orgs {
		listed[o] = true
	}
	if !listed["unlisted"] || !listed["listed"] {
		t.Fatalf("then both organizations are listed for the rollups, got %v", orgs)
	}
}
