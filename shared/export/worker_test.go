package export_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/customercloud/home/shared/export"
	"github.com/customercloud/home/shared/export/s3objects"
	"github.com/customercloud/home/shared/records"
	"github.com/customercloud/home/shared/wiring/exportapp"
	"github.com/customercloud/home/tests/pipeline"
	"github.com/customercloud/home/tests/testkit"
)

var quiet = slog.New(slog.NewJSONHandler(io.Discard, nil))

// TestWorkerRetriesThenGivesUp: given a queued export whose bucket cannot
// be written (it does not exist on the local S3 server), when the worker
// runs it before its last receive, then it reports the job for retry and
// the record says running; on the last receive it marks the record failed
// with a reason and acknowledges. A job whose record is failed, done or
// gone is acknowledged without writing, and a message that is not a job
// is dropped, not retried.
func TestWorkerRetriesThenGivesUp(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	p := pipeline.New(t, pipeline.Options{Now: now, NoQueue: true, Exports: true})
	ctx := context.Background()
	const org = "retry"
	id, _ := export.NewID()
	rec := records.Export{ID: id, From: "2026-11-01", To: "2026-11-20", View: export.ViewLedger, Status: export.StatusQueued,
		ObjectKey: export.ObjectKey(org, id), CreatedAt: now, Updated: now, ExpiresAt: now.Add(export.Retention)}
	if err := p.Store.CreateExport(ctx, org, rec); err != nil {
		t.Fatal(err)
	}
	nowhere := testkit.Must(s3objects.New(s3objects.Config{Client: p.Env.S3, Name: "no-such-bucket-" + p.Bucket}))(t)
	broken := testkit.Must(export.NewWorker(export.WorkerConfig{Source: p.Store, Objects: nowhere, Log: quiet}))(t)
	if _, err := broken.Run(ctx, export.Job{Org: org, ID: id}, false); err == nil {
		t.Fatal("a failed write before the last receive must be retried")
	}
	if got, _ := p.Store.GetExport(ctx, org, id); got.Status != export.StatusRunning {
		t.Fatalf("status %q, want running", got.Status)
	}
	if _, err := broken.Run(ctx, export.Job{Org: org, ID: id}, true); err != nil {
		t.Fatalf("the last receive must be acknowledged: %v", err)
	}
	got, _ := p.Store.GetExport(ctx, org, id)
	if got.Status != export.StatusFailed || got.Reason == "" {
		t.Fatalf("record %+v, want failed with a reason", got)
	}
	// Failed, or unknown: acknowledged, nothing written.
	for _, j := range []export.Job{{Org: org, ID: id}, {Org: org, ID: "exp_00000000000000000000000000000000"}} {
		res, err := p.Exporter.Run(ctx, j, false)
		if err != nil || res.Rows != 0 || res.Parts != 0 {
			t.Fatalf("job %+v: %+v %v", j, res, err)
		}
	}
	h := exportapp.Handler(p.Exporter, quiet)
	resp, err := h(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: `{"org":"x"}`}}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("a malformed job must be dropped: %+v %v", resp, err)
	}
}
