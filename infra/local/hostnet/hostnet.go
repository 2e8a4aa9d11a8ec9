// Package hostnet serves the Docker Engine API to SAM CLI and puts SAM's
// Lambda containers on the host network, so they reach DynamoDB Local and
// ElasticMQ on 127.0.0.1 as the local runner does.
//
// Why a proxy: SAM CLI 1.170 accepts `--docker-network host` but never sets
// the container's network mode for it (it only skips connecting the container
// to a named network), so the container stays on Docker's default bridge,
// where 127.0.0.1 is the container itself (aws/aws-sam-cli#4236; the fix,
// #7278, was not merged). This proxy sits between SAM and the project's own
// dockerd (never a user's daemon) and changes one call, container create,
// for containers SAM labels as Lambda containers:
//
//   - HostConfig.NetworkMode becomes "host" and the port bindings go away
//     (host networking has no port publishing);
//   - the Runtime Interface Emulator listens on 127.0.0.1 and the host port
//     SAM chose for the container (SAM connects there), and its Runtime API
//     on another free loopback port, so several warm containers share the
//     host's network without clashing on RIE's fixed defaults (8080, 9001).
//
// Every other call passes through unchanged, including attach's upgraded
// stream, which carries the functions' logs.
package hostnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"regexp"
	"strconv"
)

// LambdaLabel is the label SAM CLI puts on its Lambda containers.
const (
	LambdaLabel      = "sam.cli.container.type"
	LambdaLabelValue = "lambda"
	rapidPort        = "8080/tcp"
)

// ErrNotRewritable marks a Lambda container create body this package cannot
// put on the host network (no host port for the emulator, say).
var ErrNotRewritable = errors.New("hostnet: cannot put the container on the host network")

// createPath matches the Engine API's container create, versioned or not.
var createPath = regexp.MustCompile(`^(/v[0-9.]+)?/containers/create$`)

// FreePort returns a free TCP port on 127.0.0.1.
type FreePort func() (int, error)

// LoopbackFreePort asks the kernel for a free port on 127.0.0.1.
func LoopbackFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Rewrite changes a container create body as the package comment says. A
// body that is not a SAM Lambda container comes back unchanged (changed is
// false).
func Rewrite(body []byte, free FreePort) (out []byte, changed bool, err error) {
	var c map[string]any
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, false, fmt.Errorf("hostnet: create body: %w", err)
	}
	labels, _ := c["Labels"].(map[string]any)
	if labels[LambdaLabel] != LambdaLabelValue {
		return body, false, nil
	}
	hc, _ := c["HostConfig"].(map[string]any)
	if hc == nil {
		return nil, false, fmt.Errorf("%w: no HostConfig", ErrNotRewritable)
	}
	hostPort, err := boundPort(hc)
	if err != nil {
		return nil, false, err
	}
	apiPort, err := free()
	if err != nil {
		return nil, false, err
	}
	entry, ok := asList(c["Entrypoint"])
	if !ok || len(entry) == 0 {
		return nil, false, fmt.Errorf("%w: no emulator entrypoint", ErrNotRewritable)
	}
	entry = append(entry,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(hostPort),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(apiPort))
	c["Entrypoint"] = entry
	hc["NetworkMode"] = "host"
	delete(hc, "PortBindings")
	delete(c, "ExposedPorts")
	out, err = json.Marshal(c)
	if err != nil {
		return nil, false, fmt.Errorf("hostnet: encode: %w", err)
	}
	return out, true, nil
}

// boundPort is the host port SAM bound the emulator's port 8080 to.
func boundPort(hc map[string]any) (int, error) {
	pb, _ := hc["PortBindings"].(map[string]any)
	binds, _ := pb[rapidPort].([]any)
	if len(binds) == 0 {
		return 0, fmt.Errorf("%w: no host port for %s", ErrNotRewritable, rapidPort)
	}
	b, _ := binds[0].(map[string]any)
	s, _ := b["HostPort"].(string)
	p, err := strconv.Atoi(s)
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("%w: host port %q", ErrNotRewritable, s)
	}
	return p, nil
}

func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case string:
		return []any{x}, true
	}
	return nil, false
}

// Proxy is the Engine API on a unix socket, forwarding to dockerd's socket.
type Proxy struct {
	Upstream string // dockerd's unix socket
	Free     FreePort
	Log      *slog.Logger
}

// Handler forwards every request to the upstream socket, rewriting Lambda
// container creates.
func (p *Proxy) Handler() http.Handler {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", p.Upstream)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme = "http"
			r.Out.URL.Host = "docker"
			r.Out.Host = "docker"
		},
		Transport:     &http.Transport{DialContext: dial, DisableCompression: true},
		FlushInterval: -1, // logs and events stream
		ErrorLog:      slog.NewLogLogger(p.Log.Handler(), slog.LevelWarn),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// dockerd answers a build while its context is still arriving. By
		// default Go's HTTP/1 server drains (and, for a chunked upload,
		// steals up to 256 KB of) the request body once the answer starts,
		// which cut SAM's first image build in a cold CI run; full duplex
		// lets the upload and the answer stream together.
		_ = http.NewResponseController(w).EnableFullDuplex()
		if r.Method == http.MethodPost && createPath.MatchString(r.URL.Path) {
			body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			out, changed, err := Rewrite(body, p.Free)
			if err != nil {
				p.Log.Error("container create not rewritten", "error", err.Error())
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_ = json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
				return
			}
			if changed {
				p.Log.Info("lambda container on the host network", "name", r.URL.Query().Get("name"))
			}
			r.Body = io.NopCloser(bytes.NewReader(out))
			r.ContentLength = int64(len(out))
			r.Header.Set("Content-Length", strconv.Itoa(len(out)))
		}
		rp.ServeHTTP(w, r)
	})
}
