// Command notify delivers outgoing notification webhooks (SQS event source
// on the webhooks queue, fed by the notifications bus, with
// ReportBatchItemFailures): wiring only; the logic lives in shared/alerts.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/notifyapp"
)

func main() {
	log := wiring.Logger(os.Getenv, "notify")
	h, err := notifyapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
