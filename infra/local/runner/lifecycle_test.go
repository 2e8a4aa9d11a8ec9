package runner_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/infra/local/runner"
)

// signalLog is a log sink that closes failed at the first failed poll.
type signalLog struct {
	once   sync.Once
	failed chan struct{}
}

func (s *signalLog) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "poll failed") {
		s.once.Do(func() { close(s.failed) })
	}
	return len(p), nil
}

// unreachableRunner is a runner whose queue refuses every connection and
// whose pollers would pause an hour after each failure.
func unreachableRunner(t *testing.T) (*runner.Runner, *signalLog) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	_ = ln.Close()
	client := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(dead), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	sink := &signalLog{failed: make(chan struct{})}
	rn := runner.New(runner.Config{SQS: client, QueueURL: dead + "/000000000000/q.fifo", Pollers: 1,
		PollRetryPause: time.Hour, RollupEvery: time.Hour,
		Rollup: func(context.Context, events.EventBridgeEvent) error { return nil },
		Debit: func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, nil
		},
		Log: slog.New(slog.NewJSONHandler(sink, nil))})
	return rn, sink
}

// within fails the test if done does not close within a minute: a check
// that something ends at all, not a timing (the fault it guards against
// is waiting for an hour or forever).
func within(t *testing.T, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s never returned", what)
	}
}

// TestPollStopsDuringItsPause: given a poller pausing an hour after a
// failed receive, when its context ends during the pause, then Poll
// returns (the pause ends with the context).
func TestPollStopsDuringItsPause(t *testing.T) {
	rn, sink := unreachableRunner(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rn.Poll(ctx) }()
	within(t, "the first receive", sink.failed)
	cancel()
	within(t, "Poll", done)
}

// TestServeReturnsWhenTheServerFails: given a listener that fails and a
// context that never ends, when the runner serves on it, then Serve stops
// its pollers and schedule and returns the server's error instead of
// waiting for them.
func TestServeReturnsWhenTheServerFails(t *testing.T) {
	rn, _ := unreachableRunner(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.Close()
	done := make(chan struct{})
	var serveErr error
	go func() { defer close(done); serveErr = rn.ServeListener(context.Background(), ln) }()
	within(t, "ServeListener", done)
	if serveErr == nil || !errors.Is(serveErr, net.ErrClosed) {
		t.Fatalf("then the server's error, got %v", serveErr)
	}
}
