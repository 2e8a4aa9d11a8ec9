package hostnet

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
)

// TestProxyStreamsWhileUploading: given an upstream that answers before it
// has read the request body, as dockerd's POST /build does (its headers go
// out while the build context is still arriving), when a large context goes
// through the proxy, then the whole context reaches the upstream and the
// whole streamed answer reaches the client. Without full duplex, Go's server
// drains up to 256 KB of a chunked request body as soon as the proxy starts
// writing the answer, so the upstream gets a cut context; in a cold CI run
// SAM CLI's first image build failed that way ("Connection broken:
// IncompleteRead").
func TestProxyStreamsWhileUploading(t *testing.T) {
	dir := t.TempDir()
	upstream := filepath.Join(dir, "docker.sock")
	ul, err := net.Listen("unix", upstream)
	if err != nil {
		t.Fatal(err)
	}
	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).EnableFullDuplex()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"stream":"Sending build context"}`+"\n")
		_ = http.NewResponseController(w).Flush()
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			_, _ = io.WriteString(w, `{"error":"context cut"}`+"\n")
			return
		}
		for i := 0; i < 100; i++ {
			_, _ = io.WriteString(w, `{"stream":"step"}`+"\n")
		}
		_, _ = io.WriteString(w, `{"read":`+strconv.FormatInt(n, 10)+`}`+"\n")
	})}
	go func() { _ = up.Serve(ul) }()
	t.Cleanup(func() { _ = up.Close() })

	front := filepath.Join(dir, "sam.sock")
	fl, err := net.Listen("unix", front)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Upstream: upstream, Free: fixedPort(1), Log: slog.New(slog.DiscardHandler)}
	srv := &http.Server{Handler: p.Handler()}
	go func() { _ = srv.Serve(fl) }()
	t.Cleanup(func() { _ = srv.Close() })

	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", front)
	}}
	const size = 32 << 20
	for i := 0; i < 3; i++ {
		resp, err := (&http.Client{Transport: tr}).Post("http://docker/build", "application/x-tar", struct{ io.Reader }{bytes.NewReader(make([]byte, size))}) // chunked, as docker-py streams a context
		if err != nil {
			t.Fatalf("when the context is uploaded: %v", err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatalf("then the whole answer arrives; got %v after %d bytes", err, len(body))
		}
		if want := `{"read":` + strconv.Itoa(size) + `}`; !bytes.Contains(body, []byte(want)) {
			t.Fatalf("then the upstream read the whole context; got %q", tail(body))
		}
	}
}

func tail(b []byte) string {
	if len(b) > 200 {
		b = b[len(b)-200:]
	}
	return string(b)
}
