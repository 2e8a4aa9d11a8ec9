// Package aggregateapp builds the aggregate function's handler (the
// table's stream → the organizations' Home aggregates); it links the
// aggregate processor and the store, and nothing of the other functions.
package aggregateapp

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/aggregate"
	"github.com/customercloud/home/shared/wiring"
	"github.com/customercloud/home/shared/wiring/storeapp"
)

// StreamHandler is the aggregate function's Lambda signature: an error
// makes Lambda retry the whole batch, which the processor's marks make
// safe.
type StreamHandler func(context.Context, events.DynamoDBEvent) error

// New builds the aggregate function's handler from its environment.
func New(ctx context.Context, getenv wiring.Getenv, log *slog.Logger) (StreamHandler, error) {
	st, err := storeapp.TableStore(ctx, getenv)
	if err != nil {
		return nil, err
	}
	p, err := aggregate.New(aggregate.Config{Store: st, Log: log})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wiring.ErrConfig, err)
	}
	return Handler(p, log), nil
}

// Handler wraps a processor as the Lambda handler, logging each batch's
// counts (no personal data: organizations and counts only).
func Handler(p *aggregate.Processor, log *slog.Logger) StreamHandler {
	return func(ctx context.Context, ev events.DynamoDBEvent) error {
		st, err := p.Handle(ctx, ev)
		attrs := []any{"records", st.Records, "contacts", st.Contacts, "updates", st.Updates,
			"conflicts", st.Conflicts, "skipped", st.Skipped, "undecodable", st.Undecodable}
		if err != nil {
			log.ErrorContext(ctx, "aggregate batch failed", append(attrs, "error", err.Error())...)
			return err
		}
		log.InfoContext(ctx, "aggregate batch", attrs...)
		return nil
	}
}
