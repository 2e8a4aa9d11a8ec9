// Package iac binds shared/resources to CloudFormation: the logical IDs, stack
// parameters, environment values, IAM statements and alarms that both the CDK
// app (infra/cdk) and the SAM template (template.yaml) must produce, and a
// reader that turns either template into one comparable Model. It has no CDK
// dependency, so the drift test and the CDK stack share it without the stack
// being the reference for itself.
package iac

import (
	"fmt"
	"strings"

	"github.com/customercloud/home/shared/resources"
)

// namePrefix is the project prefix of the resources' local names; logical IDs
// drop it, since a stack already scopes them.
const namePrefix = "cch-"

// camel turns a dash, dot or underscore separated name into CamelCase, so
// "home-api" becomes "HomeApi"; logical IDs must be alphanumeric.
func camel(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool {
		return r == '-' || r == '.' || r == '_' || r == '/'
	}) {
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(part[1:])
	}
	return b.String()
}

// baseName strips the project prefix and the FIFO suffix from a local name,
// because neither belongs in a logical ID.
func baseName(name string) string {
	return strings.TrimSuffix(strings.TrimPrefix(name, namePrefix), ".fifo")
}

// TableID is the logical ID of a table: "cch-main" becomes "MainTable".
func TableID(t resources.TableDef) string { return camel(baseName(t.Name)) + "Table" }

// QueueID is the logical ID of a queue: "cch-events.fifo" becomes
// "EventsQueue" and "cch-events-dlq.fifo" becomes "EventsDlqQueue".
func QueueID(q resources.QueueDef) string { return camel(baseName(q.Name)) + "Queue" }

// FunctionID is the logical ID of a function: "home-api" becomes
// "HomeApiFunction".
func FunctionID(f resources.FunctionDef) string { return camel(f.Name) + "Function" }

// RoleID is the logical ID of a function's own execution role; each function
// has one so that its permissions are exactly its own.
func RoleID(f resources.FunctionDef) string { return FunctionID(f) + "Role" }

// LogGroupID is the logical ID of a function's log group, created up front so
// that its retention is set and the role may write to it alone.
func LogGroupID(f resources.FunctionDef) string { return camel(f.Name) + "LogGroup" }

// ScheduleID is the logical ID of a scheduled function's EventBridge rule.
func ScheduleID(f resources.FunctionDef) string { return camel(f.Name) + "Schedule" }

// EventSourceID is the logical ID of a queue function's event source mapping.
func EventSourceID(f resources.FunctionDef) string { return camel(f.Name) + "EventSource" }

// ErrorsAlarmID and ThrottlesAlarmID are the logical IDs of a function's
// alarms.
func ErrorsAlarmID(f resources.FunctionDef) string { return camel(f.Name) + "ErrorsAlarm" }

// ThrottlesAlarmID is the logical ID of a function's throttles alarm.
func ThrottlesAlarmID(f resources.FunctionDef) string { return camel(f.Name) + "ThrottlesAlarm" }

// DepthAlarmID is the logical ID of the alarm on a dead-letter queue's depth.
func DepthAlarmID(q resources.QueueDef) string { return camel(baseName(q.Name)) + "DepthAlarm" }

// Logical IDs of the stack's single resources.
const (
	HTTPAPIID       = "HttpApi"
	AuthorizerName  = "JwtAuthorizer"
	AlarmTopicID    = "AlarmTopic"
	AlarmEmailSubID = "AlarmEmailSubscription"
)

// Output names; the lead's scripts and docs read them.
const (
	OutputAPIURL         = "ApiUrl"
	OutputEventsQueueURL = "EventsQueueUrl"
	OutputDLQURL         = "EventsDlqUrl"
	OutputTableName      = "TableName"
)

// QueueByName finds a queue definition by its local name.
func QueueByName(name string) (resources.QueueDef, error) {
	for _, q := range resources.Queues {
		if q.Name == name {
			return q, nil
		}
	}
	return resources.QueueDef{}, fmt.Errorf("iac: no queue named %q in resources.Queues", name)
}

// DeadLetterQueues are the queues some other queue redrives to; they get a
// depth alarm, since a message there is one the system gave up on.
func DeadLetterQueues() []resources.QueueDef {
	var out []resources.QueueDef
	for _, q := range resources.Queues {
		for _, src := range resources.Queues {
			if src.DeadLetter == q.Name {
				out = append(out, q)
				break
			}
		}
	}
	return out
}
