// Command webhook is the channel and producer webhook Lambda (API Gateway
// HTTP API, payload 2.0): wiring only; the logic lives in shared/webhook.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/webhookapp"
)

func main() {
	log := wiring.Logger(os.Getenv, "webhook")
	h, err := webhookapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(wiring.Proxy(h))
}
