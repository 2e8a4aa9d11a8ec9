package awscfg

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// LocalHTTPClient wraps inner (the SDK's client, nil for a default one) for
// the local emulators: it hands net/http every request body as bytes in
// memory, closed by nobody else.
//
// Why: the SDK (smithy-go's ClientHandler) closes a request's body as soon
// as the response headers arrive. Over plain TCP, net/http writes a body of
// unknown type straight to the socket (bufio.Writer.ReadFrom after the
// headers were flushed), so the server can answer while the transport's
// write loop is still finishing the body (reading to EOF, closing it). If
// the SDK's Close lands first, that read fails, and the write loop closes
// the connection under the response being read: an answer longer than the
// first read (about 3,960 bytes of body: a ReceiveMessage of several
// messages) is cut with "use of closed network connection". The SDK retries
// the receive, but the cut answer's messages stay in flight until their
// visibility timeout: the minute-long pause near the end of the seed. With
// the body in memory the transport writes headers and body in one flush
// after it is done with the body, so there is no race. (AWS endpoints are
// TLS, where this direct write does not happen.) infra/cmd/sqsprobe
// measures it.
func LocalHTTPClient(inner aws.HTTPClient) *LocalClient {
	if inner == nil {
		inner = awshttp.NewBuildableClient()
	}
	return &LocalClient{inner: inner}
}

// LocalClient is an aws.HTTPClient; see LocalHTTPClient.
type LocalClient struct{ inner aws.HTTPClient }

// Do sends r with its body read into memory first.
func (c *LocalClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		r.ContentLength = int64(len(b))
	}
	return c.inner.Do(r)
}

// Inner is the wrapped client (infra/cmd/sqsprobe compares the two).
func (c *LocalClient) Inner() aws.HTTPClient { return c.inner }
