// Command rollup is the scheduled metrics rollup Lambda (EventBridge):
// wiring only; the logic lives in shared/rollup.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/app"
	"github.com/customercloud/home/shared/app/rollupapp"
)

func main() {
	log := app.Logger(os.Getenv, "rollup")
	h, err := rollupapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
