// Package awsexports is the Home API's side of the asynchronous export on
// AWS: it sends jobs to the exports queue and presigns links to finished
// files (home.Exports).
package awsexports

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/export/s3objects"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
)

// Service sends export jobs and presigns links.
type Service struct {
	SQS      *sqscall.Client
	QueueURL string
	Bucket   *s3objects.Bucket
}

// FromEnv is the service on EXPORTS_QUEUE_URL and EXPORTS_BUCKET, with cfg
// (the builder's one SDK configuration).
func FromEnv(cfg aws.Config, getenv wiring.Getenv) (Service, error) {
	b, err := s3objects.FromEnv(cfg, getenv)
	if err != nil {
		return Service{}, err
	}
	u, err := wiring.Need(getenv, resources.EnvExportsQueueURL)
	if err != nil {
		return Service{}, err
	}
	return Service{SQS: sqscall.New(cfg, getenv), QueueURL: u, Bucket: b}, nil
}

// Enqueue sends a job to the exports queue.
func (s Service) Enqueue(ctx context.Context, j export.Job) error {
	body := export.EncodeJob(j)
	if _, err := s.SQS.SendMessage(ctx, &sqscall.SendMessageInput{QueueUrl: &s.QueueURL, MessageBody: &body}); err != nil {
		return fmt.Errorf("enqueue export: %w", err)
	}
	return nil
}

// Link presigns a download of key.
func (s Service) Link(ctx context.Context, key, filename string, ttl time.Duration) (string, error) {
	return s.Bucket.Link(ctx, key, filename, ttl)
}
