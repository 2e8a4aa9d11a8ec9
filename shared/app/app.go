// Package app builds each function's handler from its environment, once,
// at init. The Lambda mains and the local runner call the same builders, so
// what runs locally is what runs in AWS.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/bus"
	"github.com/customercloud/home/shared/deadletter"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/home"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/metrics"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/rollup"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
)

// Getenv reads configuration; os.Getenv in Lambda.
type Getenv = awscfg.Getenv

// Logger is the functions' structured JSON logger; LOG_LEVEL sets its level.
func Logger(getenv Getenv, function string) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(getenv(resources.EnvLogLevel)))); err != nil {
		lvl = slog.LevelInfo
	}
	h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: lvl})
	return slog.New(requestIDs{h}).With("function", function)
}

// requestIDs adds the Lambda invocation's request id to every record logged
// with a context, so one invocation's lines can be found together.
type requestIDs struct{ slog.Handler }

func (h requestIDs) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.AddAttrs(slog.String("awsRequestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDs) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDs{h.Handler.WithAttrs(as)}
}

func (h requestIDs) WithGroup(name string) slog.Handler {
	return requestIDs{h.Handler.WithGroup(name)}
}

// ErrConfig marks a missing or invalid setting.
var ErrConfig = errors.New("configuration")

func need(getenv Getenv, name string) (string, error) {
	v := getenv(name)
	if v == "" {
		return "", fmt.Errorf("%w: %s is required", ErrConfig, name)
	}
	return v, nil
}

func tableStore(ctx context.Context, getenv Getenv) (*store.Store, error) {
	table, err := need(getenv, resources.EnvTableName)
	if err != nil {
		return nil, err
	}
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return store.New(awscfg.DynamoDBWith(cfg, getenv), table), nil
}

// HomeAPI builds the Home API's HTTP handler.
func HomeAPI(ctx context.Context, getenv Getenv, log *slog.Logger) (http.Handler, error) {
	st, err := tableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return home.New(st, log), nil
}

// SQSHandler is the debit function's Lambda signature.
type SQSHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// Classifier picks the sentiment classifier: the offline one unless
// SENTIMENT_PROVIDER says comprehend.
var Classifier = func(ctx context.Context, getenv Getenv) (sentiment.Classifier, error) {
	switch p := getenv(resources.EnvSentimentProvider); p {
	case "", "offline":
		return sentiment.Offline{}, nil
	case "comprehend":
		return comprehendClassifier(ctx, getenv)
	default:
		return nil, fmt.Errorf("%w: %s=%q: want offline or comprehend", ErrConfig, resources.EnvSentimentProvider, p)
	}
}

// Debit builds the debit function's handler.
func Debit(ctx context.Context, getenv Getenv, log *slog.Logger) (SQSHandler, error) {
	st, err := tableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	dlqURL, err := need(getenv, resources.EnvDeadLetterURL)
	if err != nil {
		return nil, err
	}
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, err
	}
	cls, err := Classifier(ctx, getenv)
	if err != nil {
		return nil, err
	}
	b, err := Bus(ctx, getenv)
	if err != nil {
		return nil, err
	}
	p := debit.New(st, deadletter.New(awscfg.SQSWith(cfg, getenv), dlqURL), cls, log).
		WithAfterCommit(NotifyHook(alerts.NewNotifier(st, b, log), log))
	return p.Handle, nil
}

// ScheduledHandler is the rollup function's Lambda signature.
type ScheduledHandler func(context.Context, events.EventBridgeEvent) (rollup.Summary, error)

// Rollup builds the rollup function's handler.
func Rollup(ctx context.Context, getenv Getenv, log *slog.Logger) (ScheduledHandler, error) {
	st, err := tableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	b, err := Bus(ctx, getenv)
	if err != nil {
		return nil, err
	}
	r := rollup.New(st, log).WithAfterOrg(SweepHook(alerts.NewNotifier(st, b, log), log))
	return func(ctx context.Context, ev events.EventBridgeEvent) (rollup.Summary, error) {
		log.InfoContext(ctx, "scheduled rollup", "eventId", ev.ID)
		return r.All(ctx)
	}, nil
}

// Bus is where threshold notifications go: the EventBridge bus named by
// NOTIFICATIONS_BUS_NAME in AWS; on this machine, the local runner's
// stand-ins for the bus's targets (NOTIFICATIONS_QUEUE_URL, which tests
// read, and WEBHOOK_QUEUE_URL, which the notify function consumes), each
// message the event as EventBridge delivers it to an SQS target.
func Bus(ctx context.Context, getenv Getenv) (alerts.Bus, error) {
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, err
	}
	if awscfg.IsLocal(getenv) {
		var targets []string
		for _, name := range []string{resources.EnvNotificationsQueueURL, resources.EnvWebhookQueueURL} {
			if u := getenv(name); u != "" {
				targets = append(targets, u)
			}
		}
		return bus.LocalSQS{API: awscfg.SQSWith(cfg, getenv), Targets: targets, BusName: resources.NotificationsBus.Name}, nil
	}
	name, err := need(getenv, resources.EnvNotificationsBus)
	if err != nil {
		return nil, err
	}
	return bus.EventBridge{API: eventbridge.NewFromConfig(cfg), BusName: name}, nil
}

// NotifyHook is the debit processor's post-commit hook: a threshold check
// of every cycle the batch touched. A failed check is logged and left to
// the next check of the organization (a later batch or the sweep); it never
// fails the batch.
func NotifyHook(n *alerts.Notifier, log *slog.Logger) debit.AfterCommit {
	return func(ctx context.Context, ts []debit.Touch) {
		for _, t := range ts {
			if _, err := n.Run(ctx, alerts.Check{Org: t.Org, CycleStart: t.CycleStart}); err != nil {
				log.WarnContext(ctx, "threshold check failed; the next check of the organization retries it",
					"org", t.Org, "cycle", t.CycleStart.String(), "error", err.Error())
			}
		}
	}
}

// SweepHook is the rollup's per-organization threshold sweep: the current
// cycle with its channel packages' mass sends (known only to the rollup),
// and the previous cycle's pending notifications only (a closed cycle is
// not judged again against a plan changed since; late debits into it are
// checked by the debit hook).
func SweepHook(n *alerts.Notifier, log *slog.Logger) rollup.AfterOrg {
	return func(ctx context.Context, org string, cur localdate.Range, snap metrics.Snapshot) {
		pk := map[string]int64{}
		if snap.CycleStart == cur.From.String() {
			for ch, u := range snap.MassSends {
				pk[ch] = int64(u.Cycle)
			}
		}
		prev := localdate.CycleStart(cur.From.AddDays(-1), cur.From.Day())
		for _, c := range []alerts.Check{{Org: org, CycleStart: cur.From, Packages: pk}, {Org: org, CycleStart: prev, PendingOnly: true}} {
			if _, err := n.Run(ctx, c); err != nil {
				log.WarnContext(ctx, "threshold sweep failed", "org", org, "cycle", c.CycleStart.String(), "error", err.Error())
			}
		}
	}
}

// Notify builds the notify function's handler: outgoing webhooks, signed,
// with backoff on the webhooks queue.
func Notify(ctx context.Context, getenv Getenv, log *slog.Logger) (SQSHandler, error) {
	st, err := tableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, err
	}
	var vis alerts.Visibility
	if u := getenv(resources.EnvWebhookQueueURL); u != "" {
		vis = bus.Visibility{API: awscfg.SQSWith(cfg, getenv), QueueURL: u}
	}
	client := alerts.PublicOnlyClient()
	if awscfg.IsLocal(getenv) {
		// Receivers on this machine are the point of a local run.
		client = &http.Client{Timeout: alerts.DeliveryTimeout}
	}
	return alerts.NewDeliverer(st, client, vis, log).Handle, nil
}
