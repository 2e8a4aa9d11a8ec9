// Package notifyapp builds the notify function's handler: it links the
// alerts' delivery, the store and the SQS client (backoff on its queue),
// and nothing of the other functions.
package notifyapp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/customercloud/home/shared/alerts"
	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/bus/delay"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/storeapp"
)

// New builds the notify function's handler from its environment: outgoing
// webhooks, signed, with backoff on the webhooks queue.
func New(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (wiring.SQSHandler, error) {
	cfg, st, err := storeapp.Open(ctx, getenv)
	if err != nil {
		return nil, err
	}
	var vis alerts.Visibility
	if u := getenv(resources.EnvWebhookQueueURL); u != "" {
		vis = delay.Visibility{API: sqscall.New(cfg, getenv), QueueURL: u}
	}
	client := alerts.PublicOnlyClient()
	if awscfg.IsLocal(getenv) {
		// Receivers on this machine are the point of a local run.
		client = &http.Client{Timeout: alerts.DeliveryTimeout}
	}
	d, err := alerts.NewDeliverer(alerts.DelivererConfig{Subscriptions: st, Client: client, Visibility: vis, Log: log})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	return d.Handle, nil
}
