// Command home-api is the Home API Lambda (API Gateway HTTP API, payload
// 2.0): wiring only; the API lives in shared/home.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/app"
	"github.com/customercloud/home/shared/app/homeapp"
)

func main() {
	log := app.Logger(os.Getenv, "home-api")
	h, err := homeapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(app.Proxy(h))
}
