// Package sqscfg builds the SDK's SQS client on awscfg's configuration, for
// the tools and tests that receive, delete and create queues (the local
// runner's event source mapping, the seed, testenv). No function links it:
// its package init (SQS's schemas and endpoint tables, 0.24 MB in about
// 1,600 allocations) would be paid at every cold start; the functions make
// their few SQS calls through awscall/sqscall.
package sqscfg

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/resources"
)

// New returns an SQS client that talks to SQS_ENDPOINT, read through getenv,
// when it is set, else to AWS_ENDPOINT_URL_SQS when that is. The endpoint
// must be given explicitly: the client never derives it from the host inside
// a queue URL.
func New(cfg aws.Config, getenv awscfg.Getenv) *sqs.Client {
	base, _ := awscfg.BaseEndpoint(getenv, resources.EnvSQSEndpoint, "SQS")
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = base })
}
