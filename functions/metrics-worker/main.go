// Command metrics-worker does the scheduled metrics work of one
// organization per message of the fan-out queue (SQS event source with
// ReportBatchItemFailures): wiring only; the logic lives in shared/orgwork.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/metricsworkerapp"
)

func main() {
	log := wiring.Logger(os.Getenv, "metrics-worker")
	h, err := metricsworkerapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
