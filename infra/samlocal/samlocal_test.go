// Package samlocal_test runs the functions the SAM CLI way, each in its
// Lambda container: `sam local invoke` of every function with its events/
// sample, and `sam local start-api` + `start-lambda` end to end, against
// the local stack (a fresh table and queues per test). `make sam-test` runs
// it after infra/local/samlocal.sh prepare (Docker, base image, sam build);
// without that, it skips locally and fails under CI.
package samlocal_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/infra/iac"
	"github.com/customercloud/home/infra/local/lambdaapi"
	"github.com/customercloud/home/infra/local/runner"
	"github.com/customercloud/home/shared/auth"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/shared/webhook"
	"github.com/customercloud/home/tests/testenv"
	"github.com/customercloud/home/tests/testkit"
)

// producerSecret is what .local/sam-env.json gives org "demo"
// (infra/infra.mk infra-sam-env), the key events/webhook.json is signed with.
const producerSecret = "demo-webhook-secret-0123456789"

// sam is the prepared SAM setup (.local/sam-local.env).
type samEnv struct {
	root, bin, template, image, params, baseEnvVars, dockerHost string
}

func setup(t *testing.T) samEnv {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	f, err := os.Open(filepath.Join(root, ".local", "sam-local.env"))
	if err != nil {
		msg := "sam local is not prepared (no .local/sam-local.env): run `make sam-test` or `bash infra/local/samlocal.sh prepare` first"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vars[k] = v
		}
	}
	return samEnv{root: root, bin: vars["SAM"], template: vars["SAM_TEMPLATE"], image: vars["SAM_INVOKE_IMAGE"],
		params: vars["SAM_PARAMS"], baseEnvVars: vars["SAM_ENV_VARS"], dockerHost: vars["DOCKER_HOST"]}
}

// fixture is a fresh table and queues, and an --env-vars file pointing the
// functions at them.
type fixture struct {
	stack          *testenv.Env
	st             *store.Store
	table          string
	eventsURL, dlq string
	envVars        string
}

func newFixture(t *testing.T, s samEnv) fixture {
	t.Helper()
	stack := testenv.Stack(t)
	fx := fixture{stack: stack, table: stack.NewTable(t)}
	fx.eventsURL, fx.dlq = stack.NewQueues(t)
	fx.st = testkit.Must(store.New(store.Config{DB: stack.DDB, Table: fx.table}))(t)
	raw, err := os.ReadFile(s.baseEnvVars)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Parameters map[string]string }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc.Parameters[resources.EnvTableName] = fx.table
	doc.Parameters[resources.EnvEventsQueueURL] = fx.eventsURL
	doc.Parameters[resources.EnvDeadLetterURL] = fx.dlq
	out, _ := json.Marshal(doc)
	fx.envVars = filepath.Join(t.TempDir(), "env.json")
	if err := os.WriteFile(fx.envVars, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (s samEnv) cmd(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, s.bin, args...)
	c.Dir = s.root
	c.Env = append(os.Environ(), "DOCKER_HOST="+s.dockerHost, "SAM_CLI_TELEMETRY=0", "AWS_EC2_METADATA_DISABLED=true",
		"SAM_CLI_CONTAINER_CONNECTION_TIMEOUT=60")
	return c
}

func (s samEnv) common(fx fixture) []string {
	return []string{"--template", s.template, "--env-vars", fx.envVars, "--parameter-overrides", s.params,
		"--invoke-image", s.image, "--skip-pull-image", "--docker-network", "host"}
}

// invoke runs `sam local invoke` of a function with an event and returns
// the function's response and the container's log.
func (s samEnv) invoke(t *testing.T, fx fixture, function string, event []byte) (resp []byte, logs string) {
	t.Helper()
	ev := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(ev, event, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := s.cmd(ctx, append([]string{"local", "invoke", function, "--event", ev}, s.common(fx)...)...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("sam local invoke %s: %v\n%s", function, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "REPORT RequestId") {
		t.Fatalf("then the function ran in its Lambda container (START/END/REPORT); log:\n%s", stderr.String())
	}
	return bytes.TrimSpace(out), stderr.String()
}

func sample(t *testing.T, s samEnv, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.root, "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signedProducerEvent is events/webhook.json signed now, so it is inside
// the replay window (the file's own timestamp is fixed).
func signedProducerEvent(t *testing.T, s samEnv) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(sample(t, s, "webhook.json"), &ev); err != nil {
		t.Fatal(err)
	}
	h := ev["headers"].(map[string]any)
	now := time.Now().Unix()
	h["webhook-timestamp"] = strconv.FormatInt(now, 10)
	h["webhook-signature"] = webhook.SignProducer(webhook.Secret(producerSecret), h["webhook-id"].(string), now, []byte(ev["body"].(string)))
	out, _ := json.Marshal(ev)
	return out
}

// TestInvokeEachFunction: given a fresh table and queues, when each function
// is invoked in its container with its events/ sample, then its effect is in
// DynamoDB Local or ElasticMQ.
func TestInvokeEachFunction(t *testing.T) {
	s := setup(t)
	fx := newFixture(t, s)
	ctx := context.Background()

	t.Run("debit writes the ledger entry and totals", func(t *testing.T) {
		resp, _ := s.invoke(t, fx, iac.FunctionID(resources.Debit), sample(t, s, "debit.json"))
		var r events.SQSEventResponse
		if err := json.Unmarshal(resp, &r); err != nil || len(r.BatchItemFailures) != 0 {
			t.Fatalf("then no batch item failures; got %s (%v)", resp, err)
		}
		day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		entries, _, err := fx.st.Ledger(ctx, "demo", day.Add(-48*time.Hour), day.Add(48*time.Hour), "", 10)
		if err != nil || len(entries) != 1 || entries[0].EventID != "evt-0001" {
			t.Fatalf("then one ledger entry for evt-0001; got %+v (%v)", entries, err)
		}
		totals, err := fx.st.DayTotals(ctx, "demo", "2026-11-18", "2026-11-22")
		if err != nil || len(totals) != 1 || totals[0].Total != 1 {
			t.Fatalf("then one day total of 1; got %+v (%v)", totals, err)
		}
	})

	t.Run("rollup lists the organizations into the metrics work queue", func(t *testing.T) {
		resp, _ := s.invoke(t, fx, iac.FunctionID(resources.Rollup), sample(t, s, "rollup.json"))
		var page struct{ Orgs int }
		if err := json.Unmarshal(resp, &page); err != nil || page.Orgs < 1 {
			t.Fatalf("then at least demo is listed; got %s (%v)", resp, err)
		}
	})

	t.Run("home-api answers 200 for the seeded organization", func(t *testing.T) {
		resp, _ := s.invoke(t, fx, iac.FunctionID(resources.HomeAPI), sample(t, s, "home-api.json"))
		var r events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(resp, &r); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("then 200; got %s (%v)", resp, err)
		}
		var home struct{ Organization, Profile string }
		if err := json.Unmarshal([]byte(r.Body), &home); err != nil || home.Organization != "demo" || home.Profile != "Admin" {
			t.Fatalf("then demo's Home for Admin; got %s (%v)", r.Body, err)
		}
	})

	t.Run("webhook puts the producer event on the queue", func(t *testing.T) {
		resp, _ := s.invoke(t, fx, iac.FunctionID(resources.Webhook), signedProducerEvent(t, s))
		var r events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(resp, &r); err != nil || r.StatusCode != http.StatusAccepted {
			t.Fatalf("then 202; got %s (%v)", resp, err)
		}
		msgs := fx.stack.Receive(t, sqs.ReceiveMessageInput{QueueUrl: aws.String(fx.eventsURL)}, 1)
		if !strings.Contains(aws.ToString(msgs[0].Body), `"evt-0002"`) {
			t.Fatalf("then evt-0002 is queued; got %s", aws.ToString(msgs[0].Body))
		}
	})
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// serve starts a `sam local` server and waits until it answers.
func (s samEnv) serve(t *testing.T, fx fixture, what string, port int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"local", what}, s.common(fx)...)
	args = append(args, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--warm-containers", "LAZY")
	c := s.cmd(ctx, args...)
	var logs bytes.Buffer
	c.Stdout, c.Stderr = &logs, &logs
	c.Cancel = func() error { return c.Process.Signal(os.Interrupt) }
	c.WaitDelay = 30 * time.Second
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = c.Wait()
		if t.Failed() {
			t.Logf("sam local %s log:\n%s", what, logs.String())
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if r, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err == nil {
			r.Body.Close()
			return
		}
		if time.Now().After(deadline) || c.ProcessState != nil {
			t.Fatalf("sam local %s did not answer on %d:\n%s", what, port, logs.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
}

type problemBody struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
}

func get(t *testing.T, url, token string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// TestStartAPI: given `sam local start-api` and `start-lambda` on a fresh
// table and queues, when a producer posts a signed event, then it reaches
// the queue, the debit (fed through the Lambda API, in its container) meters
// it and the Admin's Home shows it; Agent gets 403 and no token 401, both
// problem+json.
func TestStartAPI(t *testing.T) {
	s := setup(t)
	fx := newFixture(t, s)
	apiPort, lambdaPort := freePort(t), freePort(t)
	s.serve(t, fx, "start-api", apiPort)
	s.serve(t, fx, "start-lambda", lambdaPort)
	base := fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	key, err := auth.LoadOrCreateLocalKey(filepath.Join(s.root, ".local"))
	if err != nil {
		t.Fatal(err)
	}
	token := func(profile string) string {
		tok, err := key.Mint(auth.TokenRequest{Org: "demo", Profile: profile, TTL: time.Hour}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	t.Run("no token: 401 problem+json", func(t *testing.T) {
		code, ctype, body := get(t, base+"/v1/home", "")
		var p problemBody
		if code != http.StatusUnauthorized || ctype != "application/problem+json" || json.Unmarshal(body, &p) != nil || p.Status != 401 {
			t.Fatalf("then 401 problem+json; got %d %s %s", code, ctype, body)
		}
	})
	t.Run("forged token: 401", func(t *testing.T) {
		other, err := auth.LoadOrCreateLocalKey(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := other.Mint(auth.TokenRequest{Org: "demo", Profile: "Admin", TTL: time.Hour}, time.Now())
		if code, _, body := get(t, base+"/v1/home", tok); code != http.StatusUnauthorized {
			t.Fatalf("then 401; got %d %s", code, body)
		}
	})
	t.Run("Agent: 403 problem+json", func(t *testing.T) {
		code, ctype, body := get(t, base+"/v1/home", token("Agent"))
		var p problemBody
		if code != http.StatusForbidden || ctype != "application/problem+json" || json.Unmarshal(body, &p) != nil || p.Status != 403 {
			t.Fatalf("then 403 problem+json; got %d %s %s", code, ctype, body)
		}
	})

	t.Run("signed producer event: queued, debited, on the Home", func(t *testing.T) {
		now := time.Now().UTC()
		id := fmt.Sprintf("evt-sam-%d", now.UnixNano())
		body := fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":"inbox","type":"message.received","time":%q,"orgid":"demo","data":{"contactId":"c-sam","channel":"whatsapp","routedTo":"human"}}`,
			id, now.Format(time.RFC3339))
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/cloudevents+json")
		req.Header.Set("webhook-id", "msg_"+id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-org", "demo")
		req.Header.Set("webhook-signature", webhook.SignProducer(webhook.Secret(producerSecret), "msg_"+id, now.Unix(), []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("then 202; got %d %s", resp.StatusCode, rb)
		}

		// The event source mapping: one poll through start-lambda's API.
		lam := lambdaapi.New(fmt.Sprintf("http://127.0.0.1:%d", lambdaPort))
		rn := runner.New(runner.Config{
			SQS: fx.stack.SQS, QueueURL: fx.eventsURL, BatchSize: resources.Debit.BatchSize,
			Debit: func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				var out events.SQSEventResponse
				return out, lam.Invoke(ctx, iac.FunctionID(resources.Debit), ev, &out)
			},
			Log: slog.New(slog.DiscardHandler),
		})
		ctx := context.Background()
		deadline := time.Now().Add(2 * time.Minute)
		for done := 0; done == 0; {
			n, failed, err := rn.PollOnce(ctx, 2*time.Second)
			if err != nil || failed > 0 {
				t.Fatalf("then the debit meters the batch; got %d failed (%v)", failed, err)
			}
			done = n
			if time.Now().After(deadline) {
				t.Fatal("then the event reaches the queue; nothing arrived")
			}
		}

		code, _, hb := get(t, base+"/v1/home", token("Admin"))
		var home struct {
			Organization string
			ActivePlan   struct {
				Interactionz struct{ Today int64 } `json:"interactionz"`
			} `json:"activePlan"`
		}
		if code != http.StatusOK || json.Unmarshal(hb, &home) != nil || home.Organization != "demo" || home.ActivePlan.Interactionz.Today != 1 {
			t.Fatalf("then the Admin's Home counts today's Interactionz; got %d %s", code, hb)
		}
	})
}
