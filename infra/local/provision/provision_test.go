package provision_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/infra/local/provision"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/tests/testenv"
)

func TestGivenAnExistingTable_WhenCreatedAgain_ThenItIsAcceptedWithTTLAndIndexes(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	name := env.NewTable(t)

	err := provision.CreateTable(t.Context(), env.DDB, resources.Table, name)

	if err != nil {
		t.Fatalf("second CreateTable: %v", err)
	}
	d, err := env.DDB.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.BillingModeSummary == nil || d.Table.BillingModeSummary.BillingMode != ddbtypes.BillingModePayPerRequest {
		t.Errorf("billing mode = %+v, want PAY_PER_REQUEST", d.Table.BillingModeSummary)
	}
	if len(d.Table.GlobalSecondaryIndexes) != 1 || aws.ToString(d.Table.GlobalSecondaryIndexes[0].IndexName) != "gsi1" ||
		d.Table.GlobalSecondaryIndexes[0].Projection.ProjectionType != ddbtypes.ProjectionTypeKeysOnly {
		t.Errorf("indexes = %+v, want gsi1 KEYS_ONLY", d.Table.GlobalSecondaryIndexes)
	}
	ttl, err := env.DDB.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ttl.TimeToLiveDescription.AttributeName) != resources.Table.TTLAttribute ||
		ttl.TimeToLiveDescription.TimeToLiveStatus != ddbtypes.TimeToLiveStatusEnabled {
		t.Errorf("TTL = %+v, want %s ENABLED", ttl.TimeToLiveDescription, resources.Table.TTLAttribute)
	}
}

func TestGivenAnExistingTableOfAnotherShape_WhenCreated_ThenItIsAnError(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	name := env.NewTable(t)
	other := resources.Table
	other.SortKey = resources.Key{Name: "other", Type: resources.String}

	err := provision.CreateTable(t.Context(), env.DDB, other, name)

	if err == nil || !strings.Contains(err.Error(), "different shape") {
		t.Errorf("error = %v, want a different-shape error", err)
	}
}

func TestGivenQueueDefinitions_WhenCreated_ThenTheDLQComesFirstAndRedriveIsWired(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	prefix := "t-prov-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "") + "-"
	// Definitions listed queue first: creation order must still be DLQ first.
	defs := []resources.QueueDef{resources.EventsQueue, resources.EventsDLQ}
	urls, err := provision.CreateQueues(t.Context(), env.SQS, defs, prefix)
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		for _, u := range urls {
			if err := provision.DeleteQueue(context.Background(), env.SQS, u); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatalf("CreateQueues: %v", err)
	}

	// When created again with a shorter visibility timeout,
	changed := resources.EventsQueue
	changed.VisibilityTimeout = 30 * time.Second
	again, err := provision.CreateQueues(t.Context(), env.SQS, []resources.QueueDef{changed, resources.EventsDLQ}, prefix)

	// then the same queues are returned and the attribute converges.
	if err != nil {
		t.Fatalf("CreateQueues again: %v", err)
	}
	for k, u := range urls {
		if again[k] != u {
			t.Errorf("%s: URL %s, then %s", k, u, again[k])
		}
	}
	out, err := env.SQS.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(urls[resources.EventsQueue.Name]),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := out.Attributes
	if a["VisibilityTimeout"] != "30" || a["FifoQueue"] != "true" {
		t.Errorf("attributes = %v, want VisibilityTimeout 30 and FifoQueue true", a)
	}
	if rp := a["RedrivePolicy"]; !strings.Contains(rp, prefix+resources.EventsDLQ.Name) || !strings.Contains(rp, `"maxReceiveCount":1000`) {
		t.Errorf("RedrivePolicy = %s, want the prefixed DLQ's ARN and maxReceiveCount 1000", rp)
	}
}

func TestGivenInvalidQueueDefinitions_WhenCreated_ThenTheyAreRejectedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	env := testenv.Stack(t)
	tests := []struct {
		name string
		defs []resources.QueueDef
		pfx  string
		want string
	}{
		{"FIFO without .fifo", []resources.QueueDef{{Name: "x", FIFO: true}}, "t-", "must end in .fifo"},
		{"too long", []resources.QueueDef{resources.EventsDLQ}, strings.Repeat("p", 70), "limit 80"},
		{"bad characters", []resources.QueueDef{resources.EventsDLQ}, "t#", "may only contain"},
		{"missing DLQ", []resources.QueueDef{resources.EventsQueue}, "t-", "not among the definitions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := provision.CreateQueues(t.Context(), env.SQS, tc.defs, tc.pfx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
