// Package queue puts contract events on the events FIFO queue. Everything
// that enters the queue goes through Publish, so the message group (one per
// organization and contact), the deduplication id (from source and id) and
// the body (the event's structured-mode encoding) are set in one place and
// always from the event contract.
package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/customercloud/home/shared/awscall/sqscall"

	"github.com/customercloud/home/shared/backoff"
	"github.com/customercloud/home/shared/contract"
)

// SQS batch limits: at most ten entries per SendMessageBatch, and a total
// payload (and so every single message) of at most 256 KiB.
const (
	MaxBatchEntries = 10
	MaxBatchBytes   = 256 * 1024
	MaxMessageBytes = MaxBatchBytes
)

// Publisher enqueues events. Results are index-aligned with the input: the
// caller learns, per event, whether it is on the queue. The error is non-nil
// when at least one event is not (a *PublishError), so callers that only
// care about "all or report" can check it alone.
type Publisher interface {
	Publish(ctx context.Context, events []contract.Event) ([]Result, error)
}

// Result is the outcome of one event. Err is nil when the queue accepted it
// (MessageID is then set; a duplicate within the queue's deduplication
// window is also accepted, as SQS reports it).
type Result struct {
	MessageID string
	Err       error
}

// PublishError summarizes a publish in which some events were not enqueued.
// Cause is the first failure, kept for errors.Is/As.
type PublishError struct {
	Failed, Total int
	Cause         error
}

// Error says how many events are not on the queue and the first cause.
func (e *PublishError) Error() string {
	return fmt.Sprintf("queue: %d of %d events not enqueued: %v", e.Failed, e.Total, e.Cause)
}

// Unwrap exposes the first cause to errors.Is and errors.As.
func (e *PublishError) Unwrap() error { return e.Cause }

// Errors a Result can carry (wrapped).
var (
	// ErrTooLarge: the encoded event exceeds an SQS message. It is never
	// retried: it cannot succeed.
	ErrTooLarge = errors.New("encoded event exceeds the SQS message size")
	// ErrRejected: SQS refused the entry as the sender's fault (e.g. an
	// invalid attribute); retrying cannot help.
	ErrRejected = errors.New("rejected by the queue")
	// ErrUnavailable: the entry still failed after every retry.
	ErrUnavailable = errors.New("queue unavailable after retries")
	// ErrGroupBlocked: an earlier event of the same message group failed, so
	// this one was not sent, to keep the group's order (FIFO) intact.
	ErrGroupBlocked = errors.New("not sent: an earlier event of its message group failed")
)

// SQSAPI is the part of the SQS client the publisher uses; *sqscall.Client has it.
type SQSAPI interface {
	SendMessageBatch(ctx context.Context, in *sqscall.SendMessageBatchInput) (*sqscall.SendMessageBatchOutput, error)
}

// SQSConfig configures an SQSPublisher.
type SQSConfig struct {
	API      SQSAPI
	QueueURL string
	// MaxAttempts bounds the sends of one entry (first try included); the
	// client (awscall) already retries each call's transport errors, this
	// covers SendMessageBatch's per-entry partial failures. Default 3.
	MaxAttempts int
	// BaseBackoff is the wait before the first retry, doubled each time with
	// jitter. Default 50ms.
	BaseBackoff time.Duration
}

// Validate reports a configuration the publisher cannot run with.
func (c SQSConfig) Validate() error {
	var errs []error
	if c.API == nil {
		errs = append(errs, errors.New("API is required"))
	}
	if c.QueueURL == "" {
		errs = append(errs, errors.New("QueueURL is required"))
	} else if !strings.HasSuffix(c.QueueURL, ".fifo") {
		errs = append(errs, fmt.Errorf("QueueURL %q is not a FIFO queue", c.QueueURL))
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, errors.New("MaxAttempts must not be negative"))
	}
	if c.BaseBackoff < 0 {
		errs = append(errs, errors.New("BaseBackoff must not be negative"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("queue: invalid SQSConfig: %w", errors.Join(errs...))
	}
	return nil
}

// SQSPublisher is the Publisher over an SQS FIFO queue.
type SQSPublisher struct {
	cfg SQSConfig
}

var _ Publisher = (*SQSPublisher)(nil)

// NewSQSPublisher validates cfg and fills its defaults.
func NewSQSPublisher(cfg SQSConfig) (*SQSPublisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = 50 * time.Millisecond
	}
	return &SQSPublisher{cfg: cfg}, nil
}

type entry struct {
	index int
	group string
	body  string
	dedup string
}

// Publish sends the events in order, in SendMessageBatch calls of at most ten
// entries and 256 KiB. Entries that fail for a reason on the queue's side are
// retried (in their original relative order) with backoff; entries the queue
// rejects as the sender's fault are not. Once an event of a message group
// has failed for good, the group's later events are not sent (ErrGroupBlocked)
// so the consumer never sees a contact's events out of order because of us.
func (p *SQSPublisher) Publish(ctx context.Context, events []contract.Event) ([]Result, error) {
	results := make([]Result, len(events))
	var pending []entry
	for i, ev := range events {
		body, err := ev.Encode()
		switch {
		case err != nil:
			results[i].Err = fmt.Errorf("queue: %w", err)
		case len(body) > MaxMessageBytes:
			results[i].Err = fmt.Errorf("queue: event %d is %d bytes: %w", i, len(body), ErrTooLarge)
		default:
			pending = append(pending, entry{index: i, group: ev.MessageGroupID(), body: string(body), dedup: ev.DeduplicationID()})
		}
	}
	blocked := map[string]bool{}
	for i := range results {
		if results[i].Err != nil {
			blocked[events[i].MessageGroupID()] = true
		}
	}
	for len(pending) > 0 {
		var chunk []entry
		size := 0
		for len(pending) > 0 && len(chunk) < MaxBatchEntries && size+len(pending[0].body) <= MaxBatchBytes {
			e := pending[0]
			pending = pending[1:]
			if blocked[e.group] {
				results[e.index].Err = fmt.Errorf("queue: %w", ErrGroupBlocked)
				continue
			}
			chunk = append(chunk, e)
			size += len(e.body)
		}
		if len(chunk) == 0 {
			continue
		}
		for _, e := range p.sendChunk(ctx, chunk, results) {
			blocked[e.group] = true
		}
	}
	return results, summarize(results)
}

// sendChunk sends one batch, retrying the retryable failures, records every
// outcome in results and returns the entries that failed for good.
func (p *SQSPublisher) sendChunk(ctx context.Context, chunk []entry, results []Result) []entry {
	todo := chunk
	var failed []entry
	for attempt := 1; len(todo) > 0; attempt++ {
		out, err := p.cfg.API.SendMessageBatch(ctx, batchInput(p.cfg.QueueURL, todo))
		var retry []entry
		var lastErr error
		if err != nil {
			retry, lastErr = todo, err
		} else {
			byID := make(map[string]entry, len(todo))
			for _, e := range todo {
				byID[entryID(e.index)] = e
			}
			for _, ok := range out.Successful {
				if e, found := byID[aws.ToString(ok.Id)]; found {
					results[e.index] = Result{MessageID: aws.ToString(ok.MessageId)}
					delete(byID, aws.ToString(ok.Id))
				}
			}
			for _, f := range out.Failed {
				e, found := byID[aws.ToString(f.Id)]
				if !found {
					continue
				}
				delete(byID, aws.ToString(f.Id))
				cause := fmt.Errorf("%s: %s", aws.ToString(f.Code), aws.ToString(f.Message))
				if f.SenderFault {
					results[e.index].Err = fmt.Errorf("queue: %w: %w", ErrRejected, cause)
					failed = append(failed, e)
					continue
				}
				retry, lastErr = append(retry, e), cause
			}
			// An entry SQS reported neither way is treated as failed on its side.
			for _, e := range todo {
				if _, left := byID[entryID(e.index)]; left {
					retry, lastErr = append(retry, e), errors.New("no result for entry")
				}
			}
			retry = inOrder(retry)
		}
		retry = dropBlocked(retry, failed, results)
		if len(retry) == 0 {
			break
		}
		if attempt >= p.cfg.MaxAttempts || backoff.Sleep(ctx, backoff.Delay(p.cfg.BaseBackoff, attempt, p.cfg.MaxAttempts)) != nil {
			if ctx.Err() != nil {
				lastErr = errors.Join(lastErr, ctx.Err())
			}
			for _, e := range retry {
				results[e.index].Err = fmt.Errorf("queue: %w after %d attempts: %w", ErrUnavailable, attempt, lastErr)
			}
			failed = append(failed, retry...)
			break
		}
		todo = retry
	}
	return failed
}

func batchInput(url string, entries []entry) *sqscall.SendMessageBatchInput {
	in := &sqscall.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: make([]sqscall.SendMessageBatchRequestEntry, len(entries))}
	for i, e := range entries {
		in.Entries[i] = sqscall.SendMessageBatchRequestEntry{
			Id:                     aws.String(entryID(e.index)),
			MessageBody:            aws.String(e.body),
			MessageGroupId:         aws.String(e.group),
			MessageDeduplicationId: aws.String(e.dedup),
		}
	}
	return in
}

// entryID names an entry within a batch by its index in the Publish call,
// unique within the call and so within the batch.
func entryID(index int) string { return "e" + strconv.Itoa(index) }

// dropBlocked removes from retry the entries of a group that already has an
// earlier entry failed for good, marking them ErrGroupBlocked.
func dropBlocked(retry, failed []entry, results []Result) []entry {
	if len(failed) == 0 {
		return retry
	}
	firstFail := map[string]int{}
	for _, f := range failed {
		if i, ok := firstFail[f.group]; !ok || f.index < i {
			firstFail[f.group] = f.index
		}
	}
	kept := retry[:0]
	for _, e := range retry {
		if i, ok := firstFail[e.group]; ok && i < e.index {
			results[e.index].Err = fmt.Errorf("queue: %w", ErrGroupBlocked)
			continue
		}
		kept = append(kept, e)
	}
	return kept
}

func inOrder(es []entry) []entry {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].index < es[j-1].index; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
	return es
}

func summarize(results []Result) error {
	var pe *PublishError
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		if pe == nil {
			pe = &PublishError{Total: len(results), Cause: r.Err}
		}
		pe.Failed++
	}
	if pe == nil {
		return nil
	}
	return pe
}
