// Package provision creates the DynamoDB tables, SQS queues and S3 buckets described in
// shared/resources on the local emulators (and in tests, uniquely named
// copies of them). In AWS the CDK app and template.yaml own these resources;
// this package is only how the same definitions reach DynamoDB Local and
// ElasticMQ. Every call is idempotent, so running it against an already
// provisioned stack is harmless.
package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/customercloud/home/shared/resources"
)

// tableWait bounds how long CreateTable and DeleteTable wait for a table to
// become ACTIVE or disappear. DynamoDB Local does both at once; AWS takes
// seconds.
const tableWait = 2 * time.Minute

var tableNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// CreateTable creates table name with def's keys, indexes and TTL, billed on
// demand (PAY_PER_REQUEST), and waits until it is ACTIVE. If the table
// already exists it is accepted when its key schema and index names match
// def (an error otherwise, rather than silently using a different shape), and
// TTL is still ensured.
func CreateTable(ctx context.Context, db *dynamodb.Client, def resources.TableDef, name string) error {
	if !tableNameRE.MatchString(name) {
		return fmt.Errorf("create table %q: name must be 3-255 of [a-zA-Z0-9_.-]", name)
	}
	in, err := createTableInput(def, name)
	if err != nil {
		return fmt.Errorf("create table %q: %w", name, err)
	}
	_, err = db.CreateTable(ctx, in)
	var inUse *ddbtypes.ResourceInUseException
	switch {
	case err == nil:
	case errors.As(err, &inUse):
		// Exists already (or is being created by a concurrent caller).
	default:
		return fmt.Errorf("create table %q: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 2 * time.Second
	})
	out, err := w.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tableWait)
	if err != nil {
		return fmt.Errorf("wait for table %q to be ACTIVE: %w", name, err)
	}
	if err := sameShape(out.Table, in); err != nil {
		return fmt.Errorf("table %q exists with a different shape (delete it to recreate): %w", name, err)
	}
	if def.TTLAttribute != "" {
		if err := ensureTTL(ctx, db, name, def.TTLAttribute); err != nil {
			return err
		}
	}
	if spec := in.StreamSpecification; spec != nil {
		cur := out.Table.StreamSpecification
		if cur == nil || !aws.ToBool(cur.StreamEnabled) {
			// A table created before the stream existed (local data kept
			// across runs): turn the stream on.
			if _, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), StreamSpecification: spec}); err != nil {
				return fmt.Errorf("enable the stream of table %q: %w", name, err)
			}
		}
	}
	return nil
}

func createTableInput(def resources.TableDef, name string) (*dynamodb.CreateTableInput, error) {
	if def.PartitionKey.Name == "" {
		return nil, errors.New("table definition has no partition key")
	}
	var attrs []ddbtypes.AttributeDefinition
	seen := map[string]resources.KeyType{}
	addAttr := func(k resources.Key) error {
		if k.Name == "" {
			return nil
		}
		if t, ok := seen[k.Name]; ok {
			if t != k.Type {
				return fmt.Errorf("attribute %q used with types %s and %s", k.Name, t, k.Type)
			}
			return nil
		}
		seen[k.Name] = k.Type
		attrs = append(attrs, ddbtypes.AttributeDefinition{
			AttributeName: aws.String(k.Name),
			AttributeType: ddbtypes.ScalarAttributeType(k.Type),
		})
		return nil
	}
	keySchema := func(pk, sk resources.Key) ([]ddbtypes.KeySchemaElement, error) {
		if err := addAttr(pk); err != nil {
			return nil, err
		}
		ks := []ddbtypes.KeySchemaElement{{AttributeName: aws.String(pk.Name), KeyType: ddbtypes.KeyTypeHash}}
		if sk.Name != "" {
			if err := addAttr(sk); err != nil {
				return nil, err
			}
			ks = append(ks, ddbtypes.KeySchemaElement{AttributeName: aws.String(sk.Name), KeyType: ddbtypes.KeyTypeRange})
		}
		return ks, nil
	}
	ks, err := keySchema(def.PartitionKey, def.SortKey)
	if err != nil {
		return nil, err
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema:   ks,
	}
	for _, ix := range def.Indexes {
		iks, err := keySchema(ix.PartitionKey, ix.SortKey)
		if err != nil {
			return nil, fmt.Errorf("index %q: %w", ix.Name, err)
		}
		proj := ddbtypes.ProjectionType(ix.Projection)
		if proj == "" {
			proj = ddbtypes.ProjectionTypeAll
		}
		if !slices.Contains(proj.Values(), proj) {
			return nil, fmt.Errorf("index %q: unknown projection %q", ix.Name, ix.Projection)
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, ddbtypes.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  iks,
			Projection: &ddbtypes.Projection{ProjectionType: proj},
		})
	}
	in.AttributeDefinitions = attrs
	if def.StreamView != "" {
		view := ddbtypes.StreamViewType(def.StreamView)
		if !slices.Contains(view.Values(), view) {
			return nil, fmt.Errorf("unknown stream view type %q", def.StreamView)
		}
		in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}
	}
	return in, nil
}

// sameShape compares the key schema and index names of an existing table
// with the ones CreateTable would have used.
func sameShape(got *ddbtypes.TableDescription, want *dynamodb.CreateTableInput) error {
	if got == nil {
		return errors.New("no table description")
	}
	if a, b := keyString(got.KeySchema), keyString(want.KeySchema); a != b {
		return fmt.Errorf("key schema is %s, want %s", a, b)
	}
	gotIx := map[string]string{}
	for _, ix := range got.GlobalSecondaryIndexes {
		gotIx[aws.ToString(ix.IndexName)] = keyString(ix.KeySchema)
	}
	for _, ix := range want.GlobalSecondaryIndexes {
		name := aws.ToString(ix.IndexName)
		g, ok := gotIx[name]
		if !ok {
			return fmt.Errorf("index %q is missing", name)
		}
		if w := keyString(ix.KeySchema); g != w {
			return fmt.Errorf("index %q key schema is %s, want %s", name, g, w)
		}
	}
	return nil
}

func keyString(ks []ddbtypes.KeySchemaElement) string {
	parts := make([]string, 0, len(ks))
	for _, k := range ks {
		parts = append(parts, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// ensureTTL enables TTL on attr unless it already is. UpdateTimeToLive fails
// on AWS when TTL is already enabled, hence the describe first.
func ensureTTL(ctx context.Context, db *dynamodb.Client, table, attr string) error {
	d, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		return fmt.Errorf("describe TTL of %q: %w", table, err)
	}
	if ttl := d.TimeToLiveDescription; ttl != nil && aws.ToString(ttl.AttributeName) == attr &&
		(ttl.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled || ttl.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
			AttributeName: aws.String(attr),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("enable TTL on %q.%s: %w", table, attr, err)
	}
	return nil
}

// DeleteTable deletes table name and waits until it is gone. A table that
// does not exist is not an error.
func DeleteTable(ctx context.Context, db *dynamodb.Client, name string) error {
	_, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	var notFound *ddbtypes.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete table %q: %w", name, err)
	}
	w := dynamodb.NewTableNotExistsWaiter(db, func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 2 * time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tableWait); err != nil {
		return fmt.Errorf("wait for table %q to be deleted: %w", name, err)
	}
	return nil
}

// MaxQueueNameLen is SQS's limit on a queue name, ".fifo" included.
const MaxQueueNameLen = 80

var queueNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// CreateQueues creates prefix+def.Name for each def, dead-letter queues
// before the queues that redrive to them, and returns each def's Name mapped
// to its queue URL. prefix lets tests create isolated copies
// ("t123-cch-events.fifo"); the main stack uses "". Creating a queue that
// exists with other attributes updates the mutable ones instead of failing,
// so a changed definition converges. On error the map holds the queues
// created so far, so a caller can clean them up.
func CreateQueues(ctx context.Context, q *sqs.Client, defs []resources.QueueDef, prefix string) (map[string]string, error) {
	byName := map[string]resources.QueueDef{}
	for _, d := range defs {
		if _, dup := byName[d.Name]; dup {
			return nil, fmt.Errorf("queue %q defined twice", d.Name)
		}
		byName[d.Name] = d
	}
	urls := map[string]string{}
	arns := map[string]string{}
	// Create in dependency order: a queue once its dead-letter queue exists.
	for len(urls) < len(defs) {
		progress := false
		for _, d := range defs {
			if _, done := urls[d.Name]; done {
				continue
			}
			if d.DeadLetter != "" {
				if _, ok := byName[d.DeadLetter]; !ok {
					return nil, fmt.Errorf("queue %q: dead-letter queue %q is not among the definitions", d.Name, d.DeadLetter)
				}
				if _, ok := arns[d.DeadLetter]; !ok {
					continue
				}
			}
			url, arn, err := createQueue(ctx, q, d, prefix, arns[d.DeadLetter])
			if err != nil {
				return urls, err
			}
			urls[d.Name], arns[d.Name] = url, arn
			progress = true
		}
		if !progress {
			return nil, errors.New("queue definitions have a dead-letter cycle")
		}
	}
	return urls, nil
}

// Attributes set only when a queue is HighThroughput (FIFO high throughput
// mode: deduplication and throughput limit per message group).
const (
	attrDedupScope      = "DeduplicationScope"
	attrThroughputLimit = "FifoThroughputLimit"
)

func createQueue(ctx context.Context, q *sqs.Client, d resources.QueueDef, prefix, dlqARN string) (url, arn string, err error) {
	name := prefix + d.Name
	if err := checkQueueName(name, d.FIFO); err != nil {
		return "", "", err
	}
	attrs, err := queueAttributes(d, dlqARN)
	if err != nil {
		return "", "", fmt.Errorf("queue %q: %w", name, err)
	}
	url, err = createOrUpdate(ctx, q, name, attrs)
	if err != nil && d.HighThroughput && isInvalidAttribute(err) {
		// The emulator does not know the high-throughput attributes. They
		// only change deduplication scope and throughput limits, not
		// ordering or delivery, so the queue is created without them
		// rather than not at all. ElasticMQ 1.6.14 accepts both without
		// error but ignores them (they are not returned by
		// GetQueueAttributes and deduplication stays queue-wide), so this
		// fallback is for stricter emulators.
		delete(attrs, attrDedupScope)
		delete(attrs, attrThroughputLimit)
		url, err = createOrUpdate(ctx, q, name, attrs)
	}
	if err != nil {
		return "", "", err
	}
	out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", "", fmt.Errorf("get ARN of queue %q: %w", name, err)
	}
	arn = out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	if arn == "" {
		return "", "", fmt.Errorf("queue %q: no QueueArn attribute returned", name)
	}
	return url, arn, nil
}

func checkQueueName(name string, fifo bool) error {
	base := name
	if fifo {
		var ok bool
		if base, ok = strings.CutSuffix(name, ".fifo"); !ok {
			return fmt.Errorf("queue %q: a FIFO queue's name must end in .fifo", name)
		}
	} else if strings.HasSuffix(name, ".fifo") {
		return fmt.Errorf("queue %q: only FIFO queues may end in .fifo", name)
	}
	if len(name) > MaxQueueNameLen {
		return fmt.Errorf("queue %q: name is %d characters, limit %d", name, len(name), MaxQueueNameLen)
	}
	if !queueNameRE.MatchString(base) {
		return fmt.Errorf("queue %q: name may only contain [a-zA-Z0-9_-]", name)
	}
	return nil
}

func queueAttributes(d resources.QueueDef, dlqARN string) (map[string]string, error) {
	attrs := map[string]string{}
	if d.FIFO {
		attrs[string(sqstypes.QueueAttributeNameFifoQueue)] = "true"
	}
	if d.VisibilityTimeout > 0 {
		attrs[string(sqstypes.QueueAttributeNameVisibilityTimeout)] = seconds(d.VisibilityTimeout)
	}
	if d.MessageRetention > 0 {
		attrs[string(sqstypes.QueueAttributeNameMessageRetentionPeriod)] = seconds(d.MessageRetention)
	}
	if d.DeadLetter != "" {
		if d.MaxReceiveCount <= 0 {
			return nil, fmt.Errorf("dead-letter queue %q set but MaxReceiveCount is %d", d.DeadLetter, d.MaxReceiveCount)
		}
		policy, err := json.Marshal(map[string]string{
			"deadLetterTargetArn": dlqARN,
			"maxReceiveCount":     strconv.Itoa(d.MaxReceiveCount),
		})
		if err != nil {
			return nil, fmt.Errorf("encode redrive policy: %w", err)
		}
		attrs[string(sqstypes.QueueAttributeNameRedrivePolicy)] = string(policy)
	}
	if d.HighThroughput {
		if !d.FIFO {
			return nil, errors.New("HighThroughput applies to FIFO queues only")
		}
		attrs[attrDedupScope] = "messageGroup"
		attrs[attrThroughputLimit] = "perMessageGroupId"
	}
	return attrs, nil
}

func seconds(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10)
}

// createOrUpdate creates the queue; if it exists with different attributes
// (QueueAlreadyExists / QueueNameExists) it sets the mutable ones instead.
// FifoQueue cannot be changed after creation and is left out of the update.
func createOrUpdate(ctx context.Context, q *sqs.Client, name string, attrs map[string]string) (string, error) {
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err == nil {
		return aws.ToString(out.QueueUrl), nil
	}
	if !isQueueExists(err) {
		return "", fmt.Errorf("create queue %q: %w", name, err)
	}
	got, gerr := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if gerr != nil {
		return "", fmt.Errorf("create queue %q: exists, but get its URL: %w", name, gerr)
	}
	url := aws.ToString(got.QueueUrl)
	mutable := map[string]string{}
	for k, v := range attrs {
		if k != string(sqstypes.QueueAttributeNameFifoQueue) {
			mutable[k] = v
		}
	}
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: mutable}); err != nil {
		return "", fmt.Errorf("update attributes of existing queue %q: %w", name, err)
	}
	return url, nil
}

func isQueueExists(err error) bool {
	var exists *sqstypes.QueueNameExists
	if errors.As(err, &exists) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "QueueAlreadyExists" || ae.ErrorCode() == "QueueNameExists")
}

func isInvalidAttribute(err error) bool {
	var inv *sqstypes.InvalidAttributeName
	if errors.As(err, &inv) {
		return true
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "InvalidAttributeName", "InvalidAttributeValue":
		return true
	}
	return false
}

// DeleteQueue deletes the queue at url. A queue that does not exist is not
// an error.
func DeleteQueue(ctx context.Context, q *sqs.Client, url string) error {
	_, err := q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
	var missing *sqstypes.QueueDoesNotExist
	if err == nil || errors.As(err, &missing) {
		return nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "AWS.SimpleQueueService.NonExistentQueue" || ae.ErrorCode() == "QueueDoesNotExist") {
		return nil
	}
	return fmt.Errorf("delete queue %s: %w", url, err)
}

// CreateBucket creates an S3 bucket on the local S3 server; one that
// already exists (and is ours) is accepted.
func CreateBucket(ctx context.Context, client *s3.Client, name string) error {
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var owned *s3types.BucketAlreadyOwnedByYou
	var exists *s3types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	return nil
}

// DeleteBucket deletes a bucket and every object in it (tests' cleanup).
func DeleteBucket(ctx context.Context, client *s3.Client, name string) error {
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list bucket %q: %w", name, err)
		}
		for _, o := range page.Contents {
			if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key}); err != nil {
				return fmt.Errorf("delete %s/%s: %w", name, aws.ToString(o.Key), err)
			}
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		return fmt.Errorf("delete bucket %q: %w", name, err)
	}
	return nil
}
