package iac

import (
	"slices"

	"github.com/customercloud/home/shared/resources"
)

// Logical IDs of the notifications bus and what routes it to the webhooks
// queue.
const (
	BusID          = "NotificationsBus"
	BusRuleID      = "NotificationsToWebhooksRule"
	BusQueuePolicy = "WebhooksQueuePolicy"
)

// RawResource is a resource both templates write property for property:
// the CDK app through CfnResource, template.yaml by hand; the reader renders
// both and the drift test compares them with these.
type RawResource struct {
	ID, Type   string
	Properties map[string]any
}

func strs(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// NotificationResources are the custom bus of threshold notifications, the
// rule sending its notification events to the webhooks queue, and the queue
// policy that lets only that rule send there (least privilege for
// EventBridge, the one writer of that queue).
func NotificationResources() ([]RawResource, error) {
	b := resources.NotificationsBus
	q, err := QueueByName(b.RuleTarget)
	if err != nil {
		return nil, err
	}
	qid := QueueID(q)
	return []RawResource{
		{ID: BusID, Type: "AWS::Events::EventBus", Properties: map[string]any{
			"Name": map[string]any{"Fn::Sub": "${AWS::StackName}-" + baseName(b.Name)},
		}},
		{ID: BusRuleID, Type: "AWS::Events::Rule", Properties: map[string]any{
			"Description":  "Threshold notifications to the outgoing webhooks queue.",
			"EventBusName": ref(BusID),
			"EventPattern": map[string]any{"source": []any{b.Source}, "detail-type": strs(slices.Clone(b.DetailTypes))},
			"State":        "ENABLED",
			"Targets":      []any{map[string]any{"Arn": getAtt(qid, "Arn"), "Id": "webhooks"}},
		}},
		{ID: BusQueuePolicy, Type: "AWS::SQS::QueuePolicy", Properties: map[string]any{
			"Queues": []any{ref(qid)},
			"PolicyDocument": map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Sid": "NotificationsRuleSends", "Effect": "Allow",
					"Principal": map[string]any{"Service": "events.amazonaws.com"},
					"Action":    "sqs:SendMessage",
					"Resource":  getAtt(qid, "Arn"),
					"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": getAtt(BusRuleID, "Arn")}},
				}},
			},
		}},
	}, nil
}

// busArn is the bus's ARN in Fn::Sub syntax.
func busArn() string { return Value{Ref: BusID, Attr: "Arn"}.String() }
