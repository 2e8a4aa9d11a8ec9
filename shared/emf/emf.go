// Package emf writes CloudWatch metrics as embedded metric format log
// lines: a JSON object on the function's stdout, which CloudWatch Logs
// turns into metric data points with no API call (and no IAM grant)
// from the function. The project's metrics go through here, so their
// namespace is set in one place (shared/resources).
package emf

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/customercloud/home/shared/resources"
)

// Writer emits metric lines to W (os.Stdout in Lambda).
type Writer struct {
	W   io.Writer
	Now func() time.Time
	mu  sync.Mutex
}

// Put writes one line with the given counts (unit Count) and properties
// (searchable in Logs Insights, not dimensions: no per-organization
// metric, whose cost would grow with the fleet).
func (w *Writer) Put(counts map[string]int64, props map[string]string) error {
	if w == nil || w.W == nil {
		return nil
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	metrics := make([]map[string]string, 0, len(counts))
	line := map[string]any{}
	for k, v := range props {
		line[k] = v
	}
	for name, v := range counts {
		metrics = append(metrics, map[string]string{"Name": name, "Unit": "Count"})
		line[name] = v
	}
	line["_aws"] = map[string]any{
		"Timestamp": now().UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  resources.MetricsNamespace,
			"Dimensions": [][]string{{}},
			"Metrics":    metrics,
		}},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("emf: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.W.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("emf: %w", err)
	}
	return nil
}
