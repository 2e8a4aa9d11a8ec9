package webui_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// gzipped is a file's size compressed as a CDN would (gzip -9).
func gzipped(b testing.TB, path string) int {
	b.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(raw)
	_ = w.Close()
	return buf.Len()
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// BenchmarkHomePage reports the page's budgets as figures, measured side by
// side in one run (make web-bench):
//   - KB-js+css-gzip: what a browser downloads besides index.html (budget
//     300 KB);
//   - ms-draw-after-answer: from the API's answer (the fetch resolving) to
//     the page drawn, charts and map included, in headless chromium
//     (budget 1000 ms; the performance measure "home:draw" the page makes);
//   - ms-api-answer: the GET /v1/home itself, as the browser timed it.
//
// Each iteration is a fresh load of the Admin's Home of an organization
// with 150 contacts and 45 days of activity.
func BenchmarkHomePage(b *testing.B) {
	d := dist(b)
	files, err := filepath.Glob(filepath.Join(d, "assets", "*.[cj]s"))
	if err != nil || len(files) != 2 {
		b.Fatalf("web/dist/assets: want one .js and one .css, have %v (%v)", files, err)
	}
	size := 0
	for _, f := range files {
		size += gzipped(b, f)
	}
	br := newBrowser(b)
	s := newSite(b, d)
	const org = "web-bench"
	s.loadOrg(b, org, 150, 11)
	tb := br.tab(b)
	var draws, answers []float64
	b.ResetTimer()
	// Five loads per iteration: the medians are steadier than one sample
	// (make web-bench runs one iteration).
	for i := 0; i < 5*b.N; i++ {
		tb.open(b, s.URL+"/?as=Admin&org="+org, 1366, 768, "ready")
		var m struct {
			Draw float64 `json:"draw"`
			API  float64 `json:"api"`
		}
		tb.eval(b, `(() => { const d = performance.getEntriesByName('home:draw').pop();
		  const r = performance.getEntriesByType('resource').filter(e => e.name.endsWith('/v1/home')).pop();
		  return {draw: d ? d.duration : -1, api: r ? r.responseEnd - r.requestStart : -1}; })()`, &m)
		if m.Draw < 0 {
			b.Fatal("the page made no home:draw measure")
		}
		draws, answers = append(draws, m.Draw), append(answers, m.API)
	}
	b.StopTimer()
	b.ReportMetric(float64(size)/1024, "KB-js+css-gzip")
	b.ReportMetric(median(draws), "ms-draw-after-answer")
	b.ReportMetric(median(answers), "ms-api-answer")
}
