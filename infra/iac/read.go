package iac

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ignoredTypes are resources that follow from the modeled ones and differ in
// shape between SAM and CDK by construction (SAM creates its permissions and
// stages at transform time), or are the CDK's own bookkeeping.
var ignoredTypes = map[string]bool{
	"AWS::Lambda::Permission":       true,
	"AWS::ApiGatewayV2::Stage":      true,
	"AWS::ApiGatewayV2::Deployment": true,
	"AWS::CDK::Metadata":            true,
}

// ignoredParams are parameters the CDK's default synthesizer adds.
var ignoredParams = map[string]bool{"BootstrapVersion": true}

// FromTemplate reads the model from a template: the SAM source template
// (AWS::Serverless::* with Globals and Events) or plain CloudFormation as the
// CDK synthesizes it. Anything it cannot place is an error, so a half-wired
// route or an event source on an unknown queue shows up.
func FromTemplate(t *Template) (*Model, error) {
	m := newModel()
	m.Other = map[string]string{}
	r := reader{t: t, m: m}
	if err := r.read(); err != nil {
		return nil, err
	}
	return r.m, nil
}

type reader struct {
	t *Template
	m *Model
	// defaultAuthorizer is the SAM HttpApi's DefaultAuthorizer.
	defaultAuthorizer string
}

func (r *reader) read() error {
	for name, pv := range r.t.Parameters {
		if ignoredParams[name] {
			continue
		}
		p := asMap(pv)
		pm := ParamModel{Type: str(p["Type"]), Default: Render(p["Default"]), AllowedPattern: str(p["AllowedPattern"])}
		if av := p["AllowedValues"]; av != nil {
			pm.AllowedValues = Render(av)
		}
		r.m.Parameters[name] = pm
	}
	for name, c := range r.t.Conditions {
		r.m.Conditions[name] = Render(c)
	}
	for name := range r.t.Outputs {
		r.m.Outputs = append(r.m.Outputs, name)
	}
	slices.Sort(r.m.Outputs)

	// The API first: SAM routes need its default authorizer.
	ids := slices.Sorted(maps.Keys(r.t.Resources))
	slices.SortStableFunc(ids, func(a, b string) int {
		return boolCmp(r.t.Resources[a].Type == "AWS::Serverless::HttpApi", r.t.Resources[b].Type == "AWS::Serverless::HttpApi")
	})
	for _, id := range ids {
		res := r.t.Resources[id]
		var err error
		switch res.Type {
		case "AWS::DynamoDB::Table":
			r.table(id, res)
		case "AWS::SQS::Queue":
			r.queue(id, res)
		case "AWS::Serverless::Function":
			err = r.samFunction(id, res)
		case "AWS::Lambda::Function":
			err = r.function(id, res.Properties)
		case "AWS::Serverless::HttpApi":
			err = r.samAPI(res)
		case "AWS::ApiGatewayV2::Api":
			r.m.CORS = corsModel(res.Properties["CorsConfiguration"])
		case "AWS::ApiGatewayV2::Authorizer":
			err = r.authorizer(res)
		case "AWS::ApiGatewayV2::Route":
			err = r.route(id, res)
		case "AWS::ApiGatewayV2::Integration":
			// Read through the routes that target it.
		case "AWS::Lambda::EventSourceMapping":
			err = r.eventSource(id, res)
		case "AWS::Events::Rule":
			err = r.rule(id, res)
		case "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::Logs::LogGroup":
			// Read with the function that uses them.
		case "AWS::CloudWatch::Alarm":
			r.alarm(id, res)
		case "AWS::Events::EventBus", "AWS::SQS::QueuePolicy":
			r.m.Raw[id] = res.Type + " " + Render(map[string]any(res.Properties))
		case "AWS::SNS::Topic":
			r.m.Topics = append(r.m.Topics, id)
		case "AWS::S3::Bucket", "AWS::S3::BucketPolicy":
			// The exports bucket is compared raw; any other is the page's.
			if isExportResource(id) {
				r.m.Raw[id] = res.Type + " " + Render(map[string]any(res.Properties))
			} else {
				r.m.Web[id] = res.Type + " " + Render(res.Properties)
			}
		case "AWS::CloudFront::OriginAccessControl",
			"AWS::CloudFront::ResponseHeadersPolicy", "AWS::CloudFront::Distribution":
			r.m.Web[id] = res.Type + " " + Render(res.Properties)
		case "AWS::SNS::Subscription":
			// Conditional e-mail subscription; not part of the comparison.
		default:
			if !ignoredTypes[res.Type] {
				r.m.Other[id] = res.Type
			}
		}
		if err != nil {
			return fmt.Errorf("resource %s: %w", id, err)
		}
	}
	return nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

func keyOf(schema, attrs any, keyType string) string {
	types := map[string]string{}
	for _, a := range asList(attrs) {
		types[str(asMap(a)["AttributeName"])] = str(asMap(a)["AttributeType"])
	}
	for _, k := range asList(schema) {
		if str(asMap(k)["KeyType"]) == keyType {
			name := str(asMap(k)["AttributeName"])
			return name + ":" + types[name]
		}
	}
	return ""
}

func (r *reader) table(id string, res Resource) {
	p := res.Properties
	attrs := p["AttributeDefinitions"]
	tm := TableModel{
		PartitionKey:        keyOf(p["KeySchema"], attrs, "HASH"),
		SortKey:             keyOf(p["KeySchema"], attrs, "RANGE"),
		BillingMode:         Render(p["BillingMode"]),
		TTLAttribute:        Render(path(p, "TimeToLiveSpecification", "AttributeName")),
		TTLEnabled:          Render(path(p, "TimeToLiveSpecification", "Enabled")),
		PointInTimeRecovery: Render(path(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")),
		SSE:                 Render(path(p, "SSESpecification", "SSEEnabled")),
		DeletionProtection:  Render(p["DeletionProtectionEnabled"]),
		DeletionPolicy:      res.DeletionPolicy,
		UpdateReplacePolicy: res.UpdateReplacePolicy,
		StreamView:          Render(path(p, "StreamSpecification", "StreamViewType")),
		GSIs:                map[string]GSIModel{},
	}
	for _, g := range asList(p["GlobalSecondaryIndexes"]) {
		gm := asMap(g)
		tm.GSIs[str(gm["IndexName"])] = GSIModel{
			PartitionKey: keyOf(gm["KeySchema"], attrs, "HASH"),
			SortKey:      keyOf(gm["KeySchema"], attrs, "RANGE"),
			Projection:   Render(path(gm, "Projection", "ProjectionType")),
		}
	}
	r.m.Tables[id] = tm
}

func (r *reader) queue(id string, res Resource) {
	p := res.Properties
	orFalse := func(v any) string {
		if v == nil {
			return "false"
		}
		return Render(v)
	}
	r.m.Queues[id] = QueueModel{
		FIFO:                      orFalse(p["FifoQueue"]),
		ContentBasedDeduplication: orFalse(p["ContentBasedDeduplication"]),
		DeduplicationScope:        Render(p["DeduplicationScope"]),
		FifoThroughputLimit:       Render(p["FifoThroughputLimit"]),
		VisibilityTimeout:         Render(p["VisibilityTimeout"]),
		MessageRetentionPeriod:    Render(p["MessageRetentionPeriod"]),
		DeadLetterTarget:          Render(path(p, "RedrivePolicy", "deadLetterTargetArn")),
		MaxReceiveCount:           Render(path(p, "RedrivePolicy", "maxReceiveCount")),
		SQSManagedSSE:             orFalse(p["SqsManagedSseEnabled"]),
	}
}

// samFunction reads a SAM function: its Globals, its properties and the
// events that stand for the CDK's routes, event sources and rules.
func (r *reader) samFunction(id string, res Resource) error {
	props := map[string]any{}
	maps.Copy(props, asMap(r.t.Globals["Function"]))
	for k, v := range res.Properties {
		if k == "Environment" {
			vars := map[string]any{}
			maps.Copy(vars, asMap(path(props, "Environment", "Variables")))
			maps.Copy(vars, asMap(path(v, "Variables")))
			v = map[string]any{"Variables": vars}
		}
		props[k] = v
	}
	if err := r.function(id, props); err != nil {
		return err
	}
	for name, ev := range asMap(props["Events"]) {
		e := asMap(ev)
		ep := asMap(e["Properties"])
		switch str(e["Type"]) {
		case "HttpApi":
			auth := r.defaultAuthorizer
			if a, ok := path(ep, "Auth", "Authorizer").(string); ok {
				auth = a
			}
			if auth == "NONE" {
				auth = ""
			}
			format := Render(ep["PayloadFormatVersion"])
			if format == "" {
				format = PayloadFormat // SAM's default for HttpApi events
			}
			key := strings.ToUpper(Render(ep["Method"])) + " " + Render(ep["Path"])
			if _, dup := r.m.Routes[key]; dup {
				return fmt.Errorf("event %s: route %s defined twice", name, key)
			}
			r.m.Routes[key] = RouteModel{Function: id, Authorizer: auth, PayloadFormat: format}
		case "SQS":
			enabled := Render(ep["Enabled"])
			if enabled == "" {
				enabled = "true"
			}
			r.m.EventSources[id] = EventSourceModel{
				Queue: Render(ep["Queue"]), BatchSize: Render(ep["BatchSize"]),
				FunctionResponseTypes: Render(ep["FunctionResponseTypes"]), Enabled: enabled,
			}
		case "DynamoDB":
			enabled := Render(ep["Enabled"])
			if enabled == "" {
				enabled = "true"
			}
			r.m.EventSources[id] = streamSource(Render(ep["Stream"]), enabled, ep)
		case "Schedule":
			enabled := Render(ep["Enabled"])
			if s := Render(ep["State"]); s != "" {
				enabled = fmt.Sprint(s == "ENABLED")
			}
			if enabled == "" {
				enabled = "true"
			}
			if _, dup := r.m.Schedules[id]; dup {
				return fmt.Errorf("event %s: second schedule", name)
			}
			r.m.Schedules[id] = ScheduleModel{Expression: Render(ep["Schedule"]), Enabled: enabled}
		default:
			return fmt.Errorf("event %s: unsupported event type %q", name, str(e["Type"]))
		}
	}
	return nil
}

// function reads a function's own settings, its role and its log group.
func (r *reader) function(id string, p map[string]any) error {
	fm := FunctionModel{
		Runtime: Render(p["Runtime"]), Architectures: Render(p["Architectures"]), Handler: Render(p["Handler"]),
		MemorySize: Render(p["MemorySize"]), Timeout: Render(p["Timeout"]),
		Environment: map[string]string{},
		Role:        Render(p["Role"]),
		LogGroup:    Render(path(p, "LoggingConfig", "LogGroup")),
	}
	for k, v := range asMap(path(p, "Environment", "Variables")) {
		val := Render(v)
		if val == "" && slices.Contains(LocalOnlyEnv, k) {
			continue // declared for sam local only; see LocalOnlyEnv
		}
		fm.Environment[k] = val
	}
	if lg, ok := r.t.Resources[refTarget(path(p, "LoggingConfig", "LogGroup"))]; ok {
		fm.LogRetentionDays = Render(lg.Properties["RetentionInDays"])
	}
	roleID := refTarget(p["Role"])
	role, ok := r.t.Resources[roleID]
	if !ok || role.Type != "AWS::IAM::Role" {
		return fmt.Errorf("function role %q is not an AWS::IAM::Role of the template", fm.Role)
	}
	for _, st := range asList(path(role.Properties, "AssumeRolePolicyDocument", "Statement")) {
		fm.AssumedBy = Render(path(st, "Principal", "Service"))
	}
	fm.ManagedPolicies = strList(role.Properties["ManagedPolicyArns"])
	var docs []any
	for _, pol := range asList(role.Properties["Policies"]) {
		docs = append(docs, path(pol, "PolicyDocument"))
	}
	// Policies attached from outside the role (the CDK's DefaultPolicy).
	for _, pid := range slices.Sorted(maps.Keys(r.t.Resources)) {
		pr := r.t.Resources[pid]
		if pr.Type != "AWS::IAM::Policy" {
			continue
		}
		for _, rr := range asList(pr.Properties["Roles"]) {
			if refTarget(rr) == roleID {
				docs = append(docs, pr.Properties["PolicyDocument"])
			}
		}
	}
	for _, doc := range docs {
		for _, st := range asList(path(doc, "Statement")) {
			s := asMap(st)
			sid := str(s["Sid"])
			if e := str(s["Effect"]); e != "Allow" {
				sid += "(" + e + ")"
			}
			fm.Statements = append(fm.Statements, StatementString(sid, strList(s["Action"]), strList(s["Resource"])))
		}
	}
	slices.Sort(fm.Statements)
	r.m.Functions[id] = fm
	return nil
}

func (r *reader) samAPI(res Resource) error {
	p := res.Properties
	r.m.CORS = corsModel(p["CorsConfiguration"])
	r.defaultAuthorizer = Render(path(p, "Auth", "DefaultAuthorizer"))
	for name, a := range asMap(path(p, "Auth", "Authorizers")) {
		am := asMap(a)
		if _, ok := am["JwtConfiguration"]; !ok {
			return fmt.Errorf("authorizer %s is not a JWT authorizer", name)
		}
		r.m.Authorizers[name] = AuthorizerModel{
			Issuer:         Render(path(am, "JwtConfiguration", "issuer")),
			Audience:       renderList(path(am, "JwtConfiguration", "audience")),
			IdentitySource: renderList(am["IdentitySource"]),
		}
	}
	return nil
}

// renderList renders a value as a list, so that SAM's single IdentitySource
// string and the CDK's one-element list compare equal.
func renderList(v any) string {
	if v == nil {
		return ""
	}
	return "[" + strings.Join(strList(v), ",") + "]"
}

func corsModel(v any) CORSModel {
	c := asMap(v)
	sorted := func(v any) string {
		if v == nil {
			return ""
		}
		return "[" + strings.Join(slices.Sorted(slices.Values(strList(v))), ",") + "]"
	}
	return CORSModel{
		AllowOrigins:  renderList(c["AllowOrigins"]),
		AllowMethods:  sorted(c["AllowMethods"]),
		AllowHeaders:  sorted(c["AllowHeaders"]),
		ExposeHeaders: sorted(c["ExposeHeaders"]),
		MaxAge:        Render(c["MaxAge"]),
	}
}

func (r *reader) authorizer(res Resource) error {
	p := res.Properties
	if t := str(p["AuthorizerType"]); t != "JWT" {
		return fmt.Errorf("authorizer type %q, want JWT", t)
	}
	r.m.Authorizers[Render(p["Name"])] = AuthorizerModel{
		Issuer:         Render(path(p, "JwtConfiguration", "Issuer")),
		Audience:       renderList(path(p, "JwtConfiguration", "Audience")),
		IdentitySource: renderList(p["IdentitySource"]),
	}
	return nil
}

// route reads a plain CloudFormation route through its integration to the
// function, and its authorizer to the authorizer's name.
func (r *reader) route(id string, res Resource) error {
	p := res.Properties
	key := Render(p["RouteKey"])
	target := Render(p["Target"])
	integID, ok := strings.CutPrefix(target, "integrations/${")
	if !ok {
		return fmt.Errorf("route %s: target %q is not an integration", key, target)
	}
	integ, ok := r.t.Resources[strings.TrimSuffix(integID, "}")]
	if !ok || integ.Type != "AWS::ApiGatewayV2::Integration" {
		return fmt.Errorf("route %s: integration %q not found", key, integID)
	}
	rm := RouteModel{
		Function:      refTarget(integ.Properties["IntegrationUri"]),
		PayloadFormat: Render(integ.Properties["PayloadFormatVersion"]),
	}
	switch at := Render(p["AuthorizationType"]); at {
	case "JWT":
		auth, ok := r.t.Resources[refTarget(p["AuthorizerId"])]
		if !ok {
			return fmt.Errorf("route %s: authorizer %s not found", key, Render(p["AuthorizerId"]))
		}
		rm.Authorizer = Render(auth.Properties["Name"])
	case "", "NONE":
	default:
		return fmt.Errorf("route %s: authorization type %q", key, at)
	}
	if _, dup := r.m.Routes[key]; dup {
		return fmt.Errorf("route %s defined twice (again in %s)", key, id)
	}
	r.m.Routes[key] = rm
	return nil
}

func (r *reader) eventSource(id string, res Resource) error {
	p := res.Properties
	fn := refTarget(p["FunctionName"])
	if fn == "" {
		return fmt.Errorf("event source %s: function %s is not a reference", id, Render(p["FunctionName"]))
	}
	enabled := Render(p["Enabled"])
	if enabled == "" {
		enabled = "true"
	}
	if Render(p["StartingPosition"]) != "" {
		r.m.EventSources[fn] = streamSource(Render(p["EventSourceArn"]), enabled, p)
		return nil
	}
	r.m.EventSources[fn] = EventSourceModel{
		Queue: Render(p["EventSourceArn"]), BatchSize: Render(p["BatchSize"]),
		FunctionResponseTypes: Render(p["FunctionResponseTypes"]), Enabled: enabled,
	}
	return nil
}

// streamSource reads a stream mapping's settings, which SAM's DynamoDB
// event and AWS::Lambda::EventSourceMapping spell alike.
func streamSource(arn, enabled string, p map[string]any) EventSourceModel {
	var patterns []string
	for _, f := range asList(path(p, "FilterCriteria", "Filters")) {
		patterns = append(patterns, Render(path(f, "Pattern")))
	}
	return EventSourceModel{
		Queue: arn, BatchSize: Render(p["BatchSize"]),
		FunctionResponseTypes: Render(p["FunctionResponseTypes"]), Enabled: enabled,
		StartingPosition: Render(p["StartingPosition"]),
		BatchingWindow:   Render(p["MaximumBatchingWindowInSeconds"]),
		MaxRetries:       Render(p["MaximumRetryAttempts"]),
		MaxRecordAge:     Render(p["MaximumRecordAgeInSeconds"]),
		Bisect:           Render(p["BisectBatchOnFunctionError"]),
		OnFailure:        Render(path(p, "DestinationConfig", "OnFailure", "Destination")),
		Filters:          renderFilters(patterns),
	}
}

func (r *reader) rule(id string, res Resource) error {
	p := res.Properties
	expr := Render(p["ScheduleExpression"])
	if expr == "" {
		r.m.Raw[id] = res.Type + " " + Render(map[string]any(p))
		return nil
	}
	targets := asList(p["Targets"])
	if len(targets) != 1 {
		return fmt.Errorf("rule %s: %d targets, want 1", id, len(targets))
	}
	fn := refTarget(path(targets[0], "Arn"))
	if _, dup := r.m.Schedules[fn]; dup {
		return fmt.Errorf("rule %s: second schedule for %s", id, fn)
	}
	state := Render(p["State"])
	r.m.Schedules[fn] = ScheduleModel{Expression: expr, Enabled: fmt.Sprint(state == "" || state == "ENABLED")}
	return nil
}

func (r *reader) alarm(id string, res Resource) {
	p := res.Properties
	var dims []string
	for _, d := range asList(p["Dimensions"]) {
		dims = append(dims, Render(path(d, "Name"))+"="+Render(path(d, "Value")))
	}
	slices.Sort(dims)
	r.m.Alarms[id] = AlarmModel{
		Namespace: Render(p["Namespace"]), Metric: Render(p["MetricName"]), Statistic: Render(p["Statistic"]),
		Dimensions: "[" + strings.Join(dims, ",") + "]",
		Period:     Render(p["Period"]), EvaluationPeriods: Render(p["EvaluationPeriods"]), Threshold: Render(p["Threshold"]),
		Comparison: Render(p["ComparisonOperator"]), TreatMissingData: Render(p["TreatMissingData"]),
		Actions: Render(p["AlarmActions"]),
	}
}
