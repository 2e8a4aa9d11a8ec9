package local

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/shared/awscfg/ddbcfg"
	"github.com/customercloud/home/shared/awscfg/sqscfg"
)

// Clients is the local stack's variables with DynamoDB and SQS clients
// over its endpoints, so the commands that read and fill the table and
// the queues (localcount, seed) open the stack in one call.
type Clients struct {
	AWS    aws.Config
	Getenv func(string) string
	DB     *dynamodb.Client
	SQS    *sqs.Client
}

// Open is AWS with the DynamoDB and SQS clients built over it.
func Open(ctx context.Context) (Clients, error) {
	cfg, getenv, err := AWS(ctx)
	if err != nil {
		return Clients{}, err
	}
	return Clients{AWS: cfg, Getenv: getenv, DB: ddbcfg.New(cfg, getenv), SQS: sqscfg.New(cfg, getenv)}, nil
}

// QueueDepth is how many messages the queue at url holds, visible and in
// flight: what seed waits on and localcount prints.
func QueueDepth(ctx context.Context, sq *sqs.Client, url string) (visible, inFlight int, err error) {
	out, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		return 0, 0, fmt.Errorf("queue depth: %w", err)
	}
	count := func(name types.QueueAttributeName) (int, error) {
		n, err := strconv.Atoi(out.Attributes[string(name)])
		if err != nil {
			return 0, fmt.Errorf("queue attribute %s: %w", name, err)
		}
		return n, nil
	}
	if visible, err = count(types.QueueAttributeNameApproximateNumberOfMessages); err != nil {
		return 0, 0, err
	}
	if inFlight, err = count(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible); err != nil {
		return 0, 0, err
	}
	return visible, inFlight, nil
}
