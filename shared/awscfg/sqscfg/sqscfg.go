// Package sqscfg builds the SQS client on awscfg's configuration. It is apart
// from awscfg so that the functions without a queue (the Home API, the
// rollup) do not link the SQS client and pay its package init at every cold
// start.
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
	endpoint := getenv(resources.EnvSQSEndpoint)
	if endpoint == "" {
		endpoint = awscfg.ServiceEndpoint(getenv, "SQS")
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}
