// Command aggregate keeps the organizations' Home aggregates from the
// table's DynamoDB Stream (event source mapping with bisect on error and
// an on-failure queue): wiring only; the logic lives in shared/aggregate.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/aggregateapp"
)

func main() {
	log := wiring.Logger(os.Getenv, "aggregate")
	h, err := aggregateapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
