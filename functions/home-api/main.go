// Command home-api is the Home API Lambda (API Gateway HTTP API, payload
// 2.0): wiring only; the API lives in shared/home.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/homeapp"
)

func main() {
	log := wiring.Logger(os.Getenv, "home-api")
	h, err := homeapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(wiring.Proxy(h))
}
