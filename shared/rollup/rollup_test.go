package rollup_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/rollup"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

func seed(t *testing.T, p *pipeline.Pipeline, org string, contacts int) {
	t.Helper()
	if err := p.Store.PutPlan(context.Background(), org, plan.Default()); err != nil {
		t.Fatal(err)
	}
	var b events.SQSEvent
	for i := 0; i < contacts; i++ {
		e := contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("%s-%d", org, i), Source: "t", Type: contract.ContactUpserted,
			Time: time.Now().Add(-time.Hour), OrgID: org, Data: contract.Data{ContactID: fmt.Sprintf("c%d", i), Phone: "+5511987654321"}}
		b.Records = append(b.Records, testkit.Message(t, e.ID, e))
		if len(b.Records) == 10 || i == contacts-1 {
			if resp, err := p.Processor.Handle(context.Background(), b); err != nil || len(resp.BatchItemFailures) > 0 {
				t.Fatalf("seed: %v %v", err, resp)
			}
			b.Records = nil
		}
	}
}

// TestOneOrganizationFailingDoesNotStopTheOthers: given three organizations
// where one has a corrupted contact state, when the scheduled rollup runs,
// then the two others are stored, the run reports the failure, and the
// failed one's Home still answers (without new figures).
func TestOneOrganizationFailingDoesNotStopTheOthers(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{NoQueue: true})
	for i, org := range []string{"a", "b", "c"} {
		seed(t, p, org, 5+i)
	}
	k := keys.Contact("b", "c0")
	if _, err := p.Env.DDB.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(p.Table),
		Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: k.PK}, "sk": &types.AttributeValueMemberS{Value: k.SK}},
		UpdateExpression:          aws.String("SET st = :x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":x": &types.AttributeValueMemberS{Value: "{not json"}}}); err != nil {
		t.Fatal(err)
	}
	sum, err := p.Rollup.All(context.Background())
	if !errors.Is(err, rollup.ErrSomeFailed) || sum.Organizations != 3 || sum.Failed != 1 {
		t.Fatalf("then 1 of 3 failed and the run says so: %+v %v", sum, err)
	}
	for org, want := range map[string]int{"a": 5, "c": 7} {
		r, err := p.Store.GetRollup(context.Background(), org)
		if err != nil || !r.Exists || r.Snapshot.Metrics.ContactBase != want {
			t.Fatalf("then %s is rolled up with %d contacts: %+v %v", org, want, r.Snapshot.Metrics.ContactBase, err)
		}
	}
	if r, _ := p.Store.GetRollup(context.Background(), "b"); r.Exists {
		t.Fatal("then the failed organization has no new snapshot")
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/home", nil)
	req.Header.Set("Authorization", "Bearer "+p.Token(t, "b", auth.Viewer))
	rec := httptest.NewRecorder()
	p.Runner.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("then b's Home still answers: %d", rec.Code)
	}
}

// TestHomeCostsTwoRequestsWhateverTheSize: given organizations of 3 and 300
// contacts, when the Home is read, then it costs exactly two DynamoDB
// requests for both.
func TestHomeCostsTwoRequestsWhateverTheSize(t *testing.T) {
	p := pipeline.New(t, pipeline.Options{NoQueue: true})
	for _, c := range []struct {
		org      string
		contacts int
	}{{"small", 3}, {"large", 300}} {
		seed(t, p, c.org, c.contacts)
		if _, _, err := p.Rollup.Org(context.Background(), c.org); err != nil {
			t.Fatal(err)
		}
		p.Meter.Reset()
		req := httptest.NewRequest(http.MethodGet, "/v1/home", nil)
		req.Header.Set("Authorization", "Bearer "+p.Token(t, c.org, auth.Admin))
		rec := httptest.NewRecorder()
		p.Runner.ServeHTTP(rec, req)
		counts := p.Meter.Counts()
		total := 0
		for _, n := range counts.Requests {
			total += n
		}
		if rec.Code != 200 || total != 2 {
			t.Fatalf("%s: status %d, %d requests %v", c.org, rec.Code, total, counts.Requests)
		}
	}
}
