// Command runner hosts the real handlers on this machine behind a local API
// Gateway, SQS event source and EventBridge schedule (package runner), on
// the local stack started by infra/local/stack.sh.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/infra/local/streamfeed"
	"github.com/customercloud/home/infra/local/webui"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/awscfg/ddbcfg"
	"github.com/customercloud/home/shared/awscfg/sqscfg"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/aggregateapp"
	"github.com/customercloud/home/shared/wiring/debitapp"
	"github.com/customercloud/home/shared/wiring/exportapp"
	"github.com/customercloud/home/shared/wiring/homeapp"
	"github.com/customercloud/home/shared/wiring/metricsworkerapp"
	"github.com/customercloud/home/shared/wiring/notifyapp"
	"github.com/customercloud/home/shared/wiring/rollupapp"
	"github.com/customercloud/home/shared/wiring/webhookapp"
)

func main() { os.Exit(local.Exit("runner", run())) }

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, getenv, err := local.Env()
	if err != nil {
		return err
	}
	log := wiring.Logger(getenv, "runner")
	key, err := auth.LoadOrCreateLocalKey(filepath.Join(root, ".local"))
	if err != nil {
		return err
	}
	homeH, err := homeapp.New(ctx, getenv, wiring.Logger(getenv, "home-api"))
	if err != nil {
		return err
	}
	hookH, err := webhookapp.New(ctx, getenv, wiring.Logger(getenv, "webhook"))
	if err != nil {
		return err
	}
	debitH, err := debitapp.New(ctx, getenv, wiring.Logger(getenv, "debit"))
	if err != nil {
		return err
	}
	rollupH, err := rollupapp.New(ctx, getenv, wiring.Logger(getenv, "rollup"))
	if err != nil {
		return err
	}
	notifyH, err := notifyapp.New(ctx, getenv, wiring.Logger(getenv, "notify"))
	if err != nil {
		return err
	}
	// Usage exports (issue 11): the worker, when the stack has its bucket.
	var exportH runner.SQSHandler
	if getenv(resources.EnvExportsBucket) != "" {
		h, err := exportapp.New(ctx, getenv, wiring.Logger(getenv, "export"))
		if err != nil {
			return err
		}
		exportH = runner.SQSHandler(h)
	}
	// The metrics fan-out as in AWS: each tick the rollup lister sends
	// organization tasks (and the listing's continuation) to the local
	// queue, the metrics worker takes them.
	workH, err := metricsworkerapp.New(ctx, getenv, wiring.Logger(getenv, "metrics-worker"))
	if err != nil {
		return err
	}
	aggH, err := aggregateapp.New(ctx, getenv, wiring.Logger(getenv, "aggregate"))
	if err != nil {
		return err
	}
	var routes []runner.Route
	for _, f := range []struct {
		def resources.FunctionDef
		h   runner.HTTPHandler
	}{{resources.HomeAPI, wiring.Proxy(homeH)}, {resources.Webhook, wiring.Proxy(hookH)}} {
		for _, r := range f.def.Routes {
			routes = append(routes, runner.Route{Route: r, Handler: f.h})
		}
	}
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return err
	}
	every, err := time.ParseDuration(orDefault(getenv("ROLLUP_EVERY"), "15s"))
	if err != nil {
		return fmt.Errorf("ROLLUP_EVERY: %w", err)
	}
	queueURL := getenv(resources.EnvEventsQueueURL)
	feed := streamfeed.New(streamfeed.Config{
		DDB:     ddbcfg.New(cfg, getenv),
		Streams: streamfeed.Streams(cfg, getenv(resources.EnvDynamoDBEndpoint)),
		Table:   getenv(resources.EnvTableName), Handler: streamfeed.Handler(aggH),
		BatchSize: 1000, Poll: time.Second, Log: log,
	})
	page, err := webui.New(webui.Config{Dir: filepath.Join(root, "web", "dist"), Key: key, DefaultOrg: "demo"})
	if err != nil {
		return err
	}
	rn := runner.New(runner.Config{
		Routes: routes, Verifier: key.Verifier(),
		CORSOrigins: strings.Split(orDefault(getenv("CORS_ALLOW_ORIGINS"), "http://localhost:8080,http://127.0.0.1:8080"), ","),
		SQS:         sqscfg.New(cfg, getenv), QueueURL: queueURL,
		QueueARN:  "arn:aws:sqs:us-east-1:000000000000:" + resources.EventsQueue.Name,
		BatchSize: resources.Debit.BatchSize, Pollers: 2, Debit: runner.SQSHandler(debitH),
		RollupEvery: every,
		Rollup: func(ctx context.Context, ev events.EventBridgeEvent) error {
			_, err := rollupH(ctx, ev)
			return err
		},
		Stream: feed.Run,
		Notify: runner.SQSHandler(notifyH), NotifyQueueURL: getenv(resources.EnvWebhookQueueURL),
		Export: exportH, ExportQueueURL: getenv(resources.EnvExportsQueueURL),
		MetricsWork: runner.SQSHandler(workH), MetricsWorkQueueURL: getenv(resources.EnvMetricsWorkQueueURL),
		Log:    log,
		Static: page,
	})
	addr := "127.0.0.1:" + orDefault(getenv("PORT"), "3000")
	log.Info("local API Gateway and the Home page listening", "url", "http://"+addr, "queue", queueURL, "rollupEvery", every.String())
	return rn.Serve(ctx, addr)
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
