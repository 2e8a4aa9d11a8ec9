package iac

import (
	"fmt"
	"strings"

	"github.com/customercloud/home/shared/resources"
)

// Parameter is a stack parameter; both templates declare the same set, so a
// deployment is configured the same way whichever tool deploys it.
type Parameter struct {
	Name           string
	Type           string // String or CommaDelimitedList
	Default        *string
	AllowedValues  []string
	AllowedPattern string
	Description    string
}

func ptr(s string) *string { return &s }

// Stack parameter names.
const (
	ParamStage       = "Stage"
	ParamJwtIssuer   = "JwtIssuer"
	ParamJwtAudience = "JwtAudience"
	ParamCorsOrigins = "CorsAllowOrigins"
	ParamLogLevel    = "LogLevel"
	// ParamArchitecture is every function's instruction set: arm64 (the
	// default) in AWS; `make sam-local` gives the host's, so its containers
	// run natively instead of under emulation (README, "Two ways to run it").
	ParamArchitecture = "Architecture"
	ParamAlarmEmail   = "AlarmEmail"
)

// Condition names.
const (
	CondIsDev         = "IsDev"
	CondHasAlarmEmail = "HasAlarmEmail"
)

// StageDev is the stage without deletion protection, so a developer's stack
// can be torn down.
const StageDev = "dev"

// ssmParamPattern holds SSM parameter names to the hierarchical form, so the
// IAM resource "parameter${Name}" is a well-formed ARN.
const ssmParamPattern = `^/[A-Za-z0-9_.\-/]+$`

// Parameters are the stack parameters, in declaration order. The SSM
// parameter names come from the functions' *_PARAM environment variables.
func Parameters() []Parameter {
	ps := []Parameter{
		{Name: ParamStage, Type: "String", Default: ptr(StageDev), AllowedValues: []string{"dev", "staging", "prod"},
			Description: "Deployment stage; every stage but dev gets table deletion protection."},
		{Name: ParamJwtIssuer, Type: "String", AllowedPattern: `^https://.+`,
			Description: "JWT issuer URL (a Cognito user pool https://cognito-idp.<region>.amazonaws.com/<pool-id> or any OIDC issuer)."},
		{Name: ParamJwtAudience, Type: "CommaDelimitedList",
			Description: "Accepted JWT audiences (Cognito app client IDs or the OIDC audience)."},
		{Name: ParamCorsOrigins, Type: "CommaDelimitedList",
			Description: "Origins allowed by the HTTP API's CORS configuration."},
		{Name: ParamLogLevel, Type: "String", Default: ptr("info"), AllowedValues: []string{"debug", "info", "warn", "error"},
			Description: "Log level of every function."},
		{Name: ParamArchitecture, Type: "String", Default: ptr(Architecture), AllowedValues: []string{Architecture, "x86_64"},
			Description: "Instruction set of every function. arm64 in AWS; make sam-local passes the host's, so its containers run natively."},
	}
	for _, env := range ssmEnvNames() {
		ps = append(ps, Parameter{
			Name: ParamForEnv(env), Type: "String", AllowedPattern: ssmParamPattern,
			Default:     ptr("/cch/" + StageDev + "/" + strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(env, "_PARAM"), "_", "-"))),
			Description: "Name of the SSM parameter the webhook reads for " + env + ".",
		})
	}
	ps = append(ps, Parameter{Name: ParamAlarmEmail, Type: "String", Default: ptr(""),
		Description: "E-mail address subscribed to the alarm topic; empty for none."})
	return ps
}

// IsSSMEnv reports whether an environment variable carries the name of an SSM
// parameter, the project's convention being the _PARAM suffix; the function
// gets ssm:GetParameters on that parameter and nothing else.
func IsSSMEnv(env string) bool { return strings.HasSuffix(env, "_PARAM") }

// ParamForEnv is the stack parameter that feeds an environment variable:
// PRODUCER_SECRETS_PARAM is fed by ProducerSecretsParam.
func ParamForEnv(env string) string { return camel(strings.ToLower(env)) }

// ssmEnvNames lists the SSM-name variables of all functions, once each, in
// order of first appearance.
func ssmEnvNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range resources.Functions {
		for _, e := range f.Env {
			if IsSSMEnv(e) && !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// Value is what a template puts in a property: a literal or a reference to a
// resource, attribute or parameter. String renders it in the canonical form
// the template reader renders both templates to.
type Value struct {
	Ref     string // logical ID or parameter name
	Attr    string // with Ref: Fn::GetAtt attribute
	Literal string
}

// String renders the value as the reader does: ${X}, ${X.Attr} or the literal.
func (v Value) String() string {
	switch {
	case v.Ref != "" && v.Attr != "":
		return "${" + v.Ref + "." + v.Attr + "}"
	case v.Ref != "":
		return "${" + v.Ref + "}"
	default:
		return v.Literal
	}
}

// LocalOnlyEnv are the variables only a local run sets: endpoints of the
// local DynamoDB and SQS, and the secrets the webhook reads from SSM in AWS.
// template.yaml declares them empty, because `sam local` passes only declared
// variables; the reader accepts them there with an empty value only.
var LocalOnlyEnv = []string{
	resources.EnvDynamoDBEndpoint,
	resources.EnvSQSEndpoint,
	resources.EnvProducerSecretsJSON,
	resources.EnvMetaAppSecret,
	resources.EnvMetaVerifyToken,
	resources.EnvLocalTokenJWKS,
}

// SentimentProvider is SENTIMENT_PROVIDER in AWS.
const SentimentProvider = "comprehend"

// LogRetentionDays is every function's log retention: long enough to look
// back over a month's incidents, short enough not to keep message metadata
// longer than needed.
const LogRetentionDays = 30

// EnvValue is the value an environment variable gets in AWS. A variable with
// no AWS binding (the local-only endpoints, say) is an error, so a new name in
// resources.Functions cannot reach a template unbound.
func EnvValue(env string) (Value, error) {
	switch {
	case env == resources.EnvTableName:
		return Value{Ref: TableID(resources.Table)}, nil
	case env == resources.EnvEventsQueueURL:
		return Value{Ref: QueueID(resources.EventsQueue)}, nil
	case env == resources.EnvDeadLetterURL:
		return Value{Ref: QueueID(resources.EventsDLQ)}, nil
	case env == resources.EnvSentimentProvider:
		return Value{Literal: SentimentProvider}, nil
	case env == resources.EnvLogLevel:
		return Value{Ref: ParamLogLevel}, nil
	case env == resources.EnvNotificationsBus:
		return Value{Ref: BusID}, nil
	case env == resources.EnvWebhookQueueURL:
		return Value{Ref: QueueID(resources.WebhooksQueue)}, nil
	case env == resources.EnvExportsBucket:
		return Value{Ref: ExportsBucketID}, nil
	case env == resources.EnvExportsQueueURL:
		return Value{Ref: QueueID(resources.ExportsQueue)}, nil
	case env == resources.EnvMetricsWorkQueueURL:
		return Value{Ref: QueueID(resources.MetricsWorkQueue)}, nil
	case IsSSMEnv(env):
		return Value{Ref: ParamForEnv(env)}, nil
	}
	return Value{}, fmt.Errorf("iac: environment variable %s has no AWS binding", env)
}

// Environment is a function's environment in AWS, by variable name.
func Environment(f resources.FunctionDef) (map[string]Value, error) {
	out := make(map[string]Value, len(f.Env))
	for _, e := range f.Env {
		v, err := EnvValue(e)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name, err)
		}
		out[e] = v
	}
	return out, nil
}
