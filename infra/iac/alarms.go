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

// The age alarm: a consumed queue's oldest message older than this means a
// message group has been blocked (its head failing transiently and held
// back, debit.DefaultRetry) or the consumer is not keeping up. Normal
// processing takes seconds; an outage reaches it after about five receives.
const (
	alarmAgeMetric    = "ApproximateAgeOfOldestMessage"
	AlarmAgeThreshold = 600 // seconds
)

// AgeAlarmID is the logical ID of the alarm on the age of a consumed
// queue's oldest message.
func AgeAlarmID(q resources.QueueDef) string { return camel(baseName(q.Name)) + "AgeAlarm" }

// Alarms lists the alarms: the depth of each dead-letter queue, the age of
// the oldest message of each FIFO queue a dead-letter queue backs, and
// errors and throttles of each function. A standard queue gets no age
// alarm: there (the outgoing webhooks) an old message is a customer's
// receiver being down and backed off from, not a blocked group of ours;
// what is given up on shows in its dead-letter queue's depth alarm.
func Alarms() []Alarm {
	var out []Alarm
	for _, q := range resources.Queues {
		if q.DeadLetter == "" || !q.FIFO {
			continue
		}
		out = append(out, Alarm{
			ID: AgeAlarmID(q), Namespace: alarmSQSNamespace, Metric: alarmAgeMetric, Statistic: alarmQueueDepthStatName,
			Dimension: alarmQueueDimension, DimensionValue: Value{Ref: QueueID(q), Attr: "QueueName"},
			Period: AlarmPeriod, EvaluationPeriods: AlarmEvaluationPeriods, Threshold: AlarmAgeThreshold,
			Description: "The oldest message of " + q.Name + " is over 10 minutes old: a message group is blocked by a failure " +
				"that is being retried (an outage), or the consumer is behind.",
		})
	}
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
