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

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/deadletter"
	"github.com/customercloud/home/shared/debit"
	"github.com/customercloud/home/shared/home"
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
	h := home.New(st, log)
	if jwks := getenv(resources.EnvLocalTokenJWKS); jwks != "" {
		keys, err := auth.ParseJWKS([]byte(jwks))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrConfig, resources.EnvLocalTokenJWKS, err)
		}
		log.Warn("local token verification on (" + resources.EnvLocalTokenJWKS + "): for sam local only")
		return localTokens(auth.NewVerifier(auth.LocalIssuer, auth.LocalAudience, keys), h, log), nil
	}
	return h, nil
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
	p := debit.New(st, deadletter.New(awscfg.SQSWith(cfg, getenv), dlqURL), cls, log)
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
	r := rollup.New(st, log)
	return func(ctx context.Context, ev events.EventBridgeEvent) (rollup.Summary, error) {
		log.InfoContext(ctx, "scheduled rollup", "eventId", ev.ID)
		return r.All(ctx)
	}, nil
}
