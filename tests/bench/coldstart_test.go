package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/customercloud/home/shared/resources"
)

// coldStartRuns is how many cold starts are timed per binary (after two
// untimed ones that warm the page cache); COLDSTART_RUNS overrides it.
const coldStartRuns = 41

// infraMK is the file whose build line the functions are deployed with.
const infraMK = "../../infra/infra.mk"

// helloPkg is the baseline: the smallest aws-lambda-go function.
const helloPkg = "./testdata/hello"

// infraBuild reads the `go build` line of infra/infra.mk's function rule and
// returns its environment assignments (CGO_ENABLED=0 GOOS=linux GOARCH=arm64)
// and its flags up to -o, so the benchmark builds exactly what is deployed.
func infraBuild(tb testing.TB) (env map[string]string, flags []string) {
	tb.Helper()
	mk, err := os.ReadFile(infraMK)
	if err != nil {
		tb.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(mk), "\n") {
		if strings.Contains(l, " go build ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		tb.Fatalf("infra/infra.mk: want one `go build` line, found %d", len(lines))
	}
	cmd := lines[0]
	if i := strings.LastIndex(cmd, "&&"); i >= 0 {
		cmd = cmd[i+2:]
	}
	words := shellWords(cmd)
	env = map[string]string{}
	i := 0
	for ; i < len(words) && strings.Contains(words[i], "="); i++ {
		k, v, _ := strings.Cut(words[i], "=")
		env[k] = v
	}
	if i+1 >= len(words) || words[i] != "go" || words[i+1] != "build" {
		tb.Fatalf("infra/infra.mk: cannot read the build command %q", lines[0])
	}
	for _, w := range words[i+2:] {
		if w == "-o" {
			return env, flags
		}
		flags = append(flags, w)
	}
	tb.Fatalf("infra/infra.mk: no -o in %q", lines[0])
	return nil, nil
}

// shellWords splits a command line on blanks, keeping double-quoted parts
// together without their quotes (enough for a make recipe's flags).
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// TestColdStartBuildsLikeInfra: given infra/infra.mk, when the cold-start
// benchmark reads its build line, then it finds the deployed flags (if the
// line changes shape, the benchmark must follow, not silently diverge).
func TestColdStartBuildsLikeInfra(t *testing.T) {
	env, flags := infraBuild(t)
	if env["CGO_ENABLED"] != "0" || env["GOARCH"] == "" {
		t.Fatalf("environment %v", env)
	}
	if !slices.Contains(flags, "-trimpath") || !slices.Contains(flags, "-ldflags=-s -w") || !slices.Contains(flags, "lambda.norpc") {
		t.Fatalf("flags %q", flags)
	}
}

// standIn is a loopback Lambda Runtime API (only the first GET
// /runtime/invocation/next matters: it marks the end of init) and SSM (the
// parameters a function may read at init, counted); any other request is
// counted as init touching the network.
type standIn struct {
	srv     *httptest.Server
	arrived chan time.Time
	params  map[string]string
	ssm     atomic.Int64
	mu      sync.Mutex
	other   []string
}

func newStandIn(tb testing.TB, params map[string]string) *standIn {
	tb.Helper()
	s := &standIn{arrived: make(chan time.Time, 1), params: params}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	return s
}

func (s *standIn) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
		at := time.Now()
		select {
		case s.arrived <- at:
		default:
		}
		<-r.Context().Done() // held until the process is killed
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.GetParameter"):
		// GetParameters (one call for many names) and GetParameter (one per
		// name), so that a build reading its secrets one by one is counted
		// too.
		s.ssm.Add(1)
		var in struct {
			Name  string
			Names []string
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type param struct{ Name, Type, Value string }
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.Name != "" {
			v, ok := s.params[in.Name]
			if !ok {
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]string{"__type": "ParameterNotFound", "message": in.Name})
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]param{"Parameter": {in.Name, "SecureString", v}})
			return
		}
		out := struct {
			Parameters        []param
			InvalidParameters []string
		}{Parameters: []param{}, InvalidParameters: []string{}}
		for _, n := range in.Names {
			if v, ok := s.params[n]; ok {
				out.Parameters = append(out.Parameters, param{n, "SecureString", v})
			} else {
				out.InvalidParameters = append(out.InvalidParameters, n)
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	default:
		s.mu.Lock()
		s.other = append(s.other, r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Amz-Target"))
		s.mu.Unlock()
		http.Error(w, "not part of init", http.StatusNotImplemented)
	}
}

// coldStart execs bin with env and returns the time from exec to its first
// /next request, then kills it, and the CPU time (user and system) the
// process used: it is blocked on that request from then on, so that is its
// init's CPU, a measure that the machine's load does not inflate as it does
// the wall clock.
func (s *standIn) coldStart(tb testing.TB, bin string, env []string) (wall, cpu time.Duration) {
	tb.Helper()
	select { // a stale arrival from a previous run
	case <-s.arrived:
	default:
	}
	cmd := exec.Command(bin)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case t1 := <-s.arrived:
		_ = cmd.Process.Kill()
		<-done
		return t1.Sub(t0), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	case err := <-done:
		tb.Fatalf("%s exited before asking for an invocation (%v):\n%s", filepath.Base(bin), err, out.String())
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		tb.Fatalf("%s did not ask for an invocation within 20 s:\n%s", filepath.Base(bin), out.String())
	}
	return 0, 0
}

// coldBinary is one binary under measurement.
type coldBinary struct {
	name, pkg, path string
	dir             string // the source tree it is built in ("" for this one)
	env             []string
	times, cpu      []time.Duration
	ssm             int64
	deps, nonStd    int
	size            int64
}

// goDeps counts the packages pkg links: all of them, and those outside the
// standard library.
func goDeps(tb testing.TB, dir, pkg string) (all, nonStd int) {
	tb.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.Standard}}", pkg)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("go list -deps %s: %v", pkg, err)
	}
	for _, l := range strings.Fields(string(out)) {
		all++
		if l == "false" {
			nonStd++
		}
	}
	return all, nonStd
}

// BenchmarkColdStart measures each function's cold start as Lambda sees it:
// from exec to its first GET /runtime/invocation/next on a loopback Runtime
// API stand-in, i.e. package init plus the builder (configuration, clients,
// the webhook's one SSM call to the stand-in). Each function runs with the
// environment its template gives it (resources.Functions' Env, local-stack
// values) in AWS mode: credentials from the environment, every AWS endpoint
// the stand-in, so any request made at init is seen and counted. The
// baseline is a hello-world aws-lambda-go function built with the same flags
// (infra/infra.mk's, for this machine's GOARCH), timed round-robin with the
// functions so that load on the machine hits all alike.
//
// COLDSTART_BEFORE=<dir>, a checkout of another revision of this module
// (e.g. `git archive main | tar -x -C dir`), adds each function built from
// that tree ("name (before)" rows) to the same round-robin, so a change is
// measured before and after side by side in one run.
func BenchmarkColdStart(b *testing.B) {
	runs := coldStartRuns
	if v := os.Getenv("COLDSTART_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("COLDSTART_RUNS=%q", v)
		}
		runs = n
	}
	buildEnv, flags := infraBuild(b)
	buildEnv["GOARCH"] = runtime.GOARCH // run here, not on arm64
	dir := b.TempDir()
	producerDoc, _ := json.Marshal(map[string]string{"demo": "producer-secret-for-the-cold-start-bench-0123456789"})
	params := map[string]string{
		"/cch/producer-secrets":  string(producerDoc),
		"/cch/meta/app-secret":   "meta-app-secret-0123456789abcdef",
		"/cch/meta/verify-token": "verify-token-for-the-bench",
	}
	si := newStandIn(b, params)
	hostPort := strings.TrimPrefix(si.srv.URL, "http://")
	if h, _, err := net.SplitHostPort(hostPort); err != nil || !net.ParseIP(h).IsLoopback() {
		b.Fatalf("stand-in not on loopback: %s", si.srv.URL)
	}
	values := map[string]string{
		resources.EnvTableName:            resources.Table.Name,
		resources.EnvEventsQueueURL:       si.srv.URL + "/000000000000/" + resources.EventsQueue.Name,
		resources.EnvDeadLetterURL:        si.srv.URL + "/000000000000/" + resources.EventsDLQ.Name,
		resources.EnvSentimentProvider:    "offline",
		resources.EnvLogLevel:             "info",
		resources.EnvProducerSecretsParam: "/cch/producer-secrets",
		resources.EnvMetaAppSecretParam:   "/cch/meta/app-secret",
		resources.EnvMetaVerifyTokenParam: "/cch/meta/verify-token",
		resources.EnvNotificationsBus:     resources.NotificationsBus.Name,
		resources.EnvWebhookQueueURL:      si.srv.URL + "/000000000000/" + resources.WebhooksQueue.Name,
		resources.EnvMetricsWorkQueueURL:  si.srv.URL + "/000000000000/" + resources.MetricsWorkQueue.Name,
		resources.EnvExportsQueueURL:      si.srv.URL + "/000000000000/" + resources.ExportsQueue.Name,
		resources.EnvExportsBucket:        resources.LocalExportsBucket,
	}
	lambdaEnv := func(name string) []string {
		return []string{
			"AWS_LAMBDA_RUNTIME_API=" + hostPort, "AWS_LAMBDA_FUNCTION_NAME=" + name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
			"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "TZ=:UTC",
			"AWS_ACCESS_KEY_ID=AKIDCOLDSTARTBENCH", "AWS_SECRET_ACCESS_KEY=bench", "AWS_SESSION_TOKEN=bench",
			"AWS_ENDPOINT_URL=" + si.srv.URL, "AWS_EC2_METADATA_DISABLED=true",
			"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		}
	}
	bins := []*coldBinary{{name: "hello-world", pkg: helloPkg, env: lambdaEnv("hello")}}
	for _, f := range resources.Functions {
		env := lambdaEnv(f.Name)
		for _, k := range f.Env {
			v, ok := values[k]
			if !ok {
				b.Fatalf("%s needs %s: give it a local value here", f.Name, k)
			}
			env = append(env, k+"="+v)
		}
		bins = append(bins, &coldBinary{name: f.Name, pkg: "../../functions/" + f.Name, env: env})
		if before := os.Getenv("COLDSTART_BEFORE"); before != "" {
			abs, err := filepath.Abs(before)
			if err != nil {
				b.Fatal(err)
			}
			bins = append(bins, &coldBinary{name: f.Name + " (before)", pkg: "./functions/" + f.Name, dir: abs, env: env})
		}
	}
	for _, cb := range bins {
		cb.path = filepath.Join(dir, strings.NewReplacer(" (", "-", ")", "").Replace(cb.name))
		args := append(append([]string{"build"}, flags...), "-o", cb.path, cb.pkg)
		cmd := exec.Command("go", args...)
		cmd.Dir = cb.dir
		cmd.Env = os.Environ()
		for k, v := range buildEnv {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		st, err := os.Stat(cb.path)
		if err != nil {
			b.Fatal(err)
		}
		cb.size = st.Size()
		cb.deps, cb.nonStd = goDeps(b, cb.dir, cb.pkg)
	}
	b.ResetTimer()
	for range b.N {
		for round := -2; round < runs; round++ {
			for _, cb := range bins {
				before := si.ssm.Load()
				wall, cpu := si.coldStart(b, cb.path, cb.env)
				if round >= 0 {
					cb.times, cb.cpu = append(cb.times, wall), append(cb.cpu, cpu)
					cb.ssm += si.ssm.Load() - before
				}
			}
		}
	}
	b.StopTimer()
	if len(si.other) > 0 {
		b.Fatalf("init made requests besides the counted SSM call: %q", si.other)
	}
	hello := bins[0]
	hMin, hMed, hCPU := slices.Min(hello.times), quantile(hello.times, 0.5), quantile(hello.cpu, 0.5)
	ms := func(d time.Duration) string { return f2(float64(d.Microseconds()) / 1000) }
	var rows [][]string
	for _, cb := range bins {
		mn, md := slices.Min(cb.times), quantile(cb.times, 0.5)
		cpu := quantile(cb.cpu, 0.5)
		rMin, rMed, rCPU := float64(mn)/float64(hMin), float64(md)/float64(hMed), float64(cpu)/float64(hCPU)
		rows = append(rows, []string{cb.name, fmt.Sprint(cb.deps), fmt.Sprint(cb.nonStd), f1(float64(cb.size) / 1e6),
			ms(mn), ms(md), ms(cpu), f2(rMin), f2(rMed), f2(rCPU), f2(float64(cb.ssm) / float64(len(cb.times)))})
		if cb != hello && cb.dir == "" {
			b.ReportMetric(rMed, cb.name+"-x-hello-median")
			b.ReportMetric(rCPU, cb.name+"-x-hello-cpu")
		}
	}
	fmt.Printf("\ncold start, exec to first /runtime/invocation/next (%d runs each, round-robin; GOARCH=%s, flags %q):\n",
		runs*b.N, runtime.GOARCH, flags)
	fmt.Print(table([]string{"function", "packages", "non-std packages", "binary MB", "min ms", "median ms", "median CPU ms",
		"min × hello", "median × hello (target ≤ 2)", "CPU × hello", "SSM calls/start"}, rows) + "\n")
}
