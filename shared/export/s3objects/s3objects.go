// Package s3objects is the export's object store on S3: multipart uploads
// written part by part (memory holds one part, never the file) and
// presigned download links.
package s3objects

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/customercloud/home/shared/awscfg/s3cfg"
	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
)

// PartSize is the size of every part but the last: S3's minimum is 5 MiB;
// 8 MiB keeps a 132 MB year in 17 parts, far under S3's 10,000, and
// bounds the upload's memory to one part.
const PartSize = 8 << 20

// Bucket is the exports bucket.
type Bucket struct {
	client   *s3.Client
	presign  *s3.PresignClient
	name     string
	partSize int
}

// Config is what a Bucket is built from; New validates it.
type Config struct {
	Client *s3.Client
	Name   string
	// PartSize is an upload's part size; 0 is PartSize (tests: more parts
	// from less data; S3 refuses parts under 5 MiB but the last).
	PartSize int
}

// Validate says what is missing.
func (c Config) Validate() error {
	return config.Check("s3objects", config.Required("Client", c.Client != nil), config.Required("Name", c.Name != ""),
		config.NotNegative("PartSize", c.PartSize))
}

// New returns the bucket cfg.Name on cfg.Client.
func New(cfg Config) (*Bucket, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Bucket{client: cfg.Client, presign: s3.NewPresignClient(cfg.Client), name: cfg.Name, partSize: cmp.Or(cfg.PartSize, PartSize)}, nil
}

// FromEnv is the exports bucket named by EXPORTS_BUCKET, with cfg (the
// builder's one SDK configuration), on the local S3 server when
// S3_ENDPOINT is set.
func FromEnv(cfg aws.Config, getenv wiring.Getenv) (*Bucket, error) {
	name, err := wiring.Need(getenv, resources.EnvExportsBucket)
	if err != nil {
		return nil, err
	}
	return New(Config{Client: s3cfg.New(cfg, getenv), Name: name})
}

// Create starts a multipart upload of key.
func (b *Bucket) Create(ctx context.Context, key, contentType string) (export.Upload, error) {
	out, err := b.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &b.name, Key: &key, ContentType: &contentType,
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	if err != nil {
		return nil, fmt.Errorf("create multipart upload: %w", err)
	}
	return &upload{b: b, ctx: ctx, key: key, id: aws.ToString(out.UploadId), buf: make([]byte, 0, b.partSize)}, nil
}

// Link presigns a GET of key, valid for ttl, that downloads it as
// filename.
func (b *Bucket) Link(ctx context.Context, key, filename string, ttl time.Duration) (string, error) {
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: &b.name, Key: &key,
		ResponseContentDisposition: aws.String(`attachment; filename="` + url.PathEscape(filename) + `"`),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	return req.URL, nil
}

// upload is one multipart upload: Write fills a part buffer and sends it
// when full.
type upload struct {
	b     *Bucket
	ctx   context.Context
	key   string
	id    string
	buf   []byte
	parts []types.CompletedPart
}

func (u *upload) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := u.b.partSize - len(u.buf)
		take := min(room, len(p))
		u.buf = append(u.buf, p[:take]...)
		p = p[take:]
		if len(u.buf) == u.b.partSize {
			if err := u.send(u.ctx); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func (u *upload) send(ctx context.Context) error {
	num := int32(len(u.parts) + 1)
	out, err := u.b.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: &u.b.name, Key: &u.key, UploadId: &u.id, PartNumber: &num,
		Body: bytes.NewReader(u.buf), ContentLength: aws.Int64(int64(len(u.buf))),
	})
	if err != nil {
		return fmt.Errorf("upload part %d: %w", num, err)
	}
	u.parts = append(u.parts, types.CompletedPart{ETag: out.ETag, PartNumber: &num})
	u.buf = u.buf[:0]
	return nil
}

// Complete sends the last part and completes the upload.
func (u *upload) Complete(ctx context.Context) (int, error) {
	if len(u.buf) > 0 || len(u.parts) == 0 {
		if err := u.send(ctx); err != nil {
			return len(u.parts), err
		}
	}
	_, err := u.b.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &u.b.name, Key: &u.key, UploadId: &u.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts},
	})
	if err != nil {
		return len(u.parts), fmt.Errorf("complete multipart upload: %w", err)
	}
	return len(u.parts), nil
}

// Abort drops the upload's parts (the bucket's lifecycle rule also aborts
// uploads left incomplete).
func (u *upload) Abort(ctx context.Context) error {
	_, err := u.b.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &u.b.name, Key: &u.key, UploadId: &u.id})
	if err != nil {
		return fmt.Errorf("abort multipart upload: %w", err)
	}
	return nil
}
