// Command sqsprobe measures the local queue's receive path the way the
// runner's event source uses it: it fills a FIFO queue with messages over
// many groups, drains it with concurrent pollers (batches of 10, short long
// polls) and reports how many receives failed, how, and how long the drain
// took. A failed receive leaves its messages in flight until the
// visibility timeout, which shows as a stall in the drain time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/awscfg/sqscfg"
)

func main() { os.Exit(local.Exit("sqsprobe", run())) }

func run() error {
	n := flag.Int("messages", 3000, "messages to send and drain")
	groups := flag.Int("groups", 300, "message groups")
	pollers := flag.Int("pollers", 2, "concurrent receivers")
	wait := flag.Duration("wait", time.Second, "ReceiveMessage WaitTimeSeconds")
	vis := flag.Duration("visibility", 10*time.Second, "visibility timeout per receive")
	work := flag.Duration("work", 20*time.Millisecond, "time a batch takes to handle, before its delete")
	sdkDefault := flag.Bool("sdk-default", false, "use the SDK's default HTTP client instead of awscfg's (to see the cut answers)")
	flag.Parse()
	ctx := context.Background()
	cfg, getenv, err := local.AWS(ctx)
	if err != nil {
		return err
	}
	tr := &tracing{inner: cfg.HTTPClient, errs: map[string]int{}}
	if lc, ok := cfg.HTTPClient.(*awscfg.LocalClient); ok && *sdkDefault {
		tr.inner = lc.Inner()
	}
	cfg.HTTPClient = tr
	sq := sqscfg.New(cfg, getenv)
	defer tr.report()
	name := fmt.Sprintf("sqsprobe-%d.fifo", time.Now().UnixNano())
	q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		return fmt.Errorf("create queue: %w", err)
	}
	url := aws.ToString(q.QueueUrl)
	defer func() { _, _ = sq.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &url}) }()
	for i := 0; i < *n; i += 10 {
		var entries []types.SendMessageBatchRequestEntry
		for j := i; j < min(i+10, *n); j++ {
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(j)),
				MessageBody: aws.String(fmt.Sprintf(`{"n":%d,"pad":"%0200d"}`, j, j)), MessageGroupId: aws.String(strconv.Itoa(j % *groups)),
				MessageDeduplicationId: aws.String(strconv.Itoa(j))})
		}
		if _, err := sq.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries}); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	var received, receives, failed atomic.Int64
	var mu sync.Mutex
	kinds := map[string]int{}
	start := time.Now()
	var maxGap time.Duration
	lastProgress := time.Now()
	var wg sync.WaitGroup
	for p := 0; p < *pollers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for received.Load() < int64(*n) && time.Since(start) < 5*time.Minute {
				receives.Add(1)
				out, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10,
					WaitTimeSeconds: int32(*wait / time.Second), VisibilityTimeout: int32(*vis / time.Second)})
				if err != nil {
					failed.Add(1)
					mu.Lock()
					kinds[kind(err)]++
					mu.Unlock()
					continue
				}
				if len(out.Messages) == 0 {
					continue
				}
				time.Sleep(*work)
				var del []types.DeleteMessageBatchRequestEntry
				for i, m := range out.Messages {
					del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
				}
				if _, err := sq.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: del}); err != nil {
					mu.Lock()
					kinds["delete: "+kind(err)]++
					mu.Unlock()
					continue
				}
				received.Add(int64(len(out.Messages)))
				mu.Lock()
				if g := time.Since(lastProgress); g > maxGap {
					maxGap = g
				}
				lastProgress = time.Now()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("sqsprobe: %d messages in %d groups, %d pollers, wait %s: drained %d in %s; %d receives, %d failed; longest pause between batches %s\n",
		*n, *groups, *pollers, *wait, received.Load(), time.Since(start).Round(time.Millisecond), receives.Load(), failed.Load(), maxGap.Round(time.Millisecond))
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  %5d  %s\n", kinds[k], k)
	}
	return nil
}

// tracing counts the answers whose body could not be read to the end.
type tracing struct {
	inner aws.HTTPClient
	mu    sync.Mutex
	errs  map[string]int
}

func (t *tracing) Do(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	resp, err := t.inner.Do(r)
	if err != nil {
		t.add(op + " roundtrip: " + err.Error())
		return resp, err
	}
	resp.Body = &tracedBody{ReadCloser: resp.Body, t: t, op: op, cl: resp.ContentLength}
	return resp, nil
}

func (t *tracing) add(k string) {
	t.mu.Lock()
	t.errs[k]++
	t.mu.Unlock()
}

func (t *tracing) report() {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, v := range t.errs {
		n += v
	}
	fmt.Printf("  cut answers: %d\n", n)
	for k, v := range t.errs {
		fmt.Printf("  %5d  %s\n", v, k)
	}
}

type tracedBody struct {
	io.ReadCloser
	t     *tracing
	op    string
	n, cl int64
	cut   bool
}

func (b *tracedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		if !b.cut {
			b.cut = true
			b.t.add(fmt.Sprintf("%s: body cut after %d of %d bytes: %v", b.op, b.n, b.cl, errors.Unwrap(err)))
		}
	}
	return n, err
}

func kind(err error) string {
	var oe interface{ Unwrap() error }
	s := err.Error()
	for errors.As(err, &oe) && oe.Unwrap() != nil {
		err = oe.Unwrap()
	}
	if len(s) > 160 {
		s = s[len(s)-160:]
	}
	return s
}
