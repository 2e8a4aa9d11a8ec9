// Package sqsfanout is fanout.Sender over an SQS standard queue: bodies in
// SendMessageBatch calls of ten, a few at once, entries that fail retried.
package sqsfanout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/customercloud/home/shared/awscall/sqscall"
)

// API is the part of the SQS client the sender uses (awscall/sqscall: the
// functions do not link the SDK's SQS client).
type API interface {
	SendMessageBatch(ctx context.Context, in *sqscall.SendMessageBatchInput) (*sqscall.SendMessageBatchOutput, error)
}

// Sender sends task bodies to one queue.
type Sender struct {
	API      API
	QueueURL string
	// Parallel bounds the batch calls in flight (default 8): a page of
	// 1,000 organizations is 100 calls, about 13 round trips.
	Parallel int
	// Attempts bounds the sends of one entry (default 4).
	Attempts int
	// Requests counts SendMessageBatch calls (benchmarks).
	Requests int64
	mu       sync.Mutex
}

// ErrNotSent means some bodies were still refused after every attempt.
var ErrNotSent = errors.New("sqsfanout: messages not sent")

// Send sends every body or says how many it could not.
func (s *Sender) Send(ctx context.Context, bodies []string) error {
	if len(bodies) == 0 {
		return nil
	}
	par := s.Parallel
	if par <= 0 {
		par = 8
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := 0; i < len(bodies); i += 10 {
		chunk := bodies[i:min(i+10, len(bodies))]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := s.sendChunk(ctx, chunk); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *Sender) sendChunk(ctx context.Context, chunk []string) error {
	attempts := s.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	pending := map[string]string{}
	for i, b := range chunk {
		pending["t"+strconv.Itoa(i)] = b
	}
	var last error
	for a := 0; a < attempts && len(pending) > 0; a++ {
		if a > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(50<<a) * time.Millisecond):
			}
		}
		entries := make([]sqscall.SendMessageBatchRequestEntry, 0, len(pending))
		for id, b := range pending {
			entries = append(entries, sqscall.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(b)})
		}
		s.mu.Lock()
		s.Requests++
		s.mu.Unlock()
		out, err := s.API.SendMessageBatch(ctx, &sqscall.SendMessageBatchInput{QueueUrl: &s.QueueURL, Entries: entries})
		if err != nil {
			last = err
			continue
		}
		for _, ok := range out.Successful {
			delete(pending, aws.ToString(ok.Id))
		}
		for _, f := range out.Failed {
			last = fmt.Errorf("%s: %s", aws.ToString(f.Code), aws.ToString(f.Message))
			if f.SenderFault {
				return fmt.Errorf("%w: %d refused: %v", ErrNotSent, len(pending), last)
			}
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w: %d after %d attempts: %v", ErrNotSent, len(pending), attempts, last)
	}
	return nil
}
