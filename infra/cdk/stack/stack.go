// Package stack is the CDK definition of the system, built from
// shared/resources (what exists) and infra/iac (how it is bound in AWS:
// logical IDs, parameters, environment, IAM, alarms). It lives in its own
// package because the CDK module is large and needs node at run time; nothing
// but the CDK app and the infra tests imports it.
package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/customercloud/home/infra/iac"
	"github.com/customercloud/home/shared/resources"
)

// Props configures the stack.
type Props struct {
	awscdk.StackProps
	// AssetDir is the directory holding bin/<function>/bootstrap, normally the
	// repository root after `make build`.
	AssetDir string
}

// Description is the stack's description in both templates.
const Description = "Customer Cloud home: DynamoDB table, events FIFO queue with DLQ, Lambda functions, HTTP API, schedules and alarms."

// New builds the stack. Everything it creates is derived from
// resources.Functions, resources.Queues and resources.Table; an entry there
// that infra/iac cannot bind is an error rather than a silent omission.
func New(scope constructs.Construct, id string, props *Props) (awscdk.Stack, error) {
	if props == nil {
		return nil, errors.New("stack: props are required")
	}
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String(Description)
	}
	s := awscdk.NewStack(scope, jsii.String(id), &sp)
	b := builder{stack: s, props: props, params: map[string]awscdk.CfnParameter{},
		queues: map[string]awssqs.Queue{}, functions: map[string]awslambda.Function{}}
	for _, step := range []func() error{b.parameters, b.table, b.queueDefs, b.notifications, b.exports, b.alarmTopic, b.functionDefs, b.httpAPI, b.alarms, b.web, b.outputs} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

type builder struct {
	stack     awscdk.Stack
	props     *Props
	params    map[string]awscdk.CfnParameter
	isDev     awscdk.CfnCondition
	hasEmail  awscdk.CfnCondition
	tbl       awsdynamodb.Table
	queues    map[string]awssqs.Queue // by resources name
	functions map[string]awslambda.Function
	topic     awssns.Topic
	apiURL    *string
}

// setID gives a construct's CloudFormation resource the logical ID infra/iac
// names, the one template.yaml uses, so references read the same in both.
func setID(c constructs.IConstruct, id string) {
	c.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(id))
}

// getAttRe matches a resource string that is a single ${Resource.Attr}.
var getAttRe = regexp.MustCompile(`^\$\{([A-Za-z0-9]+)\.([A-Za-z0-9]+)\}$`)

// sub turns an iac resource string (Fn::Sub syntax) into a CDK string: a
// plain Fn::GetAtt where it is one, Fn::Sub otherwise.
func sub(s string) *string {
	if m := getAttRe.FindStringSubmatch(s); m != nil {
		return awscdk.Fn_GetAtt(jsii.String(m[1]), jsii.String(m[2])).ToString()
	}
	if strings.Contains(s, "${") {
		return awscdk.Fn_Sub(jsii.String(s), nil)
	}
	return jsii.String(s)
}

// value turns an iac.Value into a CDK string.
func value(v iac.Value) *string {
	switch {
	case v.Ref != "" && v.Attr != "":
		return awscdk.Fn_GetAtt(jsii.String(v.Ref), jsii.String(v.Attr)).ToString()
	case v.Ref != "":
		return awscdk.Fn_Ref(jsii.String(v.Ref))
	}
	return jsii.String(v.Literal)
}

func (b *builder) parameters() error {
	for _, p := range iac.Parameters() {
		cp := &awscdk.CfnParameterProps{
			Type:        jsii.String(p.Type),
			Description: jsii.String(p.Description),
		}
		if p.Default != nil {
			cp.Default = jsii.String(*p.Default)
		}
		if len(p.AllowedValues) > 0 {
			cp.AllowedValues = jsii.Strings(p.AllowedValues...)
		}
		if p.AllowedPattern != "" {
			cp.AllowedPattern = jsii.String(p.AllowedPattern)
		}
		b.params[p.Name] = awscdk.NewCfnParameter(b.stack, jsii.String(p.Name), cp)
	}
	b.isDev = awscdk.NewCfnCondition(b.stack, jsii.String(iac.CondIsDev), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionEquals(b.params[iac.ParamStage].ValueAsString(), jsii.String(iac.StageDev)),
	})
	b.hasEmail = awscdk.NewCfnCondition(b.stack, jsii.String(iac.CondHasAlarmEmail), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(b.params[iac.ParamAlarmEmail].ValueAsString(), jsii.String(""))),
	})
	return nil
}

func attribute(k resources.Key) (*awsdynamodb.Attribute, error) {
	if k.Name == "" {
		return nil, nil
	}
	var t awsdynamodb.AttributeType
	switch k.Type {
	case resources.String:
		t = awsdynamodb.AttributeType_STRING
	case resources.Number:
		t = awsdynamodb.AttributeType_NUMBER
	default:
		return nil, fmt.Errorf("stack: key %s has unsupported type %q", k.Name, k.Type)
	}
	return &awsdynamodb.Attribute{Name: jsii.String(k.Name), Type: t}, nil
}

// table creates the table: on demand, TTL, point-in-time recovery, encrypted
// with the AWS-owned DynamoDB key, retained on stack deletion and protected
// from deletion outside dev.
func (b *builder) table() error {
	t := resources.Table
	pk, err := attribute(t.PartitionKey)
	if err != nil {
		return err
	}
	sk, err := attribute(t.SortKey)
	if err != nil {
		return err
	}
	b.tbl = awsdynamodb.NewTable(b.stack, jsii.String(iac.TableID(t)), &awsdynamodb.TableProps{
		PartitionKey:        pk,
		SortKey:             sk,
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(t.TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:    awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	if t.StreamView != "" {
		// The L2 prop would be the same; set on the L1 so any view type in
		// resources.go is taken as written.
		b.tbl.Node().DefaultChild().(awsdynamodb.CfnTable).AddPropertyOverride(
			jsii.String("StreamSpecification.StreamViewType"), jsii.String(t.StreamView))
	}
	for _, ix := range t.Indexes {
		ipk, err := attribute(ix.PartitionKey)
		if err != nil {
			return err
		}
		isk, err := attribute(ix.SortKey)
		if err != nil {
			return err
		}
		var proj awsdynamodb.ProjectionType
		switch ix.Projection {
		case "KEYS_ONLY":
			proj = awsdynamodb.ProjectionType_KEYS_ONLY
		case "ALL":
			proj = awsdynamodb.ProjectionType_ALL
		default:
			return fmt.Errorf("stack: index %s: projection %q not supported", ix.Name, ix.Projection)
		}
		b.tbl.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName: jsii.String(ix.Name), PartitionKey: ipk, SortKey: isk, ProjectionType: proj,
		})
	}
	setID(b.tbl, iac.TableID(t))
	// DeletionProtectionEnabled depends on the Stage parameter, which the L2
	// construct's boolean cannot express.
	cfn := b.tbl.Node().DefaultChild().(awsdynamodb.CfnTable)
	cfn.AddPropertyOverride(jsii.String("DeletionProtectionEnabled"),
		awscdk.Fn_ConditionIf(b.isDev.LogicalId(), false, true))
	return nil
}

// queueDefs creates the queues, dead-letter queues first so redrive can
// point at them: FIFO, SQS-managed encryption, high-throughput mode where
// the definition asks for it.
func (b *builder) queueDefs() error {
	pending := append([]resources.QueueDef(nil), resources.Queues...)
	for len(pending) > 0 {
		progressed := false
		rest := pending[:0]
		for _, q := range pending {
			var dlq *awssqs.DeadLetterQueue
			if q.DeadLetter != "" {
				target, ok := b.queues[q.DeadLetter]
				if !ok {
					rest = append(rest, q)
					continue
				}
				dlq = &awssqs.DeadLetterQueue{Queue: target, MaxReceiveCount: jsii.Number(q.MaxReceiveCount)}
			}
			qp := &awssqs.QueueProps{
				Fifo:              jsii.Bool(q.FIFO),
				VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(q.VisibilityTimeout.Seconds())),
				RetentionPeriod:   awscdk.Duration_Seconds(jsii.Number(q.MessageRetention.Seconds())),
				Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
				DeadLetterQueue:   dlq,
			}
			if q.FIFO {
				// A standard queue has no such property (cfn-lint E3501).
				qp.ContentBasedDeduplication = jsii.Bool(false)
			}
			if q.HighThroughput {
				qp.DeduplicationScope = awssqs.DeduplicationScope_MESSAGE_GROUP
				qp.FifoThroughputLimit = awssqs.FifoThroughputLimit_PER_MESSAGE_GROUP_ID
			}
			queue := awssqs.NewQueue(b.stack, jsii.String(iac.QueueID(q)), qp)
			setID(queue, iac.QueueID(q))
			b.queues[q.Name] = queue
			progressed = true
		}
		if !progressed {
			return fmt.Errorf("stack: queues %v redrive to unknown queues", rest)
		}
		pending = rest
	}
	return nil
}

func (b *builder) alarmTopic() error {
	b.topic = awssns.NewTopic(b.stack, jsii.String(iac.AlarmTopicID), &awssns.TopicProps{})
	setID(b.topic, iac.AlarmTopicID)
	subn := awssns.NewCfnSubscription(b.stack, jsii.String(iac.AlarmEmailSubID), &awssns.CfnSubscriptionProps{
		TopicArn: b.topic.TopicArn(),
		Protocol: jsii.String("email"),
		Endpoint: b.params[iac.ParamAlarmEmail].ValueAsString(),
	})
	subn.CfnOptions().SetCondition(b.hasEmail)
	return nil
}

// retention maps iac.LogRetentionDays to the CDK's enum, which has no
// constructor from a number.
func retention(days int) (awslogs.RetentionDays, error) {
	switch days {
	case 7:
		return awslogs.RetentionDays_ONE_WEEK, nil
	case 14:
		return awslogs.RetentionDays_TWO_WEEKS, nil
	case 30:
		return awslogs.RetentionDays_ONE_MONTH, nil
	case 90:
		return awslogs.RetentionDays_THREE_MONTHS, nil
	}
	return "", fmt.Errorf("stack: log retention of %d days not mapped", days)
}

// notifications adds the notifications bus, its rule to the webhooks queue
// and that queue's policy, exactly as infra/iac describes them (L1
// resources, so both templates carry the same properties).
func (b *builder) notifications() error {
	raws, err := iac.NotificationResources()
	if err != nil {
		return err
	}
	b.raw(raws)
	return nil
}

// exports adds the usage exports' bucket and its policy, exactly as
// infra/iac describes them (L1 resources, as the notifications').
func (b *builder) exports() error {
	b.raw(iac.ExportResources())
	return nil
}

// raw adds resources as infra/iac describes them, as L1 resources under
// their own logical ids, so both templates carry the same properties.
func (b *builder) raw(raws []iac.RawResource) {
	for _, r := range raws {
		props := map[string]interface{}{}
		for k, v := range r.Properties {
			props[k] = v
		}
		res := awscdk.NewCfnResource(b.stack, jsii.String(r.ID), &awscdk.CfnResourceProps{Type: jsii.String(r.Type), Properties: &props})
		res.OverrideLogicalId(jsii.String(r.ID))
	}
}

// functionDefs creates, per function, its log group, its own role with the
// statements iac derives from the definition, the function itself and its
// trigger (queue mapping or schedule; routes come with the API).
func (b *builder) functionDefs() error {
	days, err := retention(iac.LogRetentionDays)
	if err != nil {
		return err
	}
	for _, f := range resources.Functions {
		lg := awslogs.NewLogGroup(b.stack, jsii.String(iac.LogGroupID(f)), &awslogs.LogGroupProps{
			Retention:     days,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		setID(lg, iac.LogGroupID(f))

		sts, err := iac.Statements(f)
		if err != nil {
			return err
		}
		var statements []awsiam.PolicyStatement
		for _, st := range sts {
			res := make([]*string, len(st.Resources))
			for i, r := range st.Resources {
				res[i] = sub(r)
			}
			statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String(st.Sid), Effect: awsiam.Effect_ALLOW,
				Actions: jsii.Strings(st.Actions...), Resources: &res,
			}))
		}
		role := awsiam.NewRole(b.stack, jsii.String(iac.RoleID(f)), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String(iac.LambdaService), nil),
			Description: jsii.String("Execution role of " + f.Name + ": only the actions it calls, on its own resources."),
			InlinePolicies: &map[string]awsiam.PolicyDocument{
				"FunctionPolicy": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
			},
		})
		setID(role, iac.RoleID(f))

		env, err := iac.Environment(f)
		if err != nil {
			return err
		}
		vars := map[string]*string{}
		for k, v := range env {
			vars[k] = value(v)
		}
		codeDir := filepath.Join(b.props.AssetDir, "bin", f.Name)
		if _, err := os.Stat(filepath.Join(codeDir, "bootstrap")); err != nil {
			return fmt.Errorf("stack: function %s: no bootstrap in %s (run `make build`): %w", f.Name, codeDir, err)
		}
		fn := awslambda.NewFunction(b.stack, jsii.String(iac.FunctionID(f)), &awslambda.FunctionProps{
			Description:  jsii.String(fmt.Sprintf("%s (%s)", f.Name, f.Kind)),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_Custom(b.params[iac.ParamArchitecture].ValueAsString(), nil),
			Handler:      jsii.String(iac.Handler),
			Code:         awslambda.Code_FromAsset(jsii.String(codeDir), nil),
			MemorySize:   jsii.Number(f.MemoryMB),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(f.Timeout.Seconds())),
			Environment:  &vars,
			Role:         role,
			LogGroup:     lg,
		})
		setID(fn, iac.FunctionID(f))
		// The L2 function also adds DependsOn on its role, which the role's
		// GetAtt already implies (cfn-lint W3005).
		fn.Node().DefaultChild().(awscdk.CfnResource).AddDeletionOverride(jsii.String("DependsOn"))
		b.functions[f.Name] = fn

		switch f.Kind {
		case resources.Queue:
			q, ok := b.queues[f.Queue]
			if !ok {
				return fmt.Errorf("stack: function %s consumes unknown queue %s", f.Name, f.Queue)
			}
			esm := awslambda.NewEventSourceMapping(b.stack, jsii.String(iac.EventSourceID(f)), &awslambda.EventSourceMappingProps{
				Target:                  fn,
				EventSourceArn:          q.QueueArn(),
				BatchSize:               jsii.Number(f.BatchSize),
				ReportBatchItemFailures: jsii.Bool(true),
			})
			setID(esm, iac.EventSourceID(f))
		case resources.Scheduled:
			rule := awsevents.NewRule(b.stack, jsii.String(iac.ScheduleID(f)), &awsevents.RuleProps{
				Description: jsii.String("Runs " + f.Name + " on " + f.Schedule),
				Schedule:    awsevents.Schedule_Expression(jsii.String(f.Schedule)),
				Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, nil)},
			})
			setID(rule, iac.ScheduleID(f))
		case resources.TableStream:
			if err := b.streamSource(f, fn); err != nil {
				return err
			}
		case resources.HTTP:
		default:
			return fmt.Errorf("stack: function %s has unknown kind %q", f.Name, f.Kind)
		}
	}
	return nil
}

// streamSource maps the table's stream to a stream function, as an L1
// mapping: the L2 event source and its SQS on-failure destination would
// add grants of their own (ListStreams on *, sqs:GetQueueUrl) beyond the
// role's statements, which infra/iac already holds to least privilege.
func (b *builder) streamSource(f resources.FunctionDef, fn awslambda.Function) error {
	es, err := iac.StreamEventSource(f)
	if err != nil {
		return err
	}
	src := f.Stream
	var filters []any
	for _, p := range src.Filters {
		filters = append(filters, &awslambda.CfnEventSourceMapping_FilterProperty{Pattern: jsii.String(p)})
	}
	props := &awslambda.CfnEventSourceMappingProps{
		FunctionName:                   fn.FunctionName(),
		EventSourceArn:                 sub(es.Queue),
		StartingPosition:               jsii.String(src.StartingPosition),
		BatchSize:                      jsii.Number(src.BatchSize),
		MaximumBatchingWindowInSeconds: jsii.Number(src.BatchingWindow.Seconds()),
		MaximumRetryAttempts:           jsii.Number(src.MaxRetries),
		MaximumRecordAgeInSeconds:      jsii.Number(src.MaxRecordAge.Seconds()),
		BisectBatchOnFunctionError:     jsii.Bool(src.BisectOnError),
		Enabled:                        jsii.Bool(true),
	}
	if len(filters) > 0 {
		props.FilterCriteria = &awslambda.CfnEventSourceMapping_FilterCriteriaProperty{Filters: &filters}
	}
	if src.ReportBatchItemFailures {
		props.FunctionResponseTypes = jsii.Strings("ReportBatchItemFailures")
	}
	if es.OnFailure != "" {
		props.DestinationConfig = &awslambda.CfnEventSourceMapping_DestinationConfigProperty{
			OnFailure: &awslambda.CfnEventSourceMapping_OnFailureProperty{Destination: sub(es.OnFailure)},
		}
	}
	esm := awslambda.NewCfnEventSourceMapping(b.stack, jsii.String(iac.EventSourceID(f)), props)
	esm.OverrideLogicalId(jsii.String(iac.EventSourceID(f)))
	return nil
}

// httpAPI creates the HTTP API with CORS from resources.CORS, the JWT
// authorizer as the default for every route, and the routes; webhook routes
// opt out of it because they verify their own signatures.
func (b *builder) httpAPI() error {
	auth := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String(iac.AuthorizerName),
		b.params[iac.ParamJwtIssuer].ValueAsString(), &awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			JwtAudience:    b.params[iac.ParamJwtAudience].ValueAsList(),
			IdentitySource: jsii.Strings(iac.IdentitySource),
			AuthorizerName: jsii.String(iac.AuthorizerName),
		})
	methods := make([]awsapigatewayv2.CorsHttpMethod, len(resources.CORS.AllowMethods))
	for i, m := range resources.CORS.AllowMethods {
		methods[i] = awsapigatewayv2.CorsHttpMethod(m)
	}
	api := awsapigatewayv2.NewHttpApi(b.stack, jsii.String(iac.HTTPAPIID), &awsapigatewayv2.HttpApiProps{
		ApiName:     awscdk.Aws_STACK_NAME(),
		Description: jsii.String("Customer Cloud home API"),
		CorsPreflight: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins:  b.corsOrigins(),
			AllowMethods:  &methods,
			AllowHeaders:  jsii.Strings(resources.CORS.AllowHeaders...),
			ExposeHeaders: jsii.Strings(resources.CORS.ExposeHeaders...),
			MaxAge:        awscdk.Duration_Seconds(jsii.Number(resources.CORS.MaxAge.Seconds())),
		},
		DefaultAuthorizer:  auth,
		CreateDefaultStage: jsii.Bool(true),
	})
	setID(api, iac.HTTPAPIID)
	for _, f := range resources.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		integ := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(strings.TrimSuffix(iac.FunctionID(f), "Function")+"Integration"),
			b.functions[f.Name], &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
				PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
			})
		for _, r := range f.Routes {
			opts := &awsapigatewayv2.AddRoutesOptions{
				Path:        jsii.String(r.Path),
				Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
				Integration: integ,
			}
			if !r.Authorized {
				opts.Authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
			}
			api.AddRoutes(opts)
		}
	}
	b.apiURL = api.Url()
	return nil
}

// corsOrigins is iac.CORSAllowOrigins as a CDK list: the Home page's
// CloudFront origin, then the CorsAllowOrigins parameter's.
func (b *builder) corsOrigins() *[]*string {
	joined := awscdk.Fn_Join(jsii.String(","), &[]*string{
		awscdk.Fn_Sub(jsii.String(iac.WebOrigin["Fn::Sub"].(string)), nil),
		awscdk.Fn_Join(jsii.String(","), b.params[iac.ParamCorsOrigins].ValueAsList()),
	})
	return awscdk.Fn_Split(jsii.String(","), joined, nil)
}

// web is the Home page's hosting, emitted as the raw CloudFormation
// infra/iac defines (template.yaml says the same; the drift test compares).
func (b *builder) web() error {
	for _, w := range iac.WebResources() {
		props := map[string]any(w.Properties)
		r := awscdk.NewCfnResource(b.stack, jsii.String(w.ID), &awscdk.CfnResourceProps{Type: jsii.String(w.Type), Properties: &props})
		r.OverrideLogicalId(jsii.String(w.ID))
	}
	return nil
}

func (b *builder) alarms() error {
	for _, a := range iac.Alarms() {
		var dims *[]any
		if a.Dimension != "" {
			dims = &[]any{&awscloudwatch.CfnAlarm_DimensionProperty{Name: jsii.String(a.Dimension), Value: value(a.DimensionValue)}}
		}
		awscloudwatch.NewCfnAlarm(b.stack, jsii.String(a.ID), &awscloudwatch.CfnAlarmProps{
			AlarmDescription:   jsii.String(a.Description),
			Namespace:          jsii.String(a.Namespace),
			MetricName:         jsii.String(a.Metric),
			Statistic:          jsii.String(a.Statistic),
			Dimensions:         dims,
			Period:             jsii.Number(a.Period),
			EvaluationPeriods:  jsii.Number(a.EvaluationPeriods),
			Threshold:          jsii.Number(a.Threshold),
			ComparisonOperator: jsii.String(iac.AlarmComparison),
			TreatMissingData:   jsii.String(iac.AlarmTreatMissingData),
			AlarmActions:       jsii.Strings(*b.topic.TopicArn()),
		})
	}
	return nil
}

func (b *builder) outputs() error {
	out := func(name string, v *string, desc string) {
		awscdk.NewCfnOutput(b.stack, jsii.String(name), &awscdk.CfnOutputProps{Value: v, Description: jsii.String(desc)})
	}
	out(iac.OutputAPIURL, b.apiURL, "Base URL of the HTTP API")
	out(iac.OutputEventsQueueURL, b.queues[resources.EventsQueue.Name].QueueUrl(), "URL of the events FIFO queue")
	out(iac.OutputDLQURL, b.queues[resources.EventsDLQ.Name].QueueUrl(), "URL of the events dead-letter queue")
	out(iac.OutputTableName, b.tbl.TableName(), "Name of the DynamoDB table")
	out(iac.OutputWebURL, awscdk.Fn_Sub(jsii.String(iac.WebOrigin["Fn::Sub"].(string)), nil), "The Home page (CloudFront); register it as the app client's callback URL")
	out(iac.OutputWebBucketName, awscdk.Fn_Ref(jsii.String(iac.WebBucketID)), "The bucket web/dist is uploaded to")
	return nil
}
