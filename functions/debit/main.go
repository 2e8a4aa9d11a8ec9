// Command debit is the Interactionz metering Lambda (SQS FIFO event source
// with ReportBatchItemFailures): wiring only; the logic lives in shared/debit.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/debitapp"
)

func main() {
	log := wiring.Logger(os.Getenv, "debit")
	h, err := debitapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
