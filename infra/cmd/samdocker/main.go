// Command samdocker serves the Docker Engine API on a unix socket for SAM
// CLI, forwarding to the project's own dockerd and putting SAM's Lambda
// containers on the host network (package hostnet says why).
// infra/local/samlocal.sh starts it; nothing else should.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/infra/local/hostnet"
	"github.com/customercloud/home/shared/wiring"
)

func main() { os.Exit(local.Exit("samdocker", run())) }

func run() error {
	listen := flag.String("listen", "", "unix socket to serve SAM CLI on")
	upstream := flag.String("upstream", "", "dockerd's unix socket")
	flag.Parse()
	if *listen == "" || *upstream == "" {
		return errors.New("-listen and -upstream are required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := wiring.Logger(os.Getenv, "samdocker")
	_ = os.Remove(*listen)
	ln, err := net.Listen("unix", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	if err := os.Chmod(*listen, 0o600); err != nil {
		return fmt.Errorf("chmod %s: %w", *listen, err)
	}
	p := &hostnet.Proxy{Upstream: *upstream, Free: hostnet.LoopbackFreePort, Log: log}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving the Docker API for SAM CLI", "listen", *listen, "upstream", *upstream)
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
