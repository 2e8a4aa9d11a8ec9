package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/customercloud/home/shared/resources"
)

// The stack is synthesized once for all tests: each jsii start costs seconds.
var (
	tpl  assertions.Template
	raw  map[string]any
	fail error
)

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "cdk-stack-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		if err := StubAssets(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		b, err := Synth(filepath.Join(dir, "cdk.out"), dir)
		if err != nil {
			fail = err
		} else if err := json.Unmarshal(b, &raw); err != nil {
			fail = err
		} else {
			tpl = assertions.Template_FromJSON(&raw, nil)
		}
		return m.Run()
	}()
	jsii.Close()
	os.Exit(code)
}

// check runs a CDK assertion, which panics through jsii when it fails, and
// reports the failure on t instead.
func check(t *testing.T, what string, assertion func()) {
	t.Helper()
	if fail != nil {
		t.Fatalf("synth failed: %v", fail)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}

type obj = map[string]any

func like(m obj) assertions.Matcher { return assertions.Match_ObjectLike(&m) }

func getAtt(id, attr string) obj { return obj{"Fn::GetAtt": []any{id, attr}} }

func ref(id string) obj { return obj{"Ref": id} }

// resourcesOf returns the synthesized resources of one type by logical ID.
func resourcesOf(t *testing.T, typ string) map[string]obj {
	t.Helper()
	if fail != nil {
		t.Fatalf("synth failed: %v", fail)
	}
	out := map[string]obj{}
	for id, r := range raw["Resources"].(obj) {
		if r.(obj)["Type"] == typ {
			out[id] = r.(obj)
		}
	}
	return out
}

func props(r obj) obj { p, _ := r["Properties"].(obj); return p }

func TestTable(t *testing.T) {
	check(t, "one table", func() { tpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
	check(t, "table keys, billing, TTL, PITR, encryption, deletion protection", func() {
		tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), obj{
			"KeySchema": []any{
				obj{"AttributeName": "pk", "KeyType": "HASH"},
				obj{"AttributeName": "sk", "KeyType": "RANGE"},
			},
			"BillingMode":                      "PAY_PER_REQUEST",
			"TimeToLiveSpecification":          obj{"AttributeName": "expiresAt", "Enabled": true},
			"PointInTimeRecoverySpecification": like(obj{"PointInTimeRecoveryEnabled": true}),
			"SSESpecification":                 obj{"SSEEnabled": true},
			"DeletionProtectionEnabled":        obj{"Fn::If": []any{"IsDev", false, true}},
			"GlobalSecondaryIndexes": []any{obj{
				"IndexName": "gsi1",
				"KeySchema": []any{
					obj{"AttributeName": "gsi1pk", "KeyType": "HASH"},
					obj{"AttributeName": "gsi1sk", "KeyType": "RANGE"},
				},
				"Projection": obj{"ProjectionType": "KEYS_ONLY"},
			}},
		})
	})
	check(t, "deletion protection is off in dev only", func() {
		tpl.HasCondition(jsii.String("IsDev"), obj{"Fn::Equals": []any{ref("Stage"), "dev"}})
	})
	check(t, "table retained", func() {
		tpl.HasResource(jsii.String("AWS::DynamoDB::Table"), obj{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
	})
}

func TestQueues(t *testing.T) {
	check(t, "nine queues", func() { tpl.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(9)) })
	check(t, "exports queue: standard, redrive to its DLQ after 3 receives, visibility over the worker's 15 minutes, encrypted", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), obj{
			"VisibilityTimeout":    960,
			"SqsManagedSseEnabled": true,
			"RedrivePolicy":        obj{"deadLetterTargetArn": getAtt("ExportsDlqQueue", "Arn"), "maxReceiveCount": 3},
		})
	})
	check(t, "webhooks queue: standard, redrive to its DLQ after 8 receives, encrypted", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), obj{
			"VisibilityTimeout":    60,
			"SqsManagedSseEnabled": true,
			"RedrivePolicy":        obj{"deadLetterTargetArn": getAtt("WebhooksDlqQueue", "Arn"), "maxReceiveCount": 8},
		})
	})
	check(t, "events queue: FIFO, high throughput, redrive to the DLQ after 5 receives, encrypted", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), obj{
			"FifoQueue":              true,
			"DeduplicationScope":     "messageGroup",
			"FifoThroughputLimit":    "perMessageGroupId",
			"VisibilityTimeout":      60,
			"MessageRetentionPeriod": 1209600,
			"SqsManagedSseEnabled":   true,
			"RedrivePolicy":          obj{"deadLetterTargetArn": getAtt("EventsDlqQueue", "Arn"), "maxReceiveCount": 1000},
		})
	})
	q := resourcesOf(t, "AWS::SQS::Queue")["EventsDlqQueue"]
	if q == nil {
		t.Fatal("no EventsDlqQueue")
	}
	p := props(q)
	if p["FifoQueue"] != true || p["SqsManagedSseEnabled"] != true || p["RedrivePolicy"] != nil {
		t.Errorf("DLQ must be FIFO, encrypted, without its own redrive: %v", p)
	}
	// Lambda requires the queue's visibility timeout to cover the function's.
	if vt := resources.EventsQueue.VisibilityTimeout; vt < resources.Debit.Timeout {
		t.Errorf("events queue visibility %v < debit timeout %v", vt, resources.Debit.Timeout)
	}
	if vt := resources.WebhooksQueue.VisibilityTimeout; vt < resources.Notify.Timeout {
		t.Errorf("webhooks queue visibility %v < notify timeout %v", vt, resources.Notify.Timeout)
	}
	if vt := resources.ExportsQueue.VisibilityTimeout; vt <= resources.Export.Timeout {
		t.Errorf("exports queue visibility %v <= export timeout %v", vt, resources.Export.Timeout)
	}
}

// TestExportsBucket: the usage exports' bucket is private, encrypted,
// expires its objects and unfinished uploads, and refuses plain HTTP.
func TestExportsBucket(t *testing.T) {
	check(t, "exports bucket private, encrypted, with a lifecycle expiry", func() {
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), obj{
			"BucketEncryption":               obj{"ServerSideEncryptionConfiguration": []any{obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "AES256"}}}},
			"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"LifecycleConfiguration": obj{"Rules": []any{obj{"Id": "expire-exports", "Status": "Enabled", "Prefix": "exports/",
				"ExpirationInDays": 2, "AbortIncompleteMultipartUpload": obj{"DaysAfterInitiation": 1}}}},
		})
	})
	check(t, "exports bucket refuses plain HTTP", func() {
		tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), obj{
			"Bucket": ref("ExportsBucket"),
			"PolicyDocument": like(obj{"Statement": []any{like(obj{"Sid": "DenyInsecureTransport", "Effect": "Deny",
				"Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}})}}),
		})
	})
}

func TestFunctions(t *testing.T) {
	fns := resourcesOf(t, "AWS::Lambda::Function")
	if len(fns) != len(resources.Functions) {
		t.Errorf("%d functions, want %d", len(fns), len(resources.Functions))
	}
	for _, f := range resources.Functions {
		check(t, f.Name+" runtime, arch, handler, memory, timeout", func() {
			tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), obj{
				"Runtime":       "provided.al2023",
				"Architectures": []any{obj{"Ref": "Architecture"}},
				"Handler":       "bootstrap",
				"MemorySize":    f.MemoryMB,
				"Timeout":       int(f.Timeout.Seconds()),
				"Description":   assertions.Match_StringLikeRegexp(jsii.String("^" + f.Name + " ")),
			})
		})
	}
	want := map[string][]string{
		"HomeApiFunction":       {"EXPORTS_BUCKET", "EXPORTS_QUEUE_URL", "LOG_LEVEL", "TABLE_NAME"},
		"ExportFunction":        {"EXPORTS_BUCKET", "LOG_LEVEL", "TABLE_NAME"},
		"DebitFunction":         {"DLQ_URL", "EVENTS_QUEUE_URL", "LOG_LEVEL", "NOTIFICATIONS_BUS_NAME", "SENTIMENT_PROVIDER", "TABLE_NAME"},
		"RollupFunction":        {"LOG_LEVEL", "METRICS_WORK_QUEUE_URL", "TABLE_NAME"},
		"MetricsWorkerFunction": {"LOG_LEVEL", "METRICS_WORK_QUEUE_URL", "NOTIFICATIONS_BUS_NAME", "TABLE_NAME"},
		"AggregateFunction":     {"LOG_LEVEL", "TABLE_NAME"},
		"NotifyFunction":        {"LOG_LEVEL", "TABLE_NAME", "WEBHOOK_QUEUE_URL"},
		"WebhookFunction":       {"EVENTS_QUEUE_URL", "LOG_LEVEL", "META_APP_SECRET_PARAM", "META_VERIFY_TOKEN_PARAM", "PRODUCER_SECRETS_PARAM", "TABLE_NAME"},
	}
	for id, names := range want {
		fn, ok := fns[id]
		if !ok {
			t.Errorf("no function %s", id)
			continue
		}
		vars, _ := props(fn)["Environment"].(obj)["Variables"].(obj)
		var got []string
		for k := range vars {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, names) {
			t.Errorf("%s environment %v, want %v", id, got, names)
		}
		if id == "DebitFunction" && vars["SENTIMENT_PROVIDER"] != "comprehend" {
			t.Errorf("debit SENTIMENT_PROVIDER = %v, want comprehend", vars["SENTIMENT_PROVIDER"])
		}
		if !jsonEqual(vars["TABLE_NAME"], ref("MainTable")) {
			t.Errorf("%s TABLE_NAME = %v, want the table's name", id, vars["TABLE_NAME"])
		}
		if !jsonEqual(props(fn)["LoggingConfig"], obj{"LogGroup": ref(strings.TrimSuffix(id, "Function") + "LogGroup")}) {
			t.Errorf("%s logs to %v, want its own log group", id, props(fn)["LoggingConfig"])
		}
	}
}

func TestLogGroups(t *testing.T) {
	lgs := resourcesOf(t, "AWS::Logs::LogGroup")
	if len(lgs) != len(resources.Functions) {
		t.Errorf("%d log groups, want one per function", len(lgs))
	}
	for id, lg := range lgs {
		if fmt.Sprint(props(lg)["RetentionInDays"]) != "30" {
			t.Errorf("%s retention %v, want 30 days", id, props(lg)["RetentionInDays"])
		}
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// wantActions is the IAM contract per function, written out independently
// of infra/iac so that a change there has to be made here too, on purpose.
var wantActions = map[string]map[string][]string{
	"HomeApiFunction": {
		"Logs":  {"logs:CreateLogStream", "logs:PutLogEvents"},
		"Table": {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"},
		// Usage exports: a job to the queue; GetObject only to presign.
		"SendToExports":  {"sqs:SendMessage"},
		"PresignExports": {"s3:GetObject"},
	},
	"ExportFunction": {
		"Logs":           {"logs:CreateLogStream", "logs:PutLogEvents"},
		"Table":          {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"},
		"ConsumeExports": {"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
		"WriteExports":   {"s3:AbortMultipartUpload", "s3:PutObject"},
	},
	"DebitFunction": {
		"Logs":            {"logs:CreateLogStream", "logs:PutLogEvents"},
		"Table":           {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		"ConsumeEvents":   {"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
		"SendToEventsDlq": {"sqs:SendMessage"},
		"DetectSentiment": {"comprehend:DetectSentiment"},
		// Threshold notifications, to the notifications bus only.
		"PublishNotifications": {"events:PutEvents"},
	},
	// The lister pages the organization index and sends tasks: no contact.
	"RollupFunction": {
		"Logs":              {"logs:CreateLogStream", "logs:PutLogEvents"},
		"Table":             {"dynamodb:Query"},
		"SendToMetricsWork": {"sqs:SendMessage"},
	},
	"MetricsWorkerFunction": {
		"Logs":                 {"logs:CreateLogStream", "logs:PutLogEvents"},
		"Table":                {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"},
		"ConsumeMetricsWork":   {"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
		"SendToMetricsWork":    {"sqs:SendMessage"},
		"PublishNotifications": {"events:PutEvents"},
	},
	// The stream processor: its stream, its aggregate items, its
	// on-failure queue.
	"AggregateFunction": {
		"Logs":                    {"logs:CreateLogStream", "logs:PutLogEvents"},
		"Table":                   {"dynamodb:GetItem", "dynamodb:UpdateItem"},
		"ReadTableStream":         {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"},
		"SendToAggregateFailures": {"sqs:SendMessage"},
	},
	"NotifyFunction": {
		"Logs":            {"logs:CreateLogStream", "logs:PutLogEvents"},
		"Table":           {"dynamodb:GetItem"},
		"ConsumeWebhooks": {"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
	},
	"WebhookFunction": {
		"Logs":           {"logs:CreateLogStream", "logs:PutLogEvents"},
		"Table":          {"dynamodb:GetItem"},
		"SendToEvents":   {"sqs:SendMessage"},
		"ReadParameters": {"ssm:GetParameters"},
	},
}

// wantResources is what each statement may touch, rendered as JSON.
var wantResources = map[string]map[string][]any{
	"HomeApiFunction": {"Logs": {getAtt("HomeApiLogGroup", "Arn")}, "Table": {getAtt("MainTable", "Arn")},
		"SendToExports": {getAtt("ExportsQueue", "Arn")}, "PresignExports": {obj{"Fn::Sub": "${ExportsBucket.Arn}/exports/*"}}},
	"ExportFunction": {"Logs": {getAtt("ExportLogGroup", "Arn")}, "Table": {getAtt("MainTable", "Arn")},
		"ConsumeExports": {getAtt("ExportsQueue", "Arn")}, "WriteExports": {obj{"Fn::Sub": "${ExportsBucket.Arn}/exports/*"}}},
	"DebitFunction": {
		"Logs": {getAtt("DebitLogGroup", "Arn")}, "Table": {getAtt("MainTable", "Arn")},
		"ConsumeEvents": {getAtt("EventsQueue", "Arn")}, "SendToEventsDlq": {getAtt("EventsDlqQueue", "Arn")},
		"DetectSentiment": {"*"}, "PublishNotifications": {getAtt("NotificationsBus", "Arn")},
	},
	"RollupFunction": {
		"Logs":              {getAtt("RollupLogGroup", "Arn")},
		"Table":             {getAtt("MainTable", "Arn"), obj{"Fn::Sub": "${MainTable.Arn}/index/gsi1"}},
		"SendToMetricsWork": {getAtt("MetricsWorkQueue", "Arn")},
	},
	"MetricsWorkerFunction": {
		"Logs":                 {getAtt("MetricsWorkerLogGroup", "Arn")},
		"Table":                {getAtt("MainTable", "Arn"), obj{"Fn::Sub": "${MainTable.Arn}/index/gsi1"}},
		"ConsumeMetricsWork":   {getAtt("MetricsWorkQueue", "Arn")},
		"SendToMetricsWork":    {getAtt("MetricsWorkQueue", "Arn")},
		"PublishNotifications": {getAtt("NotificationsBus", "Arn")},
	},
	"AggregateFunction": {
		"Logs":                    {getAtt("AggregateLogGroup", "Arn")},
		"Table":                   {getAtt("MainTable", "Arn")},
		"ReadTableStream":         {getAtt("MainTable", "StreamArn")},
		"SendToAggregateFailures": {getAtt("AggregateFailuresQueue", "Arn")},
	},
	"NotifyFunction": {
		"Logs": {getAtt("NotifyLogGroup", "Arn")}, "Table": {getAtt("MainTable", "Arn")},
		"ConsumeWebhooks": {getAtt("WebhooksQueue", "Arn")},
	},
	"WebhookFunction": {
		"Logs": {getAtt("WebhookLogGroup", "Arn")}, "Table": {getAtt("MainTable", "Arn")},
		"SendToEvents": {getAtt("EventsQueue", "Arn")},
		"ReadParameters": {
			obj{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${MetaAppSecretParam}"},
			obj{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${MetaVerifyTokenParam}"},
			obj{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ProducerSecretsParam}"},
		},
	},
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out
	}
	return nil
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestIAMLeastPrivilege(t *testing.T) {
	if n := len(resourcesOf(t, "AWS::IAM::Policy")); n != 0 {
		t.Errorf("%d AWS::IAM::Policy resources: grants outside the roles' own policies", n)
	}
	fns := resourcesOf(t, "AWS::Lambda::Function")
	roles := resourcesOf(t, "AWS::IAM::Role")
	if len(roles) != len(resources.Functions) {
		t.Errorf("%d roles, want one per function", len(roles))
	}
	for fid, want := range wantActions {
		roleID := strings.TrimPrefix(fmt.Sprint(props(fns[fid])["Role"].(obj)["Fn::GetAtt"].([]any)[0]), "")
		role, ok := roles[roleID]
		if !ok {
			t.Errorf("%s: role %s not found", fid, roleID)
			continue
		}
		rp := props(role)
		if rp["ManagedPolicyArns"] != nil {
			t.Errorf("%s: managed policies %v (AWSLambdaBasicExecutionRole and the like grant on *)", fid, rp["ManagedPolicyArns"])
		}
		got := map[string][]string{}
		gotRes := map[string][]any{}
		for _, pol := range rp["Policies"].([]any) {
			for _, st := range pol.(obj)["PolicyDocument"].(obj)["Statement"].([]any) {
				s := st.(obj)
				if s["Effect"] != "Allow" {
					t.Errorf("%s: statement %v is not Allow", fid, s)
				}
				sid := fmt.Sprint(s["Sid"])
				acts := asStrings(s["Action"])
				slices.Sort(acts)
				got[sid] = acts
				gotRes[sid] = asList(s["Resource"])
			}
		}
		if !jsonEqual(got, want) {
			t.Errorf("%s actions:\n got  %v\n want %v", fid, got, want)
		}
		for sid, res := range wantResources[fid] {
			if !jsonEqual(gotRes[sid], res) {
				t.Errorf("%s %s resources:\n got  %v\n want %v", fid, sid, gotRes[sid], res)
			}
		}
		for sid, res := range gotRes {
			if sid != "DetectSentiment" && slices.ContainsFunc(res, func(r any) bool { return r == "*" }) {
				t.Errorf("%s %s: resource *", fid, sid)
			}
		}
	}
	check(t, "roles are assumable by Lambda only", func() {
		tpl.AllResourcesProperties(jsii.String("AWS::IAM::Role"), obj{
			"AssumeRolePolicyDocument": like(obj{"Statement": []any{obj{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": obj{"Service": "lambda.amazonaws.com"},
			}}}),
		})
	})
}

func TestDebitEventSource(t *testing.T) {
	for _, q := range []struct {
		name, queue, function string
		batch                 int
	}{
		{"debit consumes the events queue, batch of 10, partial batch failures", "EventsQueue", "DebitFunction", resources.Debit.BatchSize},
		{"notify consumes the webhooks queue, batch of 10, partial batch failures", "WebhooksQueue", "NotifyFunction", resources.Notify.BatchSize},
		{"export consumes the exports queue, one job a batch, partial batch failures", "ExportsQueue", "ExportFunction", 1},
		{"metrics worker consumes the fan-out queue", "MetricsWorkQueue", "MetricsWorkerFunction", resources.MetricsWorker.BatchSize},
	} {
		check(t, q.name, func() {
			tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), obj{
				"EventSourceArn":        getAtt(q.queue, "Arn"),
				"FunctionName":          ref(q.function),
				"BatchSize":             q.batch,
				"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
			})
		})
	}
	src := resources.Aggregate.Stream
	check(t, "aggregate reads the table's stream, bounded retries, failures to their queue", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), obj{
			"EventSourceArn":                 getAtt("MainTable", "StreamArn"),
			"FunctionName":                   ref("AggregateFunction"),
			"StartingPosition":               "TRIM_HORIZON",
			"BatchSize":                      src.BatchSize,
			"MaximumBatchingWindowInSeconds": int(src.BatchingWindow.Seconds()),
			"MaximumRetryAttempts":           src.MaxRetries,
			"MaximumRecordAgeInSeconds":      int(src.MaxRecordAge.Seconds()),
			"BisectBatchOnFunctionError":     true,
			"FunctionResponseTypes":          assertions.Match_Absent(),
			"DestinationConfig":              obj{"OnFailure": obj{"Destination": getAtt("AggregateFailuresQueue", "Arn")}},
			"FilterCriteria":                 obj{"Filters": assertions.Match_AnyValue()},
		})
	})
	check(t, "the table streams new and old images", func() {
		tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), obj{
			"StreamSpecification": obj{"StreamViewType": "NEW_AND_OLD_IMAGES"},
		})
	})
	check(t, "five event source mappings", func() {
		tpl.ResourceCountIs(jsii.String("AWS::Lambda::EventSourceMapping"), jsii.Number(5))
	})
}

func TestSchedule(t *testing.T) {
	check(t, "rollup runs on its schedule", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), obj{
			"ScheduleExpression": resources.Rollup.Schedule,
			"State":              "ENABLED",
			"Targets":            []any{like(obj{"Arn": getAtt("RollupFunction", "Arn")})},
		})
	})
	check(t, "EventBridge may invoke rollup", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), obj{
			"Action": "lambda:InvokeFunction", "FunctionName": getAtt("RollupFunction", "Arn"),
			"Principal": "events.amazonaws.com", "SourceArn": getAtt("RollupSchedule", "Arn"),
		})
	})
}

func TestAuthorizerAndRoutes(t *testing.T) {
	check(t, "JWT authorizer from the issuer and audience parameters", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), obj{
			"AuthorizerType":   "JWT",
			"Name":             "JwtAuthorizer",
			"IdentitySource":   []any{"$request.header.Authorization"},
			"JwtConfiguration": obj{"Issuer": ref("JwtIssuer"), "Audience": ref("JwtAudience")},
		})
	})
	var n int
	for _, f := range resources.Functions {
		for _, r := range f.Routes {
			n++
			auth := obj{"AuthorizationType": "NONE", "AuthorizerId": assertions.Match_Absent()}
			if r.Authorized {
				auth = obj{"AuthorizationType": "JWT", "AuthorizerId": assertions.Match_AnyValue()}
			}
			auth["RouteKey"] = r.Method + " " + r.Path
			check(t, "route "+r.Method+" "+r.Path, func() {
				tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), auth)
			})
		}
	}
	check(t, "no other routes", func() { tpl.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Route"), jsii.Number(n)) })
	check(t, "CORS from resources.CORS: the Home page's origin and the origins parameter", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), obj{
			"ProtocolType": "HTTP",
			"CorsConfiguration": obj{
				"AllowOrigins": obj{"Fn::Split": []any{",", obj{"Fn::Join": []any{",", []any{
					obj{"Fn::Sub": "https://${WebDistribution.DomainName}"},
					obj{"Fn::Join": []any{",", ref("CorsAllowOrigins")}},
				}}}}},
				"AllowMethods":  resources.CORS.AllowMethods,
				"AllowHeaders":  resources.CORS.AllowHeaders,
				"ExposeHeaders": resources.CORS.ExposeHeaders,
				"MaxAge":        int(resources.CORS.MaxAge.Seconds()),
			},
		})
	})
}

func TestAlarms(t *testing.T) {
	check(t, "DLQ depth (events, webhooks, exports, metrics work), events queue age, aggregate failures depth and iterator age, drift, and errors and throttles per function", func() {
		tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(9+2*len(resources.Functions)))
	})
	check(t, "aggregate iterator age alarm", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{
			"Namespace": "AWS/Lambda", "MetricName": "IteratorAge", "Statistic": "Maximum",
			"Dimensions": []any{obj{"Name": "FunctionName", "Value": ref("AggregateFunction")}},
			"Threshold":  int(resources.Aggregate.Stream.IteratorAgeAlarm.Milliseconds()),
		})
	})
	check(t, "drift alarm on the reconciliation's metric", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{
			"Namespace": resources.MetricsNamespace, "MetricName": resources.MetricsDriftMetric,
			"Threshold": 0, "Dimensions": assertions.Match_Absent(),
		})
	})
	check(t, "events queue oldest-message age alarm", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{
			"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage", "Statistic": "Maximum",
			"Dimensions":   []any{obj{"Name": "QueueName", "Value": getAtt("EventsQueue", "QueueName")}},
			"Threshold":    600,
			"AlarmActions": []any{ref("AlarmTopic")},
		})
	})
	check(t, "DLQ depth alarm", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{
			"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
			"Dimensions":   []any{obj{"Name": "QueueName", "Value": getAtt("EventsDlqQueue", "QueueName")}},
			"Threshold":    0,
			"AlarmActions": []any{ref("AlarmTopic")},
		})
	})
	for _, metric := range []string{"Errors", "Throttles"} {
		for _, f := range []string{"HomeApiFunction", "DebitFunction", "RollupFunction", "WebhookFunction", "NotifyFunction", "ExportFunction", "MetricsWorkerFunction", "AggregateFunction"} {
			check(t, f+" "+metric+" alarm", func() {
				tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), obj{
					"Namespace": "AWS/Lambda", "MetricName": metric,
					"Dimensions": []any{obj{"Name": "FunctionName", "Value": ref(f)}},
				})
			})
		}
	}
}

func TestOutputs(t *testing.T) {
	check(t, "API URL output", func() { tpl.HasOutput(jsii.String("ApiUrl"), obj{}) })
	check(t, "queue URL output", func() {
		tpl.HasOutput(jsii.String("EventsQueueUrl"), obj{"Value": ref("EventsQueue")})
	})
}

// TestWebHosting: the Home page's bucket is private and read only by its
// CloudFront distribution (origin access control, a bucket policy bound to
// the distribution's ARN), over HTTPS, with the security headers.
func TestWebHosting(t *testing.T) {
	check(t, "private, encrypted bucket", func() {
		tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), obj{
			"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"BucketEncryption":               assertions.Match_AnyValue(),
		})
	})
	check(t, "only the distribution reads the bucket", func() {
		tpl.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), obj{
			"Bucket": ref("WebBucket"),
			"PolicyDocument": obj{"Statement": assertions.Match_ArrayWith(&[]any{like(obj{
				"Effect": "Allow", "Principal": obj{"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
				"Condition": obj{"StringEquals": obj{"AWS:SourceArn": obj{"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${WebDistribution}"}}},
				"Resource":  obj{"Fn::Sub": "${WebBucket.Arn}/*"},
			})})},
		})
	})
	check(t, "origin access control signs every request", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::OriginAccessControl"), obj{
			"OriginAccessControlConfig": like(obj{"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"}),
		})
	})
	check(t, "HTTPS, the OAC and the security headers on the distribution", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), obj{
			"DistributionConfig": like(obj{
				"DefaultRootObject":    resources.Web.IndexDocument,
				"Origins":              []any{like(obj{"DomainName": obj{"Fn::GetAtt": []any{"WebBucket", "RegionalDomainName"}}, "OriginAccessControlId": obj{"Fn::GetAtt": []any{"WebOriginAccessControl", "Id"}}})},
				"DefaultCacheBehavior": like(obj{"ViewerProtocolPolicy": "redirect-to-https", "ResponseHeadersPolicyId": ref("WebSecurityHeadersPolicy")}),
			}),
		})
	})
	check(t, "security headers from resources.Web", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), obj{
			"ResponseHeadersPolicyConfig": like(obj{"SecurityHeadersConfig": like(obj{
				"ContentSecurityPolicy":   obj{"ContentSecurityPolicy": resources.Web.ContentSecurityPolicy, "Override": true},
				"FrameOptions":            obj{"FrameOption": "DENY", "Override": true},
				"StrictTransportSecurity": like(obj{"AccessControlMaxAgeSec": resources.Web.HSTSMaxAge}),
			})}),
		})
	})
	check(t, "the page's URL and bucket are outputs", func() {
		tpl.HasOutput(jsii.String("WebUrl"), obj{"Value": obj{"Fn::Sub": "https://${WebDistribution.DomainName}"}})
		tpl.HasOutput(jsii.String("WebBucketName"), obj{"Value": ref("WebBucket")})
	})
}

func TestNewErrors(t *testing.T) {
	if _, err := New(nil, "x", nil); err == nil {
		t.Error("New without props succeeded")
	}
	if _, err := RepoRoot("/"); err == nil {
		t.Error("RepoRoot found a go.mod above /")
	}
}

// TestNotificationsBus: the custom bus, a rule sending only threshold
// notifications to the webhooks queue, and a queue policy letting only
// that rule (EventBridge, with aws:SourceArn) send there.
func TestNotificationsBus(t *testing.T) {
	check(t, "one custom bus", func() { tpl.ResourceCountIs(jsii.String("AWS::Events::EventBus"), jsii.Number(1)) })
	check(t, "rule on the bus to the webhooks queue", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), obj{
			"EventBusName": ref("NotificationsBus"),
			"EventPattern": obj{"source": []any{"cch.interactionz"}, "detail-type": []any{"interactionz.threshold.crossed"}},
			"Targets":      []any{obj{"Arn": getAtt("WebhooksQueue", "Arn"), "Id": "webhooks"}},
		})
	})
	check(t, "only the rule may send to the webhooks queue", func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), obj{
			"Queues": []any{ref("WebhooksQueue")},
			"PolicyDocument": like(obj{"Statement": []any{obj{
				"Effect": "Allow", "Principal": obj{"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
				"Resource":  getAtt("WebhooksQueue", "Arn"),
				"Condition": obj{"ArnEquals": obj{"aws:SourceArn": getAtt("NotificationsToWebhooksRule", "Arn")}},
			}}}),
		})
	})
}
