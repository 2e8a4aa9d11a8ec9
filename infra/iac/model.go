package iac

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/customercloud/home/shared/resources"
)

// Model is what the drift test compares: the settings that matter of every
// resource, as canonical strings (see Render), keyed by logical ID or route.
// Expected builds it from shared/resources; FromTemplate reads it from the SAM
// source template or the CDK-synthesized one.
type Model struct {
	Parameters   map[string]ParamModel
	Conditions   map[string]string
	Tables       map[string]TableModel
	Queues       map[string]QueueModel
	Functions    map[string]FunctionModel
	EventSources map[string]EventSourceModel // by function logical ID
	Schedules    map[string]ScheduleModel    // by function logical ID
	Routes       map[string]RouteModel       // by "METHOD /path"
	Authorizers  map[string]AuthorizerModel  // by authorizer name
	CORS         CORSModel
	Alarms       map[string]AlarmModel
	Topics       []string
	Outputs      []string
	// Web is the Home page's hosting (web.go): each resource's type and
	// rendered properties, by logical ID.
	Web map[string]string
	// Raw are resources compared property for property (the notifications
	// bus, its rule, the queue policy): "Type Render(Properties)" by ID.
	Raw map[string]string
	// Other lists resources of a type the reader does not model, so that an
	// unexpected resource on one side still shows up as drift.
	Other map[string]string
}

// ParamModel is a stack parameter.
type ParamModel struct {
	Type, Default, AllowedValues, AllowedPattern string
}

// TableModel is a DynamoDB table.
type TableModel struct {
	PartitionKey, SortKey    string // name:type
	BillingMode              string
	TTLAttribute, TTLEnabled string
	PointInTimeRecovery      string
	SSE                      string
	DeletionProtection       string
	DeletionPolicy           string
	UpdateReplacePolicy      string
	StreamView               string
	GSIs                     map[string]GSIModel
}

// GSIModel is a global secondary index.
type GSIModel struct {
	PartitionKey, SortKey, Projection string
}

// QueueModel is an SQS queue.
type QueueModel struct {
	FIFO, ContentBasedDeduplication, DeduplicationScope, FifoThroughputLimit string
	VisibilityTimeout, MessageRetentionPeriod                                string
	DeadLetterTarget, MaxReceiveCount                                        string
	SQSManagedSSE                                                            string
}

// FunctionModel is a Lambda function with its role and log group.
type FunctionModel struct {
	Runtime, Architectures, Handler, MemorySize, Timeout string
	Environment                                          map[string]string
	Role, LogGroup, LogRetentionDays                     string
	AssumedBy                                            string
	ManagedPolicies                                      []string
	Statements                                           []string // "Sid: actions on resources"
}

// EventSourceModel is a queue or stream function's event source mapping;
// Queue is its source's ARN (a queue's or the table stream's), and the
// stream settings are empty for a queue.
type EventSourceModel struct {
	Queue, BatchSize, FunctionResponseTypes, Enabled                   string
	StartingPosition, BatchingWindow, MaxRetries, MaxRecordAge, Bisect string
	OnFailure, Filters                                                 string
}

// ScheduleModel is a scheduled function's EventBridge rule.
type ScheduleModel struct {
	Expression, Enabled string
}

// RouteModel is an HTTP API route: the function it invokes, the authorizer
// it requires ("" for none) and the payload format.
type RouteModel struct {
	Function, Authorizer, PayloadFormat string
}

// AuthorizerModel is a JWT authorizer.
type AuthorizerModel struct {
	Issuer, Audience, IdentitySource string
}

// CORSModel is the HTTP API's CORS configuration.
type CORSModel struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders, MaxAge string
}

// AlarmModel is a CloudWatch alarm.
type AlarmModel struct {
	Namespace, Metric, Statistic, Dimensions         string
	Period, EvaluationPeriods, Threshold, Comparison string
	TreatMissingData, Actions                        string
}

// StatementString renders a policy statement for comparison.
func StatementString(sid string, actions, resources []string) string {
	return sid + ": " + strings.Join(slices.Sorted(slices.Values(actions)), " ") +
		" on " + strings.Join(slices.Sorted(slices.Values(resources)), " ")
}

func itoa(i int) string { return strconv.Itoa(i) }

func keyString(k resources.Key) string { return k.Name + ":" + string(k.Type) }

func sortedList(l []string) string {
	return "[" + strings.Join(slices.Sorted(slices.Values(l)), ",") + "]"
}

// The deployment settings both templates share beyond shared/resources.
const (
	Runtime              = "provided.al2023"
	Architecture         = "arm64" // the Architecture parameter's default
	Handler              = "bootstrap"
	PayloadFormat        = "2.0"
	IdentitySource       = "$request.header.Authorization"
	LambdaService        = "lambda.amazonaws.com"
	TableRetention       = "Retain"
	deletionProtectionIf = "If(" + CondIsDev + ",false,true)"
)

// newModel is an empty model with every map made, for both sides of the
// comparison.
func newModel() *Model {
	return &Model{
		Parameters:   map[string]ParamModel{},
		Conditions:   map[string]string{},
		Tables:       map[string]TableModel{},
		Queues:       map[string]QueueModel{},
		Functions:    map[string]FunctionModel{},
		EventSources: map[string]EventSourceModel{},
		Schedules:    map[string]ScheduleModel{},
		Routes:       map[string]RouteModel{},
		Authorizers:  map[string]AuthorizerModel{},
		Alarms:       map[string]AlarmModel{},
		Web:          map[string]string{},
		Raw:          map[string]string{},
	}
}

// Expected builds the model both templates must match from shared/resources
// and this package's bindings.
func Expected() (*Model, error) {
	m := newModel()
	m.Topics = []string{AlarmTopicID}
	m.Outputs = []string{OutputAPIURL, OutputDLQURL, OutputEventsQueueURL, OutputTableName, OutputWebBucketName, OutputWebURL}
	slices.Sort(m.Outputs)
	for _, w := range WebResources() {
		m.Web[w.ID] = w.Type + " " + Render(w.Properties)
	}
	m.Other = map[string]string{}
	raws, err := NotificationResources()
	if err != nil {
		return nil, err
	}
	for _, r := range raws {
		m.Raw[r.ID] = r.Type + " " + Render(r.Properties)
	}
	// Usage exports (issue 11).
	for _, r := range ExportResources() {
		m.Raw[r.ID] = r.Type + " " + Render(r.Properties)
	}
	for _, p := range Parameters() {
		pm := ParamModel{Type: p.Type, AllowedPattern: p.AllowedPattern}
		if p.Default != nil {
			pm.Default = *p.Default
		}
		if len(p.AllowedValues) > 0 {
			pm.AllowedValues = "[" + strings.Join(p.AllowedValues, ",") + "]"
		}
		m.Parameters[p.Name] = pm
	}
	m.Conditions[CondIsDev] = "Equals(${" + ParamStage + "}," + StageDev + ")"
	m.Conditions[CondHasAlarmEmail] = "Not(Equals(${" + ParamAlarmEmail + "},))"

	t := resources.Table
	tm := TableModel{
		PartitionKey: keyString(t.PartitionKey), SortKey: keyString(t.SortKey),
		BillingMode:  "PAY_PER_REQUEST",
		TTLAttribute: t.TTLAttribute, TTLEnabled: "true",
		PointInTimeRecovery: "true", SSE: "true",
		DeletionProtection: deletionProtectionIf,
		DeletionPolicy:     TableRetention, UpdateReplacePolicy: TableRetention,
		StreamView: t.StreamView,
		GSIs:       map[string]GSIModel{},
	}
	for _, ix := range t.Indexes {
		tm.GSIs[ix.Name] = GSIModel{PartitionKey: keyString(ix.PartitionKey), SortKey: keyString(ix.SortKey), Projection: ix.Projection}
	}
	m.Tables[TableID(t)] = tm

	for _, q := range resources.Queues {
		qm := QueueModel{
			FIFO:                      strconv.FormatBool(q.FIFO),
			ContentBasedDeduplication: "false",
			VisibilityTimeout:         itoa(int(q.VisibilityTimeout.Seconds())),
			MessageRetentionPeriod:    itoa(int(q.MessageRetention.Seconds())),
			SQSManagedSSE:             "true",
		}
		if q.HighThroughput {
			qm.DeduplicationScope, qm.FifoThroughputLimit = "messageGroup", "perMessageGroupId"
		}
		if q.DeadLetter != "" {
			dlq, err := QueueByName(q.DeadLetter)
			if err != nil {
				return nil, err
			}
			qm.DeadLetterTarget = Value{Ref: QueueID(dlq), Attr: "Arn"}.String()
			qm.MaxReceiveCount = itoa(q.MaxReceiveCount)
		}
		m.Queues[QueueID(q)] = qm
	}

	for _, f := range resources.Functions {
		fid := FunctionID(f)
		env, err := Environment(f)
		if err != nil {
			return nil, err
		}
		fm := FunctionModel{
			Runtime: Runtime, Architectures: "[" + Value{Ref: ParamArchitecture}.String() + "]", Handler: Handler,
			MemorySize: itoa(f.MemoryMB), Timeout: itoa(int(f.Timeout.Seconds())),
			Environment: map[string]string{},
			Role:        Value{Ref: RoleID(f), Attr: "Arn"}.String(),
			LogGroup:    Value{Ref: LogGroupID(f)}.String(), LogRetentionDays: itoa(LogRetentionDays),
			AssumedBy: LambdaService,
		}
		for k, v := range env {
			fm.Environment[k] = v.String()
		}
		sts, err := Statements(f)
		if err != nil {
			return nil, err
		}
		for _, s := range sts {
			fm.Statements = append(fm.Statements, StatementString(s.Sid, s.Actions, s.Resources))
		}
		slices.Sort(fm.Statements)
		m.Functions[fid] = fm

		switch f.Kind {
		case resources.Queue:
			q, err := QueueByName(f.Queue)
			if err != nil {
				return nil, fmt.Errorf("function %s: %w", f.Name, err)
			}
			m.EventSources[fid] = EventSourceModel{
				Queue: Value{Ref: QueueID(q), Attr: "Arn"}.String(), BatchSize: itoa(f.BatchSize),
				FunctionResponseTypes: "[ReportBatchItemFailures]", Enabled: "true",
			}
		case resources.Scheduled:
			m.Schedules[fid] = ScheduleModel{Expression: f.Schedule, Enabled: "true"}
		case resources.TableStream:
			es, err := StreamEventSource(f)
			if err != nil {
				return nil, err
			}
			m.EventSources[fid] = es
		}
		for _, r := range f.Routes {
			rm := RouteModel{Function: fid, PayloadFormat: PayloadFormat}
			if r.Authorized {
				rm.Authorizer = AuthorizerName
			}
			m.Routes[r.Method+" "+r.Path] = rm
		}
	}
	m.Authorizers[AuthorizerName] = AuthorizerModel{
		Issuer: "${" + ParamJwtIssuer + "}", Audience: "[${" + ParamJwtAudience + "}]", IdentitySource: "[" + IdentitySource + "]",
	}
	m.CORS = CORSModel{
		AllowOrigins:  renderList(CORSAllowOrigins()),
		AllowMethods:  sortedList(resources.CORS.AllowMethods),
		AllowHeaders:  sortedList(resources.CORS.AllowHeaders),
		ExposeHeaders: sortedList(resources.CORS.ExposeHeaders),
		MaxAge:        itoa(int(resources.CORS.MaxAge.Seconds())),
	}
	for _, a := range Alarms() {
		m.Alarms[a.ID] = AlarmModel{
			Namespace: a.Namespace, Metric: a.Metric, Statistic: a.Statistic,
			Dimensions: a.dimensions(),
			Period:     itoa(a.Period), EvaluationPeriods: itoa(a.EvaluationPeriods), Threshold: itoa(a.Threshold),
			Comparison: AlarmComparison, TreatMissingData: AlarmTreatMissingData,
			Actions: "[${" + AlarmTopicID + "}]",
		}
	}
	return m, nil
}

// StreamEventSource is the model of a stream function's mapping.
func StreamEventSource(f resources.FunctionDef) (EventSourceModel, error) {
	src := f.Stream
	if src == nil {
		return EventSourceModel{}, fmt.Errorf("iac: stream function %s has no StreamSource", f.Name)
	}
	es := EventSourceModel{
		Queue: StreamArn(), BatchSize: itoa(src.BatchSize), Enabled: "true",
		StartingPosition: src.StartingPosition,
		BatchingWindow:   itoa(int(src.BatchingWindow.Seconds())),
		MaxRetries:       itoa(src.MaxRetries),
		MaxRecordAge:     itoa(int(src.MaxRecordAge.Seconds())),
		Bisect:           fmt.Sprint(src.BisectOnError),
		Filters:          renderFilters(src.Filters),
	}
	if src.ReportBatchItemFailures {
		es.FunctionResponseTypes = "[ReportBatchItemFailures]"
	}
	if src.OnFailure != "" {
		q, err := QueueByName(src.OnFailure)
		if err != nil {
			return es, fmt.Errorf("function %s: %w", f.Name, err)
		}
		es.OnFailure = Value{Ref: QueueID(q), Attr: "Arn"}.String()
	}
	return es, nil
}

// renderFilters renders Lambda filter patterns canonically (JSON
// re-marshalled, so spacing does not count), in order.
func renderFilters(patterns []string) string {
	out := make([]string, len(patterns))
	for i, p := range patterns {
		var v any
		if err := json.Unmarshal([]byte(p), &v); err != nil {
			out[i] = "invalid:" + p
			continue
		}
		b, _ := json.Marshal(v)
		out[i] = string(b)
	}
	return strings.Join(out, " | ")
}

// dimensions renders an alarm's dimensions as the reader does.
func (a Alarm) dimensions() string {
	if a.Dimension == "" {
		return "[]"
	}
	return "[" + a.Dimension + "=" + a.DimensionValue.String() + "]"
}

// Diff lists the differences between two models, one readable line each
// ("path: want X, got Y"), sorted; none means no drift.
func Diff(want, got *Model) ([]string, error) {
	w, err := flatten(want)
	if err != nil {
		return nil, err
	}
	g, err := flatten(got)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(w)) {
		gv, ok := g[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: want %q, missing", k, w[k]))
		case gv != w[k]:
			out = append(out, fmt.Sprintf("%s: want %q, got %q", k, w[k], gv))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(g)) {
		if _, ok := w[k]; !ok {
			out = append(out, fmt.Sprintf("%s: unexpected %q", k, g[k]))
		}
	}
	return out, nil
}

// flatten turns a model into path → value, through its JSON form, so that
// every field of every entry is compared without a comparer per type. Empty
// values are dropped, so "absent" and "empty" are the same.
func flatten(m *Model) (map[string]string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("flatten model: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("flatten model: %w", err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(prefix+"."+k, e)
			}
		case []any:
			for _, e := range x {
				// Lists are sets here (statements, outputs): keyed by value.
				walk(prefix+"["+fmt.Sprint(e)+"]", true)
			}
		case nil:
		case string:
			if x != "" {
				out[strings.TrimPrefix(prefix, ".")] = x
			}
		default:
			out[strings.TrimPrefix(prefix, ".")] = fmt.Sprint(x)
		}
	}
	walk("", v)
	return out, nil
}
