// Package infra holds the drift test between the two definitions of the
// stack: template.yaml (SAM) and the CDK app (infra/cdk). Both are read into
// one model (infra/iac) and compared with each other and with what
// shared/resources says, so neither can change alone.
package infra

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/customercloud/home/infra/cdk/stack"
	"github.com/customercloud/home/infra/iac"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/resources"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// repoPath is a path from the repository root; go test runs in infra/.
func repoPath(p string) string { return filepath.Join("..", p) }

func readSAM(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(repoPath("template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The CDK template is synthesized once per test binary (jsii starts node).
var (
	cdkOnce sync.Once
	cdkJSON []byte
	cdkErr  error
)

func synthCDK(t *testing.T) []byte {
	t.Helper()
	cdkOnce.Do(func() {
		dir, err := os.MkdirTemp("", "drift-cdk-")
		if err != nil {
			cdkErr = err
			return
		}
		defer os.RemoveAll(dir)
		if cdkErr = stack.StubAssets(dir); cdkErr != nil {
			return
		}
		cdkJSON, cdkErr = stack.Synth(filepath.Join(dir, "cdk.out"), dir)
	})
	if cdkErr != nil {
		t.Fatalf("synthesize the CDK stack: %v", cdkErr)
	}
	return cdkJSON
}

func model(t *testing.T, name string, src []byte) *iac.Model {
	t.Helper()
	tpl, err := iac.ParseTemplate(src)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	m, err := iac.FromTemplate(tpl)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func expected(t *testing.T) *iac.Model {
	t.Helper()
	m, err := iac.Expected()
	if err != nil {
		t.Fatalf("expected model: %v", err)
	}
	return m
}

func diff(t *testing.T, want, got *iac.Model) []string {
	t.Helper()
	d, err := iac.Diff(want, got)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func reportDrift(t *testing.T, what string, lines []string) {
	t.Helper()
	if len(lines) > 0 {
		t.Errorf("%s: %d difference(s):\n  %s", what, len(lines), strings.Join(lines, "\n  "))
	}
}

// TestNoDrift holds template.yaml and the CDK stack to shared/resources and
// to each other.
func TestNoDrift(t *testing.T) {
	want := expected(t)
	sam := model(t, "template.yaml", readSAM(t))
	cdk := model(t, "CDK template", synthCDK(t))
	reportDrift(t, "template.yaml vs shared/resources (want vs got)", diff(t, want, sam))
	reportDrift(t, "CDK stack vs shared/resources (want vs got)", diff(t, want, cdk))
	reportDrift(t, "template.yaml vs CDK stack (SAM vs CDK)", diff(t, sam, cdk))
	// The template the real CDK CLI synthesized from infra/cdk.json, when
	// make passes it (infra-synth runs first), must agree as well: the
	// in-process synth above could miss what the app's main or cdk.json add.
	if p := os.Getenv("INFRA_SYNTH_TEMPLATE"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("INFRA_SYNTH_TEMPLATE: %v", err)
		}
		reportDrift(t, "cdk synth output "+p+" vs shared/resources (want vs got)", diff(t, want, model(t, p, b)))
	}
	if len(want.Functions) != len(resources.Functions) || len(want.Routes) == 0 || len(want.Schedules) == 0 ||
		len(want.EventSources) == 0 || len(want.Tables) != 1 || len(want.Queues) != len(resources.Queues) {
		t.Errorf("expected model is missing parts: %+v", want)
	}
}

// samMutations each change one thing in template.yaml that the drift test
// must catch; find must occur in the template, so a mutation cannot go stale
// silently, and the diff must mention mention.
var samMutations = []struct {
	name, find, replace, mention string
}{
	{"route path changed", "Method: PUT, Path: /v1/plan }", "Method: PUT, Path: /v1/plans }", "Routes.PUT /v1/plan"},
	{"route removed", "        PutPlan:\n          Type: HttpApi\n          Properties: { ApiId: !Ref HttpApi, Method: PUT, Path: /v1/plan }\n", "", "Routes.PUT /v1/plan"},
	{"webhook route loses its opt-out", "Method: POST, Path: /v1/events, Auth: { Authorizer: NONE } }", "Method: POST, Path: /v1/events }", "Routes.POST /v1/events.Authorizer"},
	{"TTL attribute renamed", "AttributeName: expiresAt", "AttributeName: ttl", "TTLAttribute"},
	{"GSI projection", "ProjectionType: KEYS_ONLY", "ProjectionType: ALL", "GSIs.gsi1.Projection"},
	{"sort key dropped", "        - { AttributeName: sk, KeyType: RANGE }\n", "", "SortKey"},
	{"batch size", "BatchSize: 10", "BatchSize: 5", "EventSources.DebitFunction.BatchSize"},
	{"partial batch failures off", "FunctionResponseTypes: [ReportBatchItemFailures]\n", "\n", "FunctionResponseTypes"},
	{"schedule", "Schedule: rate(5 minutes)", "Schedule: rate(10 minutes)", "Schedules.RollupFunction.Expression"},
	{"redrive count", "maxReceiveCount: 1000", "maxReceiveCount: 3", "MaxReceiveCount"},
	{"visibility timeout", "      VisibilityTimeout: 60\n      MessageRetentionPeriod: 1209600\n      SqsManagedSseEnabled: true\n      RedrivePolicy", "      VisibilityTimeout: 30\n      MessageRetentionPeriod: 1209600\n      SqsManagedSseEnabled: true\n      RedrivePolicy", "Queues.EventsQueue.VisibilityTimeout"},
	{"env var removed", "          DLQ_URL: !Ref EventsDlqQueue\n", "", "Environment.DLQ_URL"},
	{"env var rebound", "          EVENTS_QUEUE_URL: !Ref EventsQueue\n", "          EVENTS_QUEUE_URL: !Ref EventsDlqQueue\n", "Environment.EVENTS_QUEUE_URL"},
	{"local-only var set", `DYNAMODB_ENDPOINT: ""`, `DYNAMODB_ENDPOINT: "http://localhost:8000"`, "Environment.DYNAMODB_ENDPOINT"},
	{"memory", "MemorySize: 128", "MemorySize: 1024", "RollupFunction.MemorySize"},
	{"handler", "    Handler: bootstrap\n", "    Handler: main\n", "Handler"},
	{"IAM action added", "Action: dynamodb:GetItem\n", "Action: [dynamodb:GetItem, dynamodb:Scan]\n", "WebhookFunction.Statements"},
	{"IAM resource widened", "Action: sqs:SendMessage\n                Resource: !GetAtt EventsQueue.Arn", "Action: sqs:SendMessage\n                Resource: \"*\"", "WebhookFunction.Statements"},
	{"authorizer audience", "audience: !Ref JwtAudience", "audience: [fixed]", "Authorizers.JwtAuthorizer.Audience"},
	{"CORS header", "AllowHeaders: [authorization, content-type, if-none-match]", "AllowHeaders: [authorization, content-type]", "CORS.AllowHeaders"},
	{"PITR off", "PointInTimeRecoveryEnabled: true", "PointInTimeRecoveryEnabled: false", "PointInTimeRecovery"},
	{"log retention", "RetentionInDays: 30\n\n  DebitFunctionRole", "RetentionInDays: 7\n\n  DebitFunctionRole", "DebitFunction.LogRetentionDays"},
	{"alarm threshold", "Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: [!Ref AlarmTopic]\n\n  # -------------------------------------------------------------------- API", "Threshold: 5\n      ComparisonOperator: GreaterThanThreshold\n      TreatMissingData: notBreaching\n      AlarmActions: [!Ref AlarmTopic]\n\n  # -------------------------------------------------------------------- API", "Alarms.EventsDlqDepthAlarm.Threshold"},
	{"parameter default", "Default: info", "Default: debug", "Parameters.LogLevel.Default"},
	{"web bucket public", "RestrictPublicBuckets: true", "RestrictPublicBuckets: false", "Web.WebBucket"},
	{"web bucket readable by anyone", "Principal: { Service: cloudfront.amazonaws.com }", "Principal: \"*\"", "Web.WebBucketPolicy"},
	{"security header dropped", "          FrameOptions: { FrameOption: DENY, Override: true }\n", "", "Web.WebSecurityHeadersPolicy"},
	{"page over plain HTTP", "ViewerProtocolPolicy: redirect-to-https", "ViewerProtocolPolicy: allow-all", "Web.WebDistribution"},
	{"no origin access control", "            OriginAccessControlId: !GetAtt WebOriginAccessControl.Id\n", "", "Web.WebDistribution"},
	{"CORS without the page's origin", `!Sub "https://${WebDistribution.DomainName}", `, "", "CORS.AllowOrigins"},
	{"architecture fixed", "    Architectures: [!Ref Architecture]\n", "    Architectures: [x86_64]\n", "Architectures"},
	{"architecture default", "Default: arm64", "Default: x86_64", "Parameters.Architecture.Default"},

	// Usage exports (issue 11).
	{"exports kept forever", "            ExpirationInDays: 2\n", "", "Raw.ExportsBucket"},
	{"exports bucket public", "RestrictPublicBuckets: true\n      OwnershipControls:\n        Rules: [{ ObjectOwnership: BucketOwnerEnforced }]\n      LifecycleConfiguration",
		"RestrictPublicBuckets: false\n      OwnershipControls:\n        Rules: [{ ObjectOwnership: BucketOwnerEnforced }]\n      LifecycleConfiguration", "Raw.ExportsBucket"},
	{"exports bucket unencrypted", "          - ServerSideEncryptionByDefault: { SSEAlgorithm: AES256 }\n      PublicAccessBlockConfiguration:\n        BlockPublicAcls: true\n        BlockPublicPolicy: true\n        IgnorePublicAcls: true\n        RestrictPublicBuckets: true\n      OwnershipControls:\n        Rules: [{ ObjectOwnership: BucketOwnerEnforced }]\n      LifecycleConfiguration",
		"          - ServerSideEncryptionByDefault: { SSEAlgorithm: \"aws:kms\" }\n      PublicAccessBlockConfiguration:\n        BlockPublicAcls: true\n        BlockPublicPolicy: true\n        IgnorePublicAcls: true\n        RestrictPublicBuckets: true\n      OwnershipControls:\n        Rules: [{ ObjectOwnership: BucketOwnerEnforced }]\n      LifecycleConfiguration", "Raw.ExportsBucket"},
	{"exports over plain HTTP", "Resource: [!GetAtt ExportsBucket.Arn, !Sub \"${ExportsBucket.Arn}/*\"]\n            Condition:\n              Bool: { aws:SecureTransport: \"false\" }",
		"Resource: [!GetAtt ExportsBucket.Arn, !Sub \"${ExportsBucket.Arn}/*\"]\n            Condition:\n              Bool: { aws:SecureTransport: \"true\" }", "Raw.ExportsBucketPolicy"},
	{"export worker writes the whole bucket", "Resource: !Sub ${ExportsBucket.Arn}/exports/*\n\n  ExportFunction:", "Resource: !Sub ${ExportsBucket.Arn}/*\n\n  ExportFunction:", "ExportFunction.Statements"},
	{"API may write exports", "Action: s3:GetObject\n                Resource: !Sub ${ExportsBucket.Arn}/exports/*", "Action: [s3:GetObject, s3:PutObject]\n                Resource: !Sub ${ExportsBucket.Arn}/exports/*", "HomeApiFunction.Statements"},
	{"exports visibility under the timeout", "VisibilityTimeout: 960", "VisibilityTimeout: 900", "Queues.ExportsQueue.VisibilityTimeout"},
	{"exports redrive count", "deadLetterTargetArn: !GetAtt ExportsDlqQueue.Arn\n        maxReceiveCount: 3", "deadLetterTargetArn: !GetAtt ExportsDlqQueue.Arn\n        maxReceiveCount: 10", "Queues.ExportsQueue.MaxReceiveCount"},
	{"export status route dropped", "        GetConsumptionExport:\n          Type: HttpApi\n          Properties: { ApiId: !Ref HttpApi, Method: GET, Path: \"/v1/consumption/exports/{id}\" }\n", "", "Routes.GET /v1/consumption/exports/{id}"},
	{"exports queue rebound", "          EXPORTS_QUEUE_URL: !Ref ExportsQueue\n", "          EXPORTS_QUEUE_URL: !Ref ExportsDlqQueue\n", "Environment.EXPORTS_QUEUE_URL"},
	{"export timeout", "CodeUri: functions/export\n      MemorySize: 512\n      Timeout: 900\n", "CodeUri: functions/export\n      MemorySize: 512\n      Timeout: 300\n", "ExportFunction.Timeout"},
	{"table stream off", "      StreamSpecification:\n        StreamViewType: NEW_AND_OLD_IMAGES\n", "", "Tables.MainTable.StreamView"},
	{"stream view narrowed", "StreamViewType: NEW_AND_OLD_IMAGES", "StreamViewType: NEW_IMAGE", "Tables.MainTable.StreamView"},
	{"stream batch size", "BatchSize: 1000", "BatchSize: 100", "EventSources.AggregateFunction.BatchSize"},
	{"stream batching window", "MaximumBatchingWindowInSeconds: 5", "MaximumBatchingWindowInSeconds: 0", "EventSources.AggregateFunction.BatchingWindow"},
	{"stream bisect off", "BisectBatchOnFunctionError: true", "BisectBatchOnFunctionError: false", "EventSources.AggregateFunction.Bisect"},
	{"stream retries unbounded", "MaximumRetryAttempts: 10", "MaximumRetryAttempts: -1", "EventSources.AggregateFunction.MaxRetries"},
	{"stream record age", "MaximumRecordAgeInSeconds: 86400", "MaximumRecordAgeInSeconds: -1", "EventSources.AggregateFunction.MaxRecordAge"},
	{"stream on-failure dropped", "            DestinationConfig:\n              OnFailure:\n                Type: SQS\n                Destination: !GetAtt AggregateFailuresQueue.Arn\n", "", "EventSources.AggregateFunction.OnFailure"},
	{"stream filter dropped", "                - Pattern: '{\"dynamodb\":{\"OldImage\":{\"st\":{\"B\":[{\"exists\":true}]}}}}'\n", "", "EventSources.AggregateFunction.Filters"},
	{"stream from latest", "StartingPosition: TRIM_HORIZON", "StartingPosition: LATEST", "EventSources.AggregateFunction.StartingPosition"},
	{"stream read widened", "Resource: !GetAtt MainTable.StreamArn", "Resource: \"*\"", "AggregateFunction.Statements"},
	{"aggregate may delete", "Action: [dynamodb:GetItem, dynamodb:UpdateItem]", "Action: [dynamodb:DeleteItem, dynamodb:GetItem, dynamodb:UpdateItem]", "AggregateFunction.Statements"},
	{"iterator age alarm", "Threshold: 300000", "Threshold: 3600000", "Alarms.AggregateIteratorAgeAlarm.Threshold"},
	{"drift alarm metric", "MetricName: AggregateDrift", "MetricName: Drift", "Alarms.AggregateDriftAlarm.Metric"},
	{"undecodable alarm statistic", "MetricName: AggregateUndecodableRecords\n      Statistic: Sum", "MetricName: AggregateUndecodableRecords\n      Statistic: Average", "Alarms.AggregateUndecodableAlarm.Statistic"},
	{"failures depth alarm removed", "Value: !GetAtt AggregateFailuresQueue.QueueName", "Value: !GetAtt MetricsWorkQueue.QueueName", "Alarms.AggregateFailuresDepthAlarm.Dimensions"},
	{"work queue redrive", "maxReceiveCount: 3", "maxReceiveCount: 30", "Queues.MetricsWorkQueue.MaxReceiveCount"},
	{"work queue visibility", "VisibilityTimeout: 5400", "VisibilityTimeout: 60", "Queues.MetricsWorkQueue.VisibilityTimeout"},
	{"worker batch", "Queue: !GetAtt MetricsWorkQueue.Arn\n            BatchSize: 10", "Queue: !GetAtt MetricsWorkQueue.Arn\n            BatchSize: 1", "EventSources.MetricsWorkerFunction.BatchSize"},
	{"lister reads contacts", "Action: dynamodb:Query\n                Resource:\n                  - !GetAtt MainTable.Arn", "Action: [dynamodb:Query, dynamodb:Scan]\n                Resource:\n                  - !GetAtt MainTable.Arn", "RollupFunction.Statements"},
	{"lister queue url", "          METRICS_WORK_QUEUE_URL: !Ref MetricsWorkQueue\n          LOG_LEVEL: !Ref LogLevel\n      Events:\n        Schedule:", "          LOG_LEVEL: !Ref LogLevel\n      Events:\n        Schedule:", "RollupFunction.Environment.METRICS_WORK_QUEUE_URL"},
}

// TestDriftIsDetected proves the drift test can fail: every mutation of
// template.yaml shows up as a difference naming what changed.
func TestDriftIsDetected(t *testing.T) {
	src := string(readSAM(t))
	want := expected(t)
	for _, mu := range samMutations {
		t.Run(mu.name, func(t *testing.T) {
			if !strings.Contains(src, mu.find) {
				t.Fatalf("template.yaml no longer contains %q; update the mutation", mu.find)
			}
			mutated := strings.Replace(src, mu.find, mu.replace, 1)
			tpl, err := iac.ParseTemplate([]byte(mutated))
			if err != nil {
				t.Fatal(err)
			}
			got, err := iac.FromTemplate(tpl)
			if err != nil {
				return // an unreadable template fails the real test too
			}
			d := diff(t, want, got)
			if len(d) == 0 {
				t.Fatalf("mutation %q not detected", mu.name)
			}
			if !slices.ContainsFunc(d, func(l string) bool { return strings.Contains(l, mu.mention) }) {
				t.Errorf("diff does not mention %q:\n  %s", mu.mention, strings.Join(d, "\n  "))
			}
		})
	}
}

// TestModelMutationIsDetected changes the model itself, as a resources.go
// edit would: a removed route, an added function, a changed queue.
func TestModelMutationIsDetected(t *testing.T) {
	cases := map[string]func(m *iac.Model){
		"route removed":  func(m *iac.Model) { delete(m.Routes, "GET /v1/home") },
		"function added": func(m *iac.Model) { m.Functions["ExtraFunction"] = iac.FunctionModel{Runtime: iac.Runtime} },
		"queue not FIFO": func(m *iac.Model) { q := m.Queues["EventsQueue"]; q.FIFO = "false"; m.Queues["EventsQueue"] = q },
		"GSI removed":    func(m *iac.Model) { delete(m.Tables["MainTable"].GSIs, "gsi1") },
		"statement added": func(m *iac.Model) {
			f := m.Functions["RollupFunction"]
			f.Statements = append(f.Statements, "X: s3:* on *")
			m.Functions["RollupFunction"] = f
		},
		"unknown resource": func(m *iac.Model) { m.Other["Bucket"] = "AWS::S3::Bucket" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			want := expected(t)
			got := expected(t)
			mutate(got)
			if d := diff(t, want, got); len(d) == 0 {
				t.Errorf("%s not detected", name)
			}
		})
	}
}

// TestSAMBuildsEachFunctionFromItsFolder checks what the model leaves out:
// each SAM function builds with the project's makefile from functions/<name>.
func TestSAMBuildsEachFunctionFromItsFolder(t *testing.T) {
	tpl, err := iac.ParseTemplate(readSAM(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range resources.Functions {
		r, ok := tpl.Resources[iac.FunctionID(f)]
		if !ok {
			t.Errorf("template.yaml has no %s", iac.FunctionID(f))
			continue
		}
		if got := r.Properties["CodeUri"]; got != "functions/"+f.Name {
			t.Errorf("%s CodeUri = %v, want functions/%s", f.Name, got, f.Name)
		}
		if got := r.Metadata["BuildMethod"]; got != "makefile" {
			t.Errorf("%s BuildMethod = %v, want makefile", f.Name, got)
		}
	}
}

// TestMakefileListsEveryFunction holds infra/infra.mk's INFRA_FUNCTIONS (the
// build and SAM build-<LogicalId> targets) to resources.Functions.
func TestMakefileListsEveryFunction(t *testing.T) {
	b, err := os.ReadFile("infra.mk")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^INFRA_FUNCTIONS := (.*)$`).FindSubmatch(b)
	if line == nil {
		t.Fatal("infra.mk has no INFRA_FUNCTIONS line")
	}
	var want []string
	for _, f := range resources.Functions {
		want = append(want, f.Name+":"+iac.FunctionID(f))
	}
	if got := strings.Fields(string(line[1])); !slices.Equal(got, want) {
		t.Errorf("INFRA_FUNCTIONS = %v, want %v", got, want)
	}
}

// TestSampleEvents checks that events/ has one sample per function, of the
// shape its trigger sends, for `sam local invoke -e`.
func TestSampleEvents(t *testing.T) {
	routes := map[string]bool{}
	for _, f := range resources.Functions {
		for _, r := range f.Routes {
			routes[r.Method+" "+r.Path] = r.Authorized
		}
	}
	for _, f := range resources.Functions {
		b, err := os.ReadFile(repoPath(filepath.Join("events", f.Name+".json")))
		if err != nil {
			t.Errorf("function %s: %v", f.Name, err)
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Errorf("events/%s.json: %v", f.Name, err)
			continue
		}
		switch f.Kind {
		case resources.HTTP:
			rk, _ := ev["routeKey"].(string)
			authorized, ok := routes[rk]
			if ev["version"] != "2.0" || !ok {
				t.Errorf("events/%s.json: not an HTTP API 2.0 event for one of its routes (routeKey %q)", f.Name, rk)
			}
			claims, _ := pathOf(ev, "requestContext", "authorizer", "jwt", "claims").(map[string]any)
			if authorized && (claims[resources.ClaimOrg] == nil || claims[resources.ClaimProfile] == nil) {
				t.Errorf("events/%s.json: authorized route without %s/%s claims", f.Name, resources.ClaimOrg, resources.ClaimProfile)
			}
		case resources.Queue:
			recs, _ := ev["Records"].([]any)
			if len(recs) == 0 {
				t.Errorf("events/%s.json: no Records", f.Name)
				continue
			}
			rec := recs[0].(map[string]any)
			var body map[string]any
			q, err := iac.QueueByName(f.Queue)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case q.Name == resources.ExportsQueue.Name:
				// The exports queue's body is an export job.
				if _, err := export.DecodeJob([]byte(rec["body"].(string))); rec["eventSource"] != "aws:sqs" || err != nil {
					t.Errorf("events/%s.json: not an SQS record with an export job body (%v)", f.Name, err)
				}
			case !q.FIFO && q.Name != resources.NotificationsBus.RuleTarget:
				// A queue of our own JSON tasks.
				if rec["eventSource"] != "aws:sqs" || json.Unmarshal([]byte(rec["body"].(string)), &body) != nil {
					t.Errorf("events/%s.json: not an SQS record with a JSON body", f.Name)
				}
			case !q.FIFO:
				// A queue fed by an EventBridge rule: the body is the event.
				if rec["eventSource"] != "aws:sqs" || json.Unmarshal([]byte(rec["body"].(string)), &body) != nil ||
					body["version"] != "0" || body["detail-type"] == nil || body["detail"] == nil {
					t.Errorf("events/%s.json: not an SQS record with an EventBridge event body", f.Name)
				}
			case rec["eventSource"] != "aws:sqs" || json.Unmarshal([]byte(rec["body"].(string)), &body) != nil ||
				body["specversion"] != "1.0" || pathOf(rec, "attributes", "MessageGroupId") == nil:
				t.Errorf("events/%s.json: not an SQS FIFO record with a CloudEvents body", f.Name)
			}
		case resources.TableStream:
			recs, _ := ev["Records"].([]any)
			if len(recs) == 0 || pathOf(recs[0], "eventSource") != "aws:dynamodb" || pathOf(recs[0], "dynamodb", "Keys") == nil {
				t.Errorf("events/%s.json: not a DynamoDB stream event", f.Name)
			}
		case resources.Scheduled:
			if ev["detail-type"] != "Scheduled Event" || ev["source"] != "aws.events" {
				t.Errorf("events/%s.json: not an EventBridge scheduled event", f.Name)
			}
		}
	}
}

func pathOf(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}
