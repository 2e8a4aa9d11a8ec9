// Package resources is the one definition of the system's AWS resources:
// table keys, indexes and TTL, queues and their redrive, functions with their
// environment, routes and schedules. The CDK app reads it directly, the local
// stack creates its tables and queues from it, and a drift test holds
// template.yaml to it, so there is no second copy to drift.
package resources

import "time"

// Environment variable names shared by the functions, the templates and the
// local runner. Each is read in exactly one place: the function's config.
const (
	EnvTableName         = "TABLE_NAME"
	EnvEventsQueueURL    = "EVENTS_QUEUE_URL"
	EnvDeadLetterURL     = "DLQ_URL"
	EnvSentimentProvider = "SENTIMENT_PROVIDER"
	EnvLogLevel          = "LOG_LEVEL"
	EnvDynamoDBEndpoint  = "DYNAMODB_ENDPOINT" // local only
	EnvSQSEndpoint       = "SQS_ENDPOINT"      // local only
	// EnvProducerSecrets names the SSM SecureString parameter (in AWS) that
	// holds the per-organization producer secrets; locally the runner passes
	// the JSON itself in EnvProducerSecretsJSON.
	EnvProducerSecretsParam = "PRODUCER_SECRETS_PARAM"
	EnvProducerSecretsJSON  = "PRODUCER_SECRETS_JSON"
	// EnvMetaAppSecretParam and EnvMetaVerifyTokenParam name the SSM
	// parameters for Meta's webhooks (app secret, verify token); locally the
	// values come in EnvMetaAppSecret and EnvMetaVerifyToken.
	EnvMetaAppSecretParam   = "META_APP_SECRET_PARAM"
	EnvMetaVerifyTokenParam = "META_VERIFY_TOKEN_PARAM"
	EnvMetaAppSecret        = "META_APP_SECRET"
	EnvMetaVerifyToken      = "META_VERIFY_TOKEN"
	// EnvLocalTokenJWKS turns on home-api's own bearer token check for
	// `sam local start-api`, which skips HTTP API JWT authorizers: the local
	// key set (JWKS JSON) that signs `make token`'s tokens. Local only: no
	// AWS template ever sets it (docs/DEPLOY.md, "Tokens under sam local").
	EnvLocalTokenJWKS = "LOCAL_TOKEN_JWKS"
	// EnvNotificationsBus is the EventBridge bus threshold notifications go
	// to (its name in AWS; locally the runner plays it).
	EnvNotificationsBus = "NOTIFICATIONS_BUS_NAME"
	// EnvWebhookQueueURL is the queue of outgoing notification webhooks
	// (the notify function delays retries on it).
	EnvWebhookQueueURL = "WEBHOOK_QUEUE_URL"
	// EnvNotificationsQueueURL is local only: the SQS queue standing for a
	// target of the bus, which tests and people read.
	EnvNotificationsQueueURL = "NOTIFICATIONS_QUEUE_URL"

	// Usage exports (issue 11): the bucket the export worker writes and
	// the Home API presigns links to, and the queue of export jobs.
	EnvExportsBucket   = "EXPORTS_BUCKET"
	EnvExportsQueueURL = "EXPORTS_QUEUE_URL"
	EnvS3Endpoint      = "S3_ENDPOINT" // local only

	// EnvMetricsWorkQueueURL is the fan-out queue of the scheduled
	// per-organization metrics work (shared/fanout): the lister sends
	// organization ids (and the listing's own continuation) to it.
	EnvMetricsWorkQueueURL = "METRICS_WORK_QUEUE_URL"
)

// The CloudWatch metric the reconciliation writes (embedded metric format,
// shared/emf): cells of an organization's incremental aggregates found
// different from a full recount. Its alarm is in both templates.
const (
	MetricsNamespace   = "CustomerCloudHome"
	MetricsDriftMetric = "AggregateDrift"
	// MetricsUndecodable counts stream records of contact states the
	// aggregate function could not read and skipped (shared/aggregate);
	// alarmed on above 0, repaired by the reconciliation.
	MetricsUndecodable = "AggregateUndecodableRecords"
)

// KeyType is a DynamoDB attribute type used in a key.
type KeyType string

// Key attribute types.
const (
	String KeyType = "S"
	Number KeyType = "N"
)

// Key is one key attribute.
type Key struct {
	Name string
	Type KeyType
}

// Index is a global secondary index.
type Index struct {
	Name         string
	PartitionKey Key
	SortKey      Key
	// Projection is KEYS_ONLY, INCLUDE or ALL.
	Projection string
}

// TableDef describes a DynamoDB table.
type TableDef struct {
	// Name is the physical name used locally and the logical base name in AWS.
	Name         string
	PartitionKey Key
	SortKey      Key
	TTLAttribute string
	Indexes      []Index
	// StreamView is the table's DynamoDB Streams view type ("" for no
	// stream). The contact-state writes are the outbox of the Home
	// aggregates: the aggregate function reads their old and new images.
	StreamView string
}

// QueueDef describes an SQS queue.
type QueueDef struct {
	Name              string
	FIFO              bool
	VisibilityTimeout time.Duration
	// MessageRetention is how long SQS keeps a message not deleted.
	MessageRetention time.Duration
	// DeadLetter is the name of the queue failed messages move to after
	// MaxReceiveCount receives; empty for a dead-letter queue itself.
	DeadLetter      string
	MaxReceiveCount int
	// HighThroughput sets deduplication scope and throughput limit per message
	// group, so unrelated contacts never queue behind one another.
	HighThroughput bool
}

// deadLetterQueue is a standard queue that holds what another gave up on:
// SQS's longest retention (14 days), so a failure can be read and redriven
// long after it happened, and no redrive of its own.
func deadLetterQueue(name string) QueueDef {
	return QueueDef{Name: name, VisibilityTimeout: 60 * time.Second, MessageRetention: 14 * 24 * time.Hour}
}

// Route is an HTTP API route.
type Route struct {
	Method string
	Path   string
	// Authorized routes go through the JWT authorizer.
	Authorized bool
}

// FunctionKind is the kind of trigger a function has.
type FunctionKind string

// Function kinds.
const (
	HTTP      FunctionKind = "http"
	Queue     FunctionKind = "queue"
	Scheduled FunctionKind = "scheduled"
	// TableStream functions consume the table's DynamoDB Stream.
	TableStream FunctionKind = "stream"
)

// StreamSource is how a TableStream function reads the table's stream: an
// event source mapping with batching, retries that split a failing batch
// down to the record that fails, and a destination for records given up on.
type StreamSource struct {
	BatchSize      int
	BatchingWindow time.Duration
	// MaxRetries and MaxRecordAge bound how long a failing record blocks
	// its shard before it goes to OnFailure.
	MaxRetries    int
	MaxRecordAge  time.Duration
	BisectOnError bool
	// OnFailure is the queue that receives the metadata of records given
	// up on (the reconciliation repairs what they would have counted).
	OnFailure string
	// ReportBatchItemFailures: the handler names the first record that
	// failed, so retries resume there instead of from the batch's start.
	ReportBatchItemFailures bool
	// Filters are Lambda event filter patterns (ORed); only matching
	// records invoke the function (and are billed).
	Filters []string
	// StartingPosition is TRIM_HORIZON: no record written after the
	// mapping exists is skipped.
	StartingPosition string
	// IteratorAgeAlarm is the alarm threshold on the age of the last
	// record read: how stale the Home's live figures may get.
	IteratorAgeAlarm time.Duration
}

// FunctionDef describes one Lambda function.
type FunctionDef struct {
	// Name is the folder under functions/ and the function's logical name.
	Name       string
	Kind       FunctionKind
	MemoryMB   int
	Timeout    time.Duration
	Env        []string // names of the environment variables it reads
	Routes     []Route
	Queue      string        // for Queue functions
	BatchSize  int           // for Queue functions
	Schedule   string        // EventBridge expression, for Scheduled functions
	Stream     *StreamSource // for TableStream functions
	TableRead  bool
	TableWrite bool
	SendsTo    []string // queue names it sends messages to
	Comprehend bool     // calls comprehend:DetectSentiment
	// PutsEvents: publishes to the notifications bus (events:PutEvents).
	PutsEvents bool
	// ChangesVisibility: delays its own queue's failed messages
	// (sqs:ChangeMessageVisibility), for backoff. Every queue consumer
	// holds that action already (iac.consumeActions); this documents it.
	ChangesVisibility bool
	// WritesExports: writes export objects under the exports bucket's
	// prefix by multipart upload (s3:PutObject, s3:AbortMultipartUpload).
	WritesExports bool
	// PresignsExports: presigns download links of export objects, which
	// needs s3:GetObject on them (the link carries the signer's rights).
	PresignsExports bool
}

// BusDef describes an EventBridge custom bus and the rule that feeds the
// outgoing webhooks' queue from it.
type BusDef struct {
	Name string
	// DetailTypes are the detail-types the rule sends to RuleTarget.
	DetailTypes []string
	Source      string
	RuleTarget  string // queue name
}

// Authorizer claims: the token's organization and access profile.
const (
	ClaimOrg     = "custom:orgId"
	ClaimProfile = "custom:profile"
)

// The system's resources.
var (
	Table = TableDef{
		Name:         "cch-main",
		PartitionKey: Key{Name: "pk", Type: String},
		SortKey:      Key{Name: "sk", Type: String},
		TTLAttribute: "expiresAt",
		Indexes: []Index{{
			Name:         "gsi1",
			PartitionKey: Key{Name: "gsi1pk", Type: String},
			SortKey:      Key{Name: "gsi1sk", Type: String},
			Projection:   "KEYS_ONLY",
		}},
		StreamView: "NEW_AND_OLD_IMAGES",
	}

	EventsDLQ = QueueDef{
		Name:              "cch-events-dlq.fifo",
		FIFO:              true,
		VisibilityTimeout: 60 * time.Second,
		MessageRetention:  14 * 24 * time.Hour,
	}

	// MaxReceiveCount is high because a transient failure (a storage
	// outage) must keep a contact's events in the queue, in order,
	// for as long as it lasts: the debit handler holds failed
	// messages back on a growing schedule (debit.DefaultRetry: 30 s
	// doubling to 15 min), so 1,000 receives (SQS's maximum) last
	// about 10.4 days, within the 14-day retention. The handler
	// dead-letters a message itself, with its reason, at its
	// 1,000th receive; the redrive only moves messages whose handler
	// never answered (crashes, timeouts) that many times.
	EventsQueue = QueueDef{
		Name:              "cch-events.fifo",
		FIFO:              true,
		VisibilityTimeout: 60 * time.Second,
		MessageRetention:  14 * 24 * time.Hour,
		DeadLetter:        EventsDLQ.Name,
		MaxReceiveCount:   1000,
		HighThroughput:    true,
	}

	// WebhooksDLQ holds outgoing webhooks given up on.
	WebhooksDLQ = deadLetterQueue("cch-webhooks-dlq")

	// WebhooksQueue feeds the notify function from the notifications bus;
	// retries back off (ChangeMessageVisibility) and end in WebhooksDLQ.
	WebhooksQueue = QueueDef{
		Name:              "cch-webhooks",
		VisibilityTimeout: 60 * time.Second,
		MessageRetention:  4 * 24 * time.Hour,
		DeadLetter:        WebhooksDLQ.Name,
		MaxReceiveCount:   8,
	}

	// --- usage exports (issue 11) ---

	// ExportsDLQ holds export jobs given up on.
	ExportsDLQ = deadLetterQueue("cch-exports-dlq")

	// MetricsWorkDLQ holds organizations whose scheduled metrics work kept
	// failing (and listing continuations that did).
	MetricsWorkDLQ = deadLetterQueue("cch-metrics-work-dlq")

	// ExportsQueue feeds the export worker one job at a time. Its
	// visibility timeout exceeds the worker's 15-minute timeout (Lambda
	// requires at least the function's), so a running export is never
	// handed to a second worker; three receives, then the DLQ.
	ExportsQueue = QueueDef{
		Name:              "cch-exports",
		VisibilityTimeout: 16 * time.Minute,
		MessageRetention:  1 * 24 * time.Hour,
		DeadLetter:        ExportsDLQ.Name,
		MaxReceiveCount:   3,
	}

	// LocalExportsBucket is the exports bucket's name on the local S3
	// server (in AWS, CloudFormation names it).
	LocalExportsBucket = "cch-exports-local"

	// --- end usage exports ---

	// MetricsWorkQueue is the fan-out of the scheduled metrics work: the
	// schedule's lister sends one message per organization (and one that
	// continues the listing), the metrics worker consumes them in
	// parallel. Standard, not FIFO: tasks are idempotent and unordered.
	// The visibility timeout is six times the worker's timeout, as AWS
	// advises for Lambda consumers; a day's retention covers the retries
	// (the worker drops tasks a later run has superseded).
	MetricsWorkQueue = QueueDef{
		Name:              "cch-metrics-work",
		VisibilityTimeout: 90 * time.Minute,
		MessageRetention:  24 * time.Hour,
		DeadLetter:        MetricsWorkDLQ.Name,
		MaxReceiveCount:   3,
	}

	// AggregateFailures is the aggregate function's on-failure
	// destination: metadata (shard, sequence range) of stream records
	// given up on after the mapping's retries. Nothing consumes it; its
	// depth alarm calls an operator, and the reconciliation repairs the
	// organizations concerned.
	AggregateFailures = deadLetterQueue("cch-aggregate-failures")

	Queues = []QueueDef{EventsDLQ, EventsQueue, WebhooksDLQ, WebhooksQueue, ExportsDLQ, ExportsQueue, MetricsWorkDLQ, MetricsWorkQueue, AggregateFailures}

	// LocalNotificationsQueue exists only on this machine: the local
	// runner's stand-in for a target of the notifications bus, which tests
	// and people read (NOTIFICATIONS_QUEUE_URL). Not part of the stack.
	LocalNotificationsQueue = QueueDef{
		Name:              "cch-notifications-local",
		VisibilityTimeout: 30 * time.Second,
		MessageRetention:  4 * 24 * time.Hour,
	}

	// NotificationsBus is the custom bus of threshold notifications.
	NotificationsBus = BusDef{
		Name:        "cch-notifications",
		Source:      "cch.interactionz",
		DetailTypes: []string{"interactionz.threshold.crossed"},
		RuleTarget:  WebhooksQueue.Name,
	}

	HomeAPI = FunctionDef{
		Name: "home-api", Kind: HTTP, MemoryMB: 256, Timeout: 10 * time.Second,
		Env: []string{EnvTableName, EnvLogLevel, EnvExportsBucket, EnvExportsQueueURL},
		Routes: []Route{
			{Method: "GET", Path: "/v1/home", Authorized: true},
			{Method: "GET", Path: "/v1/consumption", Authorized: true},
			{Method: "PUT", Path: "/v1/plan", Authorized: true},
			{Method: "GET", Path: "/v1/consumption/cycles", Authorized: true},
			{Method: "PUT", Path: "/v1/notifications/webhook", Authorized: true},
			{Method: "POST", Path: "/v1/consumption/exports", Authorized: true},
			{Method: "GET", Path: "/v1/consumption/exports/{id}", Authorized: true},
		},
		TableRead: true, TableWrite: true,
		// Export jobs, and the links to their files.
		SendsTo:         []string{ExportsQueue.Name},
		PresignsExports: true,
	}

	Debit = FunctionDef{
		Name: "debit", Kind: Queue, MemoryMB: 256, Timeout: 10 * time.Second,
		// EnvEventsQueueURL: failed messages are held back on their own
		// queue (ChangeMessageVisibility), which needs its URL.
		Env:       []string{EnvTableName, EnvEventsQueueURL, EnvDeadLetterURL, EnvSentimentProvider, EnvLogLevel, EnvNotificationsBus},
		Queue:     EventsQueue.Name,
		BatchSize: 10,
		TableRead: true, TableWrite: true,
		SendsTo:    []string{EventsDLQ.Name},
		Comprehend: true,
		PutsEvents: true,
	}

	// Rollup is the metrics schedule's lister: it lists one page of
	// organizations and sends each one's task, and the listing's
	// continuation, to MetricsWorkQueue (shared/fanout). It reads no
	// contact: the Home's figures are kept by Aggregate.
	Rollup = FunctionDef{
		Name: "rollup", Kind: Scheduled, MemoryMB: 128, Timeout: time.Minute,
		Env:       []string{EnvTableName, EnvMetricsWorkQueueURL, EnvLogLevel},
		Schedule:  "rate(5 minutes)",
		TableRead: true,
		SendsTo:   []string{MetricsWorkQueue.Name},
	}

	// MetricsWorker runs one organization's scheduled work per message
	// (the threshold sweep, pruning expired aggregate days, and the
	// reconciliation when it is the organization's turn), or continues
	// the listing. Its timeout is the reconciliation's: a recount of the
	// largest organizations (10^6 contacts) takes minutes; every other
	// task takes milliseconds.
	MetricsWorker = FunctionDef{
		Name: "metrics-worker", Kind: Queue, MemoryMB: 512, Timeout: 15 * time.Minute,
		Env:       []string{EnvTableName, EnvMetricsWorkQueueURL, EnvLogLevel, EnvNotificationsBus},
		Queue:     MetricsWorkQueue.Name,
		BatchSize: 10,
		TableRead: true, TableWrite: true,
		// A listing continuation sends the next page's tasks.
		SendsTo:    []string{MetricsWorkQueue.Name},
		PutsEvents: true,
	}

	// Aggregate keeps each organization's Home aggregates from the
	// table's stream of contact states (shared/aggregate).
	Aggregate = FunctionDef{
		Name: "aggregate", Kind: TableStream, MemoryMB: 256, Timeout: time.Minute,
		Env: []string{EnvTableName, EnvLogLevel},
		Stream: &StreamSource{
			BatchSize: 1000, BatchingWindow: 5 * time.Second,
			MaxRetries: 10, MaxRecordAge: 24 * time.Hour, BisectOnError: true,
			OnFailure: AggregateFailures.Name,
			// The processor fails a batch as a whole (its marks make the
			// retry exactly-once), so there are no item failures to report.
			ReportBatchItemFailures: false,
			// Contact states (and the profile, the only other item with a
			// binary "st"; the processor skips it): no filter can say
			// "contact" by key prefix, since every item of an
			// organization starts "ORG#<org>" and a contact's sort key is
			// its bare id. Ledger, totals, spill and aggregate items never
			// invoke the function.
			Filters: []string{
				`{"dynamodb":{"NewImage":{"st":{"B":[{"exists":true}]}}}}`,
				`{"dynamodb":{"OldImage":{"st":{"B":[{"exists":true}]}}}}`,
			},
			StartingPosition: "TRIM_HORIZON",
			IteratorAgeAlarm: 5 * time.Minute,
		},
		TableRead: true, TableWrite: true,
		SendsTo: []string{AggregateFailures.Name},
	}

	// Notify delivers outgoing notification webhooks from WebhooksQueue.
	Notify = FunctionDef{
		Name: "notify", Kind: Queue, MemoryMB: 128, Timeout: 30 * time.Second,
		Env:       []string{EnvTableName, EnvWebhookQueueURL, EnvLogLevel},
		Queue:     WebhooksQueue.Name,
		BatchSize: 10,
		TableRead: true,
		// Backoff between attempts.
		ChangesVisibility: true,
	}

	Webhook = FunctionDef{
		Name: "webhook", Kind: HTTP, MemoryMB: 256, Timeout: 10 * time.Second,
		Env: []string{EnvEventsQueueURL, EnvTableName, EnvProducerSecretsParam,
			EnvMetaAppSecretParam, EnvMetaVerifyTokenParam, EnvLogLevel},
		Routes: []Route{
			{Method: "POST", Path: "/v1/events"},
			{Method: "GET", Path: "/v1/webhooks/{provider}"},
			{Method: "POST", Path: "/v1/webhooks/{provider}"},
		},
		TableRead: true,
		SendsTo:   []string{EventsQueue.Name},
	}

	// Export writes usage exports (issue 11): a year of a large
	// organization's ledger, page by page, into a multipart upload.
	// 15 minutes is Lambda's most; docs/PERFORMANCE.md has the measured
	// rate against it.
	Export = FunctionDef{
		Name: "export", Kind: Queue, MemoryMB: 512, Timeout: 15 * time.Minute,
		Env:       []string{EnvTableName, EnvExportsBucket, EnvLogLevel},
		Queue:     ExportsQueue.Name,
		BatchSize: 1,
		TableRead: true, TableWrite: true,
		WritesExports: true,
	}

	Functions = []FunctionDef{HomeAPI, Debit, Rollup, Webhook, Notify, Export, MetricsWorker, Aggregate}
)

// CORS is the HTTP API's CORS configuration; AllowOrigins is set per
// deployment (parameter in AWS, CORS_ALLOW_ORIGINS locally).
var CORS = struct {
	AllowMethods  []string
	AllowHeaders  []string
	ExposeHeaders []string
	MaxAge        time.Duration
}{
	AllowMethods:  []string{"GET", "PUT", "POST", "OPTIONS"},
	AllowHeaders:  []string{"authorization", "content-type", "if-none-match"},
	ExposeHeaders: []string{"etag"},
	MaxAge:        10 * time.Minute,
}
