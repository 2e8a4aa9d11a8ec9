// Package streamfeed plays, on this machine, the Lambda event source
// mapping of the table's DynamoDB stream: it reads the stream of DynamoDB
// Local (DescribeStream, GetShardIterator, GetRecords), builds the same
// events.DynamoDBEvent batches Lambda would, and calls the aggregate
// handler. Like Lambda it retries a failed batch from the last checkpoint
// (the whole batch again), keeps each shard's records in order, and reads
// a child shard only after its parent is done.
package streamfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Handler is the aggregate function's handler.
type Handler func(context.Context, events.DynamoDBEvent) error

// Config is what a feed reads and calls.
type Config struct {
	// DDB finds the table's stream (DescribeTable); Streams reads it.
	DDB     *dynamodb.Client
	Streams *dynamodbstreams.Client
	Table   string
	Handler Handler
	// BatchSize is the most records per batch (Lambda's BatchSize; 1,000
	// is GetRecords' maximum and the function's setting).
	BatchSize int
	// Poll is the pause between reads of a caught-up stream (Run).
	Poll time.Duration
	Log  *slog.Logger
}

// Streams returns a DynamoDB Streams client for the endpoint the DynamoDB
// client of cfg talks to (DynamoDB Local serves both).
func Streams(cfg aws.Config, endpoint string) *dynamodbstreams.Client {
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

type shardState struct {
	parent string
	// after is the checkpoint: the last sequence number handled ("" none).
	after string
	// done: the shard is closed and every record was handled.
	done bool
	// iter is the iterator after the last batch handled, kept for the next
	// read (getting a new one from the checkpoint costs DynamoDB Local a
	// scan of the shard); nil after a failure, or before the first read.
	iter *string
}

// Feed is one table's stream, as an event source mapping.
type Feed struct {
	cfg    Config
	mu     sync.Mutex
	arn    string
	shards map[string]*shardState
	order  []string
}

// New returns a feed; nothing is read until Drain or Run.
func New(cfg Config) *Feed {
	if cfg.BatchSize <= 0 || cfg.BatchSize > 1000 {
		cfg.BatchSize = 1000
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Feed{cfg: cfg, shards: map[string]*shardState{}}
}

// Run drains the stream every Poll until ctx ends, logging failures (the
// failed batch is tried again at the next poll, as Lambda retries).
func (f *Feed) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := f.Drain(ctx); err != nil && ctx.Err() == nil {
			f.cfg.Log.Warn("stream feed failed", "table", f.cfg.Table, "error", err.Error())
		}
		select {
		case <-ctx.Done():
		case <-time.After(f.cfg.Poll):
		}
	}
}

// Drain hands every record written so far to the handler, batch by batch,
// and returns how many it handed; an error stops at the failed batch,
// which the next Drain starts again with.
func (f *Feed) Drain(ctx context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.describe(ctx); err != nil {
		return 0, err
	}
	total := 0
	for progress := true; progress; {
		progress = false
		for _, id := range f.order {
			sh := f.shards[id]
			if sh.done {
				continue
			}
			if p, ok := f.shards[sh.parent]; ok && !p.done {
				continue // a child waits for its parent, as Lambda does
			}
			n, err := f.drainShard(ctx, id, sh)
			total += n
			if err != nil {
				return total, err
			}
			if n > 0 || sh.done {
				progress = true
			}
		}
	}
	return total, nil
}

// describe finds the table's latest stream and its shards.
func (f *Feed) describe(ctx context.Context) error {
	if f.arn == "" {
		out, err := f.cfg.DDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(f.cfg.Table)})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", f.cfg.Table, err)
		}
		f.arn = aws.ToString(out.Table.LatestStreamArn)
		if f.arn == "" {
			return fmt.Errorf("table %s has no stream", f.cfg.Table)
		}
	}
	var start *string
	for {
		out, err := f.cfg.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(f.arn), ExclusiveStartShardId: start})
		if err != nil {
			return fmt.Errorf("describe stream: %w", err)
		}
		for _, s := range out.StreamDescription.Shards {
			id := aws.ToString(s.ShardId)
			if _, ok := f.shards[id]; !ok {
				f.shards[id] = &shardState{parent: aws.ToString(s.ParentShardId)}
				f.order = append(f.order, id)
			}
		}
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			return nil
		}
	}
}

// drainShard reads one shard from its checkpoint until it is caught up.
func (f *Feed) drainShard(ctx context.Context, id string, sh *shardState) (int, error) {
	iter := sh.iter
	if iter == nil {
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(f.arn), ShardId: aws.String(id),
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
		if sh.after != "" {
			in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
			in.SequenceNumber = aws.String(sh.after)
		}
		it, err := f.cfg.Streams.GetShardIterator(ctx, in)
		if err != nil {
			var gone *types.ResourceNotFoundException
			if errors.As(err, &gone) {
				sh.done = true // trimmed away
				return 0, nil
			}
			return 0, fmt.Errorf("shard iterator %s: %w", id, err)
		}
		iter = it.ShardIterator
	}
	total := 0
	for iter != nil {
		out, err := f.cfg.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(int32(f.cfg.BatchSize))})
		if err != nil {
			sh.iter = nil // start again from the checkpoint
			var expired *types.ExpiredIteratorException
			if errors.As(err, &expired) && iter != nil && total == 0 && sh.after != "" {
				return f.drainShard(ctx, id, sh) // idle past the iterator's 15 minutes
			}
			return total, fmt.Errorf("get records %s: %w", id, err)
		}
		if len(out.Records) > 0 {
			ev := events.DynamoDBEvent{Records: make([]events.DynamoDBEventRecord, 0, len(out.Records))}
			for _, r := range out.Records {
				ev.Records = append(ev.Records, Record(r, f.arn))
			}
			if err := f.cfg.Handler(ctx, ev); err != nil {
				sh.iter = nil // the batch comes again, from the checkpoint
				return total, fmt.Errorf("handler, batch of %d records of shard %s: %w", len(ev.Records), id, err)
			}
			sh.after = aws.ToString(out.Records[len(out.Records)-1].Dynamodb.SequenceNumber)
			total += len(out.Records)
		}
		sh.iter = out.NextShardIterator
		if out.NextShardIterator == nil {
			sh.done = true
			return total, nil
		}
		if len(out.Records) == 0 {
			return total, nil // caught up with an open shard
		}
		iter = out.NextShardIterator
	}
	return total, nil
}

// Record is a stream record as Lambda hands it to a function.
func Record(r types.Record, arn string) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{
		AWSRegion: aws.ToString(r.AwsRegion), EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: aws.ToString(r.EventSource), EventVersion: aws.ToString(r.EventVersion), EventSourceArn: arn,
	}
	if d := r.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{
			Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return out
}

func image(m map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attr(v)
	}
	return out
}

func attr(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch a := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(a.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(a.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(a.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(a.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(a.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(a.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(a.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(a.Value))
		for _, x := range a.Value {
			l = append(l, attr(x))
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(image(a.Value))
	default:
		return events.NewNullAttribute()
	}
}
