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

// IteratorAgeAlarmID is the logical ID of a stream function's iterator age alarm.
func IteratorAgeAlarmID(f resources.FunctionDef) string { return camel(f.Name) + "IteratorAgeAlarm" }

// DriftAlarmID is the logical ID of the alarm on the reconciliation's drift.
const DriftAlarmID = "AggregateDriftAlarm"

// UndecodableAlarmID is the logical ID of the alarm on stream records the
// aggregate function skipped.
const UndecodableAlarmID = "AggregateUndecodableAlarm"

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
		if f.Kind != resources.TableStream || f.Stream == nil {
			continue
		}
		if q, err := QueueByName(f.Stream.OnFailure); err == nil {
			out = append(out, Alarm{
				ID: DepthAlarmID(q), Namespace: alarmSQSNamespace, Metric: alarmQueueDepthMetric, Statistic: alarmQueueDepthStatName,
				Dimension: alarmQueueDimension, DimensionValue: Value{Ref: QueueID(q), Attr: "QueueName"},
				Period: AlarmPeriod, EvaluationPeriods: AlarmEvaluationPeriods, Threshold: AlarmThreshold,
				Description: "Stream records of " + f.Name + " were given up on (" + q.Name + "): the reconciliation repairs the organizations concerned.",
			})
		}
		out = append(out, Alarm{
			ID: IteratorAgeAlarmID(f), Namespace: alarmLambdaNamespace, Metric: "IteratorAge", Statistic: "Maximum",
			Dimension: alarmFunctionDimension, DimensionValue: Value{Ref: FunctionID(f)},
			Period: AlarmPeriod, EvaluationPeriods: AlarmEvaluationPeriods, Threshold: int(f.Stream.IteratorAgeAlarm.Milliseconds()),
			Description: "Function " + f.Name + " is behind the table's stream: the Home's live figures are older than the alarm's threshold.",
		})
	}
	// The reconciliation's drift metric (embedded metric format, no
	// dimension): any aggregate cell that differed from a recount.
	out = append(out, Alarm{
		ID: DriftAlarmID, Namespace: resources.MetricsNamespace, Metric: resources.MetricsDriftMetric, Statistic: "Maximum",
		Period: AlarmPeriod, EvaluationPeriods: AlarmEvaluationPeriods, Threshold: AlarmThreshold,
		Description: "The reconciliation found incremental aggregates different from a recount (and repaired them): look for a processor bug or records given up on.",
	})
	// Stream records the aggregate function skipped as unreadable.
	out = append(out, Alarm{
		ID: UndecodableAlarmID, Namespace: resources.MetricsNamespace, Metric: resources.MetricsUndecodable, Statistic: "Sum",
		Period: AlarmPeriod, EvaluationPeriods: AlarmEvaluationPeriods, Threshold: AlarmThreshold,
		Description: "The aggregate function skipped contact-state records it could not read: the reconciliation repairs their counts; find the writer.",
	})
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
