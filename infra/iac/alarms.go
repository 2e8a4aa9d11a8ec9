package iac

import "github.com/customercloud/home/shared/resources"

// Alarm is a CloudWatch alarm both templates create. Every alarm notifies the
// alarm topic and treats missing data as fine: no invocations is no errors.
type Alarm struct {
	ID                string
	Namespace         string
	Metric            string
	Statistic         string
	Dimension         string
	DimensionValue    Value
	Period            int // seconds
	EvaluationPeriods int
	Threshold         int
	Description       string
}

// Alarm settings shared by all alarms: any error, throttle or dead letter in a
// five-minute window is worth a look, since the system should have none.
const (
	AlarmPeriod             = 300
	AlarmEvaluationPeriods  = 1
	AlarmThreshold          = 0
	AlarmComparison         = "GreaterThanThreshold"
	AlarmTreatMissingData   = "notBreaching"
	alarmLambdaNamespace    = "AWS/Lambda"
	alarmSQSNamespace       = "AWS/SQS"
	alarmFunctionDimension  = "FunctionName"
	alarmQueueDimension     = "QueueName"
	alarmQueueDepthMetric   = "ApproximateNumberOfMessagesVisible"
	alarmQueueDepthStatName = "Maximum"
)

// Alarms lists the alarms: the depth of each dead-letter queue, and errors
// and throttles of each function.
func Alarms() []Alarm {
	var out []Alarm
	for _, q := range DeadLetterQueues() {
		out = append(out, Alarm{
			ID: DepthAlarmID(q), Namespace: alarmSQSNamespace, Metric: alarmQueueDepthMetric, Statistic: alarmQueueDepthStatName,
			Dimension: alarmQueueDimension, DimensionValue: Value{Ref: QueueID(q), Attr: "QueueName"},
			Period: AlarmPeriod, EvaluationPeriods: AlarmEvaluationPeriods, Threshold: AlarmThreshold,
			Description: "Messages are waiting in the dead-letter queue " + q.Name + ": events the system gave up on.",
		})
	}
	for _, f := range resources.Functions {
		fn := Value{Ref: FunctionID(f)}
		out = append(out,
			Alarm{ID: ErrorsAlarmID(f), Namespace: alarmLambdaNamespace, Metric: "Errors", Statistic: "Sum",
				Dimension: alarmFunctionDimension, DimensionValue: fn,
				Period: AlarmPeriod, EvaluationPeriods: AlarmEvaluationPeriods, Threshold: AlarmThreshold,
				Description: "Function " + f.Name + " returned errors."},
			Alarm{ID: ThrottlesAlarmID(f), Namespace: alarmLambdaNamespace, Metric: "Throttles", Statistic: "Sum",
				Dimension: alarmFunctionDimension, DimensionValue: fn,
				Period: AlarmPeriod, EvaluationPeriods: AlarmEvaluationPeriods, Threshold: AlarmThreshold,
				Description: "Function " + f.Name + " was throttled."},
		)
	}
	return out
}
