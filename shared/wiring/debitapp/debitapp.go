// Package debitapp builds the debit function's handler; it is the one
// builder that links the phone parsing (shared/geo, through shared/debit),
// because the debit is the one function that reads contacts' phones.
package debitapp

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/deadletter"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/visibility"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/busapp"
	"github.com/customercloud/home/shared/wiring/storeapp"
)

// Classifier picks the sentiment classifier: the offline one unless
// SENTIMENT_PROVIDER says comprehend.
var Classifier = func(ctx context.Context, getenv wiring.Getenv) (sentiment.Classifier, error) {
	switch p := getenv(resources.EnvSentimentProvider); p {
	case "", "offline":
		return sentiment.Offline{}, nil
	case "comprehend":
		return comprehendClassifier(ctx, getenv)
	default:
		return nil, fmt.Errorf("%w: %s=%q: want offline or comprehend", wiring.ErrConfig, resources.EnvSentimentProvider, p)
	}
}

// New builds the debit function's handler from its environment.
func New(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (wiring.SQSHandler, error) {
	cfg, st, err := storeapp.Open(ctx, getenv)
	if err != nil {
		return nil, err
	}
	dlqURL, err := wiring.Need(getenv, resources.EnvDeadLetterURL)
	if err != nil {
		return nil, err
	}
	cls, err := Classifier(ctx, getenv)
	if err != nil {
		return nil, err
	}
	queueURL, err := wiring.Need(getenv, resources.EnvEventsQueueURL)
	if err != nil {
		return nil, err
	}
	client := sqscall.New(cfg, getenv)
	n, err := busapp.Notifier(ctx, getenv, st, log)
	if err != nil {
		return nil, err
	}
	p, err := debit.New(debit.Config{Store: st, DeadLetter: deadletter.New(client, dlqURL), Classifier: cls, Log: log,
		Visibility: visibility.New(client, queueURL), Retry: debit.DefaultRetry, AfterCommit: NotifyHook(n, log)})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	return p.Handle, nil
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
