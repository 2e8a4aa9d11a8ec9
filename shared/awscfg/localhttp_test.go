package awscfg_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/customercloud/home/shared/awscfg"
)

// recorder is an aws.HTTPClient that keeps the request it was given.
type recorder struct{ got *http.Request }

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.got = req
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

// closeTracker is a request body that reports reads after its Close.
type closeTracker struct {
	io.Reader
	closed bool
}

func (c *closeTracker) Read(p []byte) (int, error) {
	if c.closed {
		return 0, fmt.Errorf("read after close")
	}
	return c.Reader.Read(p)
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

// TestLocalClientDetachesRequestBodies: given a request whose body its
// sender closes as soon as Do returns (as the SDK does), when it goes
// through the local client, then net/http gets the same bytes as an
// in-memory body that the sender's Close cannot reach, so the transport
// never fails a write (and closes the connection) after the answer began.
func TestLocalClientDetachesRequestBodies(t *testing.T) {
	rec := &recorder{}
	orig := &closeTracker{Reader: strings.NewReader(`{"QueueUrl":"q"}`)}
	req, _ := http.NewRequest("POST", "http://127.0.0.1:1/", orig)
	req.ContentLength = -1
	if _, err := awscfg.LocalHTTPClient(rec).Do(req); err != nil {
		t.Fatal(err)
	}
	_ = orig.Close()
	got, err := io.ReadAll(rec.got.Body)
	if err != nil || string(got) != `{"QueueUrl":"q"}` || rec.got.ContentLength != int64(len(got)) {
		t.Fatalf("body %q (%v), length %d: want the bytes, readable after the sender's Close", got, err, rec.got.ContentLength)
	}
}
