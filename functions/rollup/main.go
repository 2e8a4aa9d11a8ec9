// Command rollup is the metrics schedule's lister (EventBridge): it starts
// each run's fan-out of organization tasks; wiring only, the logic lives in
// shared/fanout.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/rollupapp"
)

func main() {
	log := wiring.Logger(os.Getenv, "rollup")
	h, err := rollupapp.New(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}
