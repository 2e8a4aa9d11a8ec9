// Package testenv gives Go tests clients for the running local stack
// (DynamoDB Local and ElasticMQ, see infra/local/stack.sh) and isolated,
// uniquely named copies of the project's table and queues.
//
// Tests of many packages run in parallel against one shared pair of
// emulators, so isolation is by name: every NewTable and NewQueues call gets
// fresh resources and removes them in t.Cleanup.
//
// The endpoints come from DYNAMODB_ENDPOINT and SQS_ENDPOINT when both are
// set, otherwise from .local/stack.env at the module root. If the stack does
// not answer, Stack starts it with infra/local/stack.sh start (once per test
// process), except under CI (CI set), where a missing stack is a setup error
// and the test fails at once.
package testenv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/infra/local/provision"
	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/awscfg/ddbcfg"
	"github.com/customercloud/home/shared/awscfg/s3cfg"
	"github.com/customercloud/home/shared/awscfg/sqscfg"
	"github.com/customercloud/home/shared/resources"
)

// Env is a connection to the local stack.
type Env struct {
	Cfg aws.Config
	DDB *dynamodb.Client
	SQS *sqs.Client
	// Queues is the functions' own SQS client (JSON protocol, without the
	// SDK's SQS client) on the same emulator: what the handlers send and
	// hold messages back with. Tests receive and create queues with SQS.
	Queues *sqscall.Client
	// DynamoDBEndpoint and SQSEndpoint are the emulator URLs, for tests that
	// start other processes and pass them on.
	DynamoDBEndpoint string
	SQSEndpoint      string
	// S3 is the local S3 server's client (path-style), nil when the stack
	// runs none (S3Endpoint empty).
	S3         *s3.Client
	S3Endpoint string
	// Vars are the stack's variables (.local/stack.env or the process
	// environment): TABLE_NAME, EVENTS_QUEUE_URL, DLQ_URL and so on, naming
	// the shared resources. Tests should use NewTable and NewQueues instead.
	Vars map[string]string
}

// setupTimeout bounds resource creation and deletion in tests; the
// emulators answer in milliseconds.
const setupTimeout = 30 * time.Second

var (
	mu     sync.Mutex
	cached *Env

	startOnce sync.Once
	startErr  error
	startOut  []byte
)

// Stack returns clients for the running local stack, starting it if needed
// (see the package comment). It fails the test with t.Fatalf when the stack
// cannot be reached.
func Stack(t testing.TB) *Env {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if cached != nil {
		return cached
	}
	env, err := connect()
	if err == nil {
		cached = env
		return env
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("testenv: local stack not reachable: %v\n"+
			"CI is set, so tests do not start it themselves: run `bash infra/local/stack.sh start` before `go test`.", err)
	}
	startOnce.Do(func() { startOut, startErr = startStack() })
	if startErr != nil {
		t.Fatalf("testenv: local stack not reachable (%v) and starting it failed: %v\n%s", err, startErr, tail(startOut, 40))
	}
	env, err = connect()
	if err != nil {
		t.Fatalf("testenv: started the local stack, but still cannot reach it: %v\nstack.sh output:\n%s", err, tail(startOut, 40))
	}
	cached = env
	return env
}

// connect reads the stack's variables and checks that both emulators answer.
func connect() (*Env, error) {
	vars, err := stackVars()
	if err != nil {
		return nil, err
	}
	getenv := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, err
	}
	env := &Env{
		Cfg:              cfg,
		DDB:              ddbcfg.New(cfg, getenv),
		SQS:              sqscfg.New(cfg, getenv),
		Queues:           sqscall.New(cfg, getenv),
		DynamoDBEndpoint: vars[resources.EnvDynamoDBEndpoint],
		SQSEndpoint:      vars[resources.EnvSQSEndpoint],
		S3Endpoint:       vars[resources.EnvS3Endpoint],
		Vars:             vars,
	}
	if env.S3Endpoint != "" {
		env.S3 = s3cfg.New(cfg, getenv)
	}
	// One attempt each, short timeout: a stopped emulator must not cost
	// the retryer's full backoff.
	pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
	defer pcancel()
	if _, err := env.DDB.ListTables(pctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)},
		func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }); err != nil {
		return nil, fmt.Errorf("DynamoDB Local at %s: %w", env.DynamoDBEndpoint, err)
	}
	if _, err := env.SQS.ListQueues(pctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)},
		func(o *sqs.Options) { o.RetryMaxAttempts = 1 }); err != nil {
		return nil, fmt.Errorf("SQS emulator at %s: %w", env.SQSEndpoint, err)
	}
	return env, nil
}

// stackVars returns the process environment's endpoints when both are set,
// else the contents of .local/stack.env.
func stackVars() (map[string]string, error) {
	if d, s := os.Getenv(resources.EnvDynamoDBEndpoint), os.Getenv(resources.EnvSQSEndpoint); d != "" && s != "" {
		vars := map[string]string{}
		for _, k := range []string{
			resources.EnvDynamoDBEndpoint, resources.EnvSQSEndpoint, resources.EnvTableName,
			resources.EnvEventsQueueURL, resources.EnvDeadLetterURL, "EVENTS_QUEUE_NAME", "DLQ_NAME",
			"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "API_URL",
		} {
			if v := os.Getenv(k); v != "" {
				vars[k] = v
			}
		}
		return vars, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(root, ".local", "stack.env")
	vars, err := parseEnvFile(path)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{resources.EnvDynamoDBEndpoint, resources.EnvSQSEndpoint} {
		if vars[k] == "" {
			return nil, fmt.Errorf("%s does not set %s", path, k)
		}
	}
	return vars, nil
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod.
func moduleRoot() (string, error) {
	root, err := local.Root()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	return root, nil
}

// parseEnvFile reads the `export KEY=value` lines stack.env consists of;
// values may be single-quoted.
func parseEnvFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read stack env (is the stack started?): %w", err)
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: not KEY=value", path, n)
		}
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = strings.ReplaceAll(v[1:len(v)-1], `'\''`, `'`)
		}
		vars[strings.TrimSpace(k)] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return vars, nil
}

// startStack runs infra/local/stack.sh start and returns its output.
func startStack() ([]byte, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "infra", "local", "stack.sh"), "start")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("bash infra/local/stack.sh start: %w", err)
	}
	return out, nil
}

func tail(b []byte, lines int) string {
	s := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(s) > lines {
		s = s[len(s)-lines:]
	}
	return strings.Join(s, "\n")
}

// NewTable creates a copy of resources.Table under a unique name derived
// from the test's name and deletes it when the test ends. It returns the
// table name.
func (e *Env) NewTable(t testing.TB) string {
	t.Helper()
	// "t-" + name + "-" + 8 hex characters, within DynamoDB's 255.
	name := "t-" + sanitize(t.Name(), "_.-", 200) + "-" + randHex(4)
	provisioned(t,
		func(ctx context.Context) error { return provision.CreateTable(ctx, e.DDB, resources.Table, name) },
		func(ctx context.Context) error { return provision.DeleteTable(ctx, e.DDB, name) })
	return name
}

// provisioned runs create, failing t if it fails, and has remove run when
// t ends; each gets setupTimeout.
func provisioned(t testing.TB, create, remove func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := create(ctx); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := remove(ctx); err != nil {
			t.Errorf("testenv: cleanup: %v", err)
		}
	})
}

// NewBucket creates a bucket on the local S3 server under a unique name
// derived from the test's name, emptied and deleted when the test ends.
func (e *Env) NewBucket(t testing.TB) string {
	t.Helper()
	if e.S3 == nil {
		t.Fatalf("testenv: the local stack runs no S3 server (no %s in .local/stack.env): restart it with infra/local/stack.sh stop; start", resources.EnvS3Endpoint)
	}
	name := strings.ToLower("t-" + sanitize(t.Name(), "-", 40) + "-" + randHex(4))
	provisioned(t,
		func(ctx context.Context) error { return provision.CreateBucket(ctx, e.S3, name) },
		func(ctx context.Context) error { return provision.DeleteBucket(ctx, e.S3, name) })
	return name
}

// NewQueues creates copies of resources.Queues under a unique prefix and
// deletes them when the test ends. It returns the URLs of the copies of the
// events queue and its dead-letter queue, which keep the real attributes
// (visibility timeout 60 s, maxReceiveCount 1000); tests shorten visibility
// per receive or with ChangeMessageVisibility.
func (e *Env) NewQueues(t testing.TB) (eventsURL, dlqURL string) {
	t.Helper()
	return e.NewQueuesWithRedrive(t, resources.EventsQueue.MaxReceiveCount)
}

// NewQueuesWithRedrive is NewQueues with the events queue redriving after
// maxReceiveCount receives: for tests of the emulator's redrive itself,
// which need not receive a message the real count of times.
func (e *Env) NewQueuesWithRedrive(t testing.TB, maxReceiveCount int) (eventsURL, dlqURL string) {
	t.Helper()
	defs := slices.Clone(resources.Queues)
	for i := range defs {
		if defs[i].Name == resources.EventsQueue.Name {
			defs[i].MaxReceiveCount = maxReceiveCount
		}
	}
	urls := e.NewQueueSet(t, defs)
	return urls[resources.EventsQueue.Name], urls[resources.EventsDLQ.Name]
}

// NewQueueSet creates copies of defs under a unique prefix, deleted when the
// test ends, and returns their URLs by name.
func (e *Env) NewQueueSet(t testing.TB, defs []resources.QueueDef) map[string]string {
	t.Helper()
	longest := 0
	for _, d := range defs {
		longest = max(longest, len(d.Name))
	}
	// prefix = "t-" + name + "-" + 8 hex + "-"; the longest queue name must
	// still fit in 80 characters.
	const fixed = len("t-") + len("-") + 8 + len("-")
	room := provision.MaxQueueNameLen - longest - fixed
	if room < 0 {
		t.Fatalf("testenv: queue names are too long for a test prefix")
	}
	prefix := "t-" + sanitize(t.Name(), "_-", room) + "-" + randHex(4) + "-"
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	urls, err := provision.CreateQueues(ctx, e.SQS, defs, prefix)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		for _, u := range urls {
			if err := provision.DeleteQueue(ctx, e.SQS, u); err != nil {
				t.Errorf("testenv: cleanup: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return urls
}

// sanitize keeps letters, digits and the given punctuation of s, maps every
// other rune to '-', and cuts the result to at most n bytes.
func sanitize(s, punct string, n int) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(punct, r):
			b = append(b, byte(r))
		default:
			b = append(b, '-')
		}
	}
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
}
