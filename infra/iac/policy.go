package iac

import (
	"fmt"
	"slices"
	"strings"

	"github.com/customercloud/home/shared/resources"
)

// Statement is one Allow statement of a function's role. Resources are in
// Fn::Sub syntax (${Table.Arn}), which both templates can express and the
// reader renders to, so the two are compared literally.
type Statement struct {
	Sid       string
	Actions   []string
	Resources []string
}

// tableAccess names the exact DynamoDB actions each function calls; the
// FunctionDef flags say only "reads" and "writes", and a function that reads
// by key must not be able to Query. TransactWriteItems has no IAM action of
// its own: it is authorized per item as PutItem, UpdateItem, DeleteItem or
// ConditionCheckItem, so debit gets those it uses (Put for ledger entries,
// Update for states and totals). Each list is exactly what shared/store calls
// for that function.
var tableAccess = map[string]struct {
	Actions []string
	Indexes []string // indexes it queries
}{
	resources.HomeAPI.Name: {Actions: []string{"GetItem", "BatchGetItem", "Query", "UpdateItem"}},
	resources.Debit.Name:   {Actions: []string{"BatchGetItem", "UpdateItem", "PutItem"}},
	resources.Webhook.Name: {Actions: []string{"GetItem"}},
	resources.Notify.Name:  {Actions: []string{"GetItem"}},
	// The export worker reads its record and the ledger, and marks the
	// record's status (UpdateItem).
	resources.Export.Name: {Actions: []string{"GetItem", "Query", "UpdateItem"}},
	// The lister pages the organization index and reads nothing else.
	resources.Rollup.Name: {Actions: []string{"Query"}, Indexes: []string{"gsi1"}},
	// The worker: a listing continuation pages the index; an
	// organization's task reads its aggregates and alert state
	// (GetItem, BatchGetItem), marks crossings and prunes expired days
	// (UpdateItem); a reconciliation queries its contact shards.
	resources.MetricsWorker.Name: {Actions: []string{"Query", "GetItem", "BatchGetItem", "UpdateItem"}, Indexes: []string{"gsi1"}},
	// The stream processor reads and updates an organization's aggregate
	// items with their watermarks, and nothing else.
	resources.Aggregate.Name: {Actions: []string{"GetItem", "UpdateItem"}},
}

// streamReadActions are what the Lambda poller calls on a DynamoDB Stream.
// They are granted on the table's stream ARN only: with a stream ARN as its
// source the poller never needs to list the account's streams elsewhere.
var streamReadActions = []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

// StreamArn is the table's stream ARN in Fn::Sub syntax.
func StreamArn() string { return Value{Ref: TableID(resources.Table), Attr: "StreamArn"}.String() }

// readActions and writeActions classify DynamoDB item actions, to hold the
// table above to the TableRead and TableWrite flags.
var (
	readActions  = []string{"GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem"}
	writeActions = []string{"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}
)

// consumeActions are what the Lambda SQS poller needs on its queue, and
// ChangeMessageVisibility, with which the consumer holds failed messages
// back on its retry schedule (debit.Visibility; it also authorizes the
// batch form).
var consumeActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"}

// Statements is the policy of a function's role, derived from its definition:
// logs on its own log group, its table actions, consuming its queue, sending
// to the queues it sends to, reading its SSM parameters, and Comprehend.
// Statements and their actions are sorted, so templates compare stably.
func Statements(f resources.FunctionDef) ([]Statement, error) {
	sts := []Statement{{
		Sid:       "Logs",
		Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources: []string{Value{Ref: LogGroupID(f), Attr: "Arn"}.String()},
	}}

	tableSt, err := tableStatement(f)
	if err != nil {
		return nil, err
	}
	if tableSt != nil {
		sts = append(sts, *tableSt)
	}

	if f.Kind == resources.Queue {
		q, err := QueueByName(f.Queue)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name, err)
		}
		acts := slices.Clone(consumeActions)
		sts = append(sts, Statement{Sid: "Consume" + camel(baseName(q.Name)), Actions: acts,
			Resources: []string{Value{Ref: QueueID(q), Attr: "Arn"}.String()}})
	}
	if f.Kind == resources.TableStream {
		if resources.Table.StreamView == "" || f.Stream == nil {
			return nil, fmt.Errorf("iac: function %s reads the table's stream, which has none (or no StreamSource)", f.Name)
		}
		sts = append(sts, Statement{Sid: "ReadTableStream", Actions: slices.Clone(streamReadActions), Resources: []string{StreamArn()}})
		if f.Stream.OnFailure != "" && !slices.Contains(f.SendsTo, f.Stream.OnFailure) {
			return nil, fmt.Errorf("iac: function %s: its on-failure queue %s must be in SendsTo (the poller sends with its role)", f.Name, f.Stream.OnFailure)
		}
	}
	for _, name := range f.SendsTo {
		q, err := QueueByName(name)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name, err)
		}
		sts = append(sts, Statement{Sid: "SendTo" + camel(baseName(q.Name)), Actions: []string{"sqs:SendMessage"},
			Resources: []string{Value{Ref: QueueID(q), Attr: "Arn"}.String()}})
	}

	var params []string
	for _, e := range f.Env {
		if IsSSMEnv(e) {
			// Names are /hierarchical (AllowedPattern), so no slash after "parameter".
			params = append(params, "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${"+ParamForEnv(e)+"}")
		}
	}
	if len(params) > 0 {
		sts = append(sts, Statement{Sid: "ReadParameters", Actions: []string{"ssm:GetParameters"}, Resources: params})
	}

	if f.PutsEvents {
		sts = append(sts, Statement{Sid: "PublishNotifications", Actions: []string{"events:PutEvents"}, Resources: []string{busArn()}})
	}

	// Usage exports: the worker writes objects under the prefix by
	// multipart upload (CreateMultipartUpload, UploadPart and
	// CompleteMultipartUpload are authorized as s3:PutObject) and aborts
	// a failed one; the API only presigns GETs, which needs s3:GetObject.
	if f.WritesExports {
		sts = append(sts, Statement{Sid: "WriteExports", Actions: []string{"s3:PutObject", "s3:AbortMultipartUpload"}, Resources: []string{exportObjects}})
	}
	if f.PresignsExports {
		sts = append(sts, Statement{Sid: "PresignExports", Actions: []string{"s3:GetObject"}, Resources: []string{exportObjects}})
	}

	if f.Comprehend {
		// Comprehend's DetectSentiment has no resource type: "*" is the only form.
		sts = append(sts, Statement{Sid: "DetectSentiment", Actions: []string{"comprehend:DetectSentiment"}, Resources: []string{"*"}})
	}

	for i := range sts {
		sts[i].Actions = slices.Sorted(slices.Values(sts[i].Actions))
		sts[i].Resources = slices.Sorted(slices.Values(sts[i].Resources))
	}
	slices.SortFunc(sts, func(a, b Statement) int { return strings.Compare(a.Sid, b.Sid) })
	return sts, nil
}

// tableStatement builds the table statement and checks it against the
// function's TableRead/TableWrite flags both ways.
func tableStatement(f resources.FunctionDef) (*Statement, error) {
	acc, ok := tableAccess[f.Name]
	if !f.TableRead && !f.TableWrite {
		if ok {
			return nil, fmt.Errorf("iac: function %s has table actions but neither TableRead nor TableWrite", f.Name)
		}
		return nil, nil
	}
	if !ok {
		return nil, fmt.Errorf("iac: function %s uses the table but iac names none of its actions", f.Name)
	}
	var reads, writes int
	st := Statement{Sid: "Table"}
	for _, a := range acc.Actions {
		switch {
		case slices.Contains(readActions, a):
			reads++
		case slices.Contains(writeActions, a):
			writes++
		default:
			return nil, fmt.Errorf("iac: function %s: unknown DynamoDB action %s", f.Name, a)
		}
		st.Actions = append(st.Actions, "dynamodb:"+a)
	}
	if reads > 0 && !f.TableRead || writes > 0 && !f.TableWrite {
		return nil, fmt.Errorf("iac: function %s: actions %v exceed its flags (read %v, write %v)", f.Name, acc.Actions, f.TableRead, f.TableWrite)
	}
	if f.TableRead && reads == 0 || f.TableWrite && writes == 0 {
		return nil, fmt.Errorf("iac: function %s: flags (read %v, write %v) not matched by actions %v", f.Name, f.TableRead, f.TableWrite, acc.Actions)
	}
	table := Value{Ref: TableID(resources.Table), Attr: "Arn"}.String()
	st.Resources = []string{table}
	for _, idx := range acc.Indexes {
		if !slices.ContainsFunc(resources.Table.Indexes, func(i resources.Index) bool { return i.Name == idx }) {
			return nil, fmt.Errorf("iac: function %s queries unknown index %s", f.Name, idx)
		}
		st.Resources = append(st.Resources, table+"/index/"+idx)
	}
	return &st, nil
}
