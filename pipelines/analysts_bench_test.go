package pipelines

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/htmlreport"
	"github.com/harvest2runn/harvest2runn/internal/measure"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// analystsBenchToday is the today of the benchmark's runs.
var analystsBenchToday = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// BenchmarkAnalysts measures what analysts run on the large benchmark account of
// BenchmarkTransform (2,000 people, 10,000 projects, 5,000,000 time entries over three years;
// H2R_BENCH_ENTRIES shrinks it), once both runs are transformed: report discrepancies, the HTML
// report (read and rendered), export to Parquet and query --output arrow, for run 2 (a 45-day
// window) and run 1 (the whole history). Figures in docs/benchmarks.md.
func BenchmarkAnalysts(b *testing.B) {
	entries := 5_000_000
	if s := os.Getenv("H2R_BENCH_ENTRIES"); s != "" {
		entries, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "w.duckdb")
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := testwarehouse.GenerateAccount(ctx, w, analystsBenchToday, 2000, 10000, entries); err != nil {
		b.Fatal(err)
	}
	for _, run := range []struct {
		id   int64
		from time.Time
	}{{1, time.Time{}}, {2, analystsBenchToday.AddDate(0, 0, -45)}} {
		if _, err := transform.Run(ctx, w, transform.Options{RunID: run.id, Today: analystsBenchToday, WindowFrom: run.from, Autofill: true}); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	for _, run := range []struct {
		name string
		id   int64
	}{{"window45d", 2}, {"fullHistory", 1}} {
		for _, op := range analystsBenchOps(path, run.id, b.TempDir()) {
			b.Run(run.name+"/"+op.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					measure.ResetPeakRSS()
					t0 := time.Now()
					size, err := op.do(ctx)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(time.Since(t0).Seconds(), "wall-s")
					b.ReportMetric(float64(measure.PeakRSS())/(1<<20), "peak-MiB")
					b.ReportMetric(float64(size), "out-bytes")
				}
			})
		}
	}
}

type analystsBenchOp struct {
	name string
	do   func(context.Context) (int64, error)
}

func analystsBenchOps(path string, runID int64, dir string) []analystsBenchOp {
	return []analystsBenchOp{
		{"discrepancies", func(ctx context.Context) (int64, error) {
			rep, err := Discrepancies(ctx, DiscrepancyOptions{WarehousePath: path, RunID: runID, All: true})
			return int64(rep.DiscrepanciesCount), err
		}},
		{"html", func(ctx context.Context) (int64, error) {
			rep, err := RunReport(ctx, RunReportOptions{WarehousePath: path, RunID: runID, Now: time.Now()})
			if err != nil {
				return 0, err
			}
			var page bytes.Buffer
			err = htmlreport.Render(&page, rep)
			return int64(page.Len()), err
		}},
		{"export", func(ctx context.Context) (int64, error) {
			m, err := Export(ctx, ExportOptions{WarehousePath: path, RunID: runID, Dir: dir, Now: time.Now()})
			if err != nil {
				return 0, err
			}
			return dirSize(m.Folder)
		}},
		{"arrow", func(ctx context.Context) (int64, error) {
			var n countingWriter
			err := QueryArrow(ctx, path, fmt.Sprintf("SELECT * FROM analytics.minutes_by_week WHERE run_id = %d", runID), &n)
			return int64(n), err
		}},
	}
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return err
	})
	return n, err
}
