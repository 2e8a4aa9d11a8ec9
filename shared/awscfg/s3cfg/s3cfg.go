// Package s3cfg builds the S3 client on awscfg's configuration. It is apart
// from awscfg so that the functions without a bucket do not link the S3
// client and pay its package init at every cold start.
package s3cfg

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/resources"
)

// New returns an S3 client. When S3_ENDPOINT (read through getenv) is set,
// it talks to that local S3-compatible server with path-style addressing
// (http://host:port/bucket/key: a loopback endpoint has no per-bucket DNS
// names), and computes checksums only where S3 requires them (the local
// server does not check the optional ones). Against AWS everything is the
// SDK's default (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL when set).
func New(cfg aws.Config, getenv awscfg.Getenv) *s3.Client {
	base, local := awscfg.BaseEndpoint(getenv, resources.EnvS3Endpoint, "S3")
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = base
		if local {
			o.UsePathStyle = true
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
}
