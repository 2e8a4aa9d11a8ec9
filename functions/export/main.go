// Command export writes usage exports (SQS event source on the exports
// queue, one job a batch, with ReportBatchItemFailures): wiring only; the
// logic lives in shared/export.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/exportapp"
)

func main() {
	log := wiring.Logger(os.Getenv, "export")
	h, err := exportapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
