// Command lambdafeed is the SQS event source mapping and the EventBridge
// schedule for `make sam-local`, which SAM CLI does not emulate: it receives
// batches from the local events queue and invokes DebitFunction through the
// Lambda Invoke API that `sam local start-lambda` serves (so the debit runs
// in its Lambda container), deleting only what the function did not report
// as failed, exactly as infra/local/runner does for `make run`; and it
// invokes RollupFunction on a schedule the same way.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/iac"
	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/infra/local/lambdaapi"
	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/shared/awscfg/sqscfg"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
)

func main() { os.Exit(local.Exit("lambdafeed", run())) }

func run() error {
	endpoint := flag.String("lambda", "http://127.0.0.1:3002", "the Lambda API of `sam local start-lambda`")
	every := flag.Duration("rollup-every", time.Minute, "how often RollupFunction runs (0: never)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, getenv, err := local.AWS(ctx)
	if err != nil {
		return err
	}
	log := wiring.Logger(getenv, "lambdafeed")
	lam := lambdaapi.New(*endpoint)
	queueURL := getenv(resources.EnvEventsQueueURL)
	rn := runner.New(runner.Config{
		SQS: sqscfg.New(cfg, getenv), QueueURL: queueURL,
		QueueARN:  "arn:aws:sqs:us-east-1:000000000000:" + resources.EventsQueue.Name,
		BatchSize: resources.Debit.BatchSize, Pollers: 1,
		Debit: func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			var out events.SQSEventResponse
			err := lam.Invoke(ctx, iac.FunctionID(resources.Debit), ev, &out)
			return out, err
		},
		RollupEvery: *every,
		Rollup: func(ctx context.Context, ev events.EventBridgeEvent) error {
			return lam.Invoke(ctx, iac.FunctionID(resources.Rollup), ev, nil)
		},
		Log: log,
	})
	log.Info("feeding the debit from the queue through sam local start-lambda", "queue", queueURL, "lambda", *endpoint, "rollupEvery", every.String())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); rn.Poll(ctx) }()
	go func() { defer wg.Done(); rn.Schedule(ctx) }()
	wg.Wait()
	return nil
}
