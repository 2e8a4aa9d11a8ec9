// Package wiring is what every function's builder shares: the logger and the
// configuration errors (the table's store is storeapp's, which the webhook
// does not link). The builders themselves are
// one package per function (homeapp, debitapp, rollupapp, webhookapp,
// notifyapp; busapp builds the notifications bus for debit and rollup), each
// building its handler from its environment, once, at init; the Lambda mains
// and the local runner call the same builders, so what runs locally is what
// runs in AWS. They are apart so that each function links only what it uses:
// a package importing every handler would make every function link, and
// initialise at every cold start, all of them (nyaruka/phonenumbers, which
// the debit linked before package geo parsed phones itself, was 8–15 ms).
package wiring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/resources"
)

// Getenv reads configuration; os.Getenv in Lambda.
type Getenv = awscfg.Getenv

// SQSHandler is the Lambda signature of the functions a queue feeds
// (debit, notify, export): partial batch failures reported per message.
type SQSHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

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

// Need reads a required setting, or an ErrConfig naming it.
func Need(getenv Getenv, name string) (string, error) {
	v := getenv(name)
	if v == "" {
		return "", fmt.Errorf("%w: %s is required", ErrConfig, name)
	}
	return v, nil
}
