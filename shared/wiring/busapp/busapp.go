// Package busapp builds where threshold notifications go, for the two
// functions that publish them (debit after a commit, rollup in its sweep);
// it is apart from shared/wiring so that the functions that do not publish
// link neither the EventBridge call nor the SQS client for it.
package busapp

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/bus"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
)

// New is where threshold notifications go: the EventBridge bus named by
// NOTIFICATIONS_BUS_NAME in AWS; on this machine, the local runner's
// stand-ins for the bus's targets (NOTIFICATIONS_QUEUE_URL, which tests
// read, and WEBHOOK_QUEUE_URL, which the notify function consumes), each
// message the event as EventBridge delivers it to an SQS target.
func New(ctx context.Context, getenv wiring.Getenv) (alerts.Bus, error) {
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
		return bus.LocalSQS{API: sqscall.New(cfg, getenv), Targets: targets, BusName: resources.NotificationsBus.Name}, nil
	}
	name, err := wiring.Need(getenv, resources.EnvNotificationsBus)
	if err != nil {
		return nil, err
	}
	return bus.EventBridge{API: bus.NewEventBridgeAPI(cfg), BusName: name}, nil
}

// Notifier is the threshold notifier of a publishing function: checks
// against st, crossings published on the bus New builds.
func Notifier(ctx context.Context, getenv wiring.Getenv, st alerts.Store, log *slog.Logger) (*alerts.Notifier, error) {
	b, err := New(ctx, getenv)
	if err != nil {
		return nil, err
	}
	n, err := alerts.NewNotifier(alerts.NotifierConfig{Store: st, Bus: b, Log: log})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	return n, nil
}
