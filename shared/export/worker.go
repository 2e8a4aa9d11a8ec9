package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/records"
)

// Source is what the worker reads: the export's record, the organization's
// zone, and the rows.
type Source interface {
	GetProfile(ctx context.Context, org string) (records.Profile, error)
	GetExport(ctx context.Context, org, id string) (records.Export, error)
	SetExportStatus(ctx context.Context, org string, r records.Export) error
	DayTotals(ctx context.Context, org, from, to string) ([]consumption.DayTotal, error)
	LedgerStream(ctx context.Context, org string, from, to time.Time, fn func([]consumption.LedgerEntry) error) (records.StreamStats, error)
}

// Upload is an object being written part by part: Write buffers up to a
// part and sends it; Complete sends the last part and makes the object;
// Abort drops the parts sent.
type Upload interface {
	io.Writer
	Complete(ctx context.Context) (parts int, err error)
	Abort(ctx context.Context) error
}

// Objects creates uploads (S3 multipart uploads in AWS and locally).
type Objects interface {
	Create(ctx context.Context, key, contentType string) (Upload, error)
}

// Worker writes exports.
type Worker struct {
	src  Source
	objs Objects
	log  *slog.Logger
	now  func() time.Time
}

// WorkerConfig is what a Worker is built from; NewWorker validates it.
type WorkerConfig struct {
	Source  Source
	Objects Objects
	Log     *slog.Logger
}

// Validate says what is missing.
func (c WorkerConfig) Validate() error {
	return config.Check("export", config.Required("Source", c.Source != nil), config.Required("Objects", c.Objects != nil),
		config.Required("Log", c.Log != nil))
}

// NewWorker builds a worker.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Worker{src: cfg.Source, objs: cfg.Objects, log: cfg.Log, now: time.Now}, nil
}

// Result is what one export wrote.
type Result struct {
	Rows, Bytes int64
	Parts       int
	Stream      records.StreamStats
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Run makes the export j names: it streams the range's rows, page by page,
// through the CSV writer into a multipart upload, then marks the record
// done (or failed, with a reason). A job whose record is gone (expired) or
// already done is acknowledged and skipped; one that was running when its
// worker died is run again from the start (the object is rewritten
// whole). The error is non-nil when the job should be retried: a storage
// failure before its last attempt (last: the queue will not deliver it
// again), which instead marks it failed.
func (w *Worker) Run(ctx context.Context, j Job, last bool) (Result, error) {
	rec, err := w.src.GetExport(ctx, j.Org, j.ID)
	if err != nil {
		return Result{}, err
	}
	if !rec.Exists || rec.Status == StatusDone || rec.Status == StatusFailed {
		w.log.InfoContext(ctx, "export skipped", "org", j.Org, "exportId", j.ID, "status", rec.Status)
		return Result{}, nil
	}
	rec.Status, rec.Updated = StatusRunning, w.now()
	if err := w.src.SetExportStatus(ctx, j.Org, rec); err != nil {
		return Result{}, err
	}
	start := time.Now()
	res, werr := w.write(ctx, j.Org, rec)
	if werr != nil {
		if errors.Is(werr, errRetry) && !last {
			return res, werr
		}
		w.log.ErrorContext(ctx, "export failed", "org", j.Org, "exportId", j.ID, "error", werr.Error())
		rec.Status, rec.Reason = StatusFailed, "the export could not be written; ask again"
	} else {
		rec.Status = StatusDone
		w.log.InfoContext(ctx, "export done", "org", j.Org, "exportId", j.ID, "rows", res.Rows, "bytes", res.Bytes,
			"parts", res.Parts, "queries", res.Stream.Requests, "readUnits", res.Stream.ReadUnits, "ms", time.Since(start).Milliseconds())
	}
	rec.Rows, rec.Bytes, rec.Parts, rec.Updated = res.Rows, res.Bytes, int64(res.Parts), w.now()
	if err := w.src.SetExportStatus(ctx, j.Org, rec); err != nil {
		return res, err
	}
	return res, nil
}

// errRetry marks a failure worth another attempt from the queue.
var errRetry = errors.New("transient")

func (w *Worker) write(ctx context.Context, org string, rec records.Export) (Result, error) {
	var res Result
	from, err1 := localdate.Parse(rec.From)
	to, err2 := localdate.Parse(rec.To)
	if err := errors.Join(err1, err2); err != nil {
		return res, fmt.Errorf("export record range: %w", err)
	}
	prof, err := w.src.GetProfile(ctx, org)
	if err != nil {
		return res, fmt.Errorf("%w: %w", errRetry, err)
	}
	loc := prof.Plan.Location()
	up, err := w.objs.Create(ctx, rec.ObjectKey, ContentType)
	if err != nil {
		return res, fmt.Errorf("%w: %w", errRetry, err)
	}
	cw := &countingWriter{w: up}
	werr := func() error {
		csvw, err := NewWriter(cw, rec.View)
		if err != nil {
			return err
		}
		if rec.View == ViewDaily {
			days, err := w.src.DayTotals(ctx, org, rec.From, rec.To)
			if err != nil {
				return err
			}
			res.Rows = int64(len(days))
			if err := csvw.Daily(days); err != nil {
				return err
			}
			return csvw.Flush()
		}
		res.Stream, err = w.src.LedgerStream(ctx, org, from.Start(loc), to.AddDays(1).Start(loc), func(es []consumption.LedgerEntry) error {
			if err := csvw.Ledger(es); err != nil {
				return err
			}
			return csvw.Flush()
		})
		res.Rows = res.Stream.Rows
		if err != nil {
			return err
		}
		return csvw.Flush()
	}()
	if werr != nil {
		if aerr := up.Abort(context.WithoutCancel(ctx)); aerr != nil {
			w.log.WarnContext(ctx, "abort multipart upload", "error", aerr.Error())
		}
		return res, fmt.Errorf("%w: %w", errRetry, werr)
	}
	parts, err := up.Complete(ctx)
	res.Parts, res.Bytes = parts, cw.n
	if err != nil {
		return res, fmt.Errorf("%w: %w", errRetry, err)
	}
	return res, nil
}
