// Package exportapp builds the export function's handler (the usage export
// worker fed by the exports queue); it links the store and S3, and nothing
// of the other functions.
package exportapp

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/export/s3objects"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/storeapp"
)

// New builds the export function's handler from its environment.
func New(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (wiring.SQSHandler, error) {
	cfg, st, err := storeapp.Open(ctx, getenv)
	if err != nil {
		return nil, err
	}
	b, err := s3objects.FromEnv(cfg, getenv)
	if err != nil {
		return nil, err
	}
	w, err := export.NewWorker(export.WorkerConfig{Source: st, Objects: b, Log: log})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	return Handler(w, log), nil
}

// Handler runs each job of a batch (the event source sends one at a time):
// a message that is not a job is logged and dropped (no retry can mend
// it); a job that failed for a transient reason is reported failed, so the
// queue delivers it again, until its last receive marks it failed.
func Handler(w *export.Worker, log *slog.Logger) wiring.SQSHandler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, m := range ev.Records {
			j, err := export.DecodeJob([]byte(m.Body))
			if err != nil {
				log.ErrorContext(ctx, "dropping a message that is not an export job", "messageId", m.MessageId, "error", err.Error())
				continue
			}
			n, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
			last := n >= resources.ExportsQueue.MaxReceiveCount
			if _, err := w.Run(ctx, j, last); err != nil {
				log.WarnContext(ctx, "export will be retried", "org", j.Org, "exportId", j.ID, "receive", n, "error", err.Error())
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	}
}
