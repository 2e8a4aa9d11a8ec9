// Command localcount prints what the local stack holds for one
// organization: its ledger entries (one per debit), and the events queue's
// and dead-letter queue's messages. infra/local/crashcheck.sh compares it
// across a crash and a restart.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/resources"
)

func main() { os.Exit(local.Exit("localcount", run())) }

func run() error {
	org := flag.String("org", "demo", "organization id")
	flag.Parse()
	ctx := context.Background()
	c, err := local.Open(ctx)
	if err != nil {
		return err
	}
	table := c.Getenv(resources.EnvTableName)
	ledger := 0
	for shard := 0; shard < keys.LedgerShards; shard++ {
		var start map[string]types.AttributeValue
		for {
			out, err := c.DB.Query(ctx, &dynamodb.QueryInput{TableName: &table, Select: types.SelectCount,
				KeyConditionExpression:    aws.String("pk = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: keys.LedgerPartition(*org, shard)}},
				ExclusiveStartKey:         start})
			if err != nil {
				return fmt.Errorf("count ledger: %w", err)
			}
			ledger += int(out.Count)
			if start = out.LastEvaluatedKey; len(start) == 0 {
				break
			}
		}
	}
	qv, qf, err := local.QueueDepth(ctx, c.SQS, c.Getenv(resources.EnvEventsQueueURL))
	if err != nil {
		return err
	}
	dv, df, err := local.QueueDepth(ctx, c.SQS, c.Getenv(resources.EnvDeadLetterURL))
	if err != nil {
		return err
	}
	fmt.Printf("ledger=%d queued=%d dlq=%d\n", ledger, qv+qf, dv+df)
	return nil
}
