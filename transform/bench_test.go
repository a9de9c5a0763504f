package transform

import (
	"cmp"
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/measure"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// benchToday is the today of the benchmark's runs.
var benchToday = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// BenchmarkTransform transforms an account of 2,000 people, 10,000 projects and 10,000,000 time
// entries over three years: run 1 over the whole history, run 2 over a 45-day window. The raw
// tables are generated in SQL (landing millions of entries through the fakes would measure the
// extract again). H2R_BENCH_ENTRIES shrinks it.
func BenchmarkTransform(b *testing.B) {
	entries := 10_000_000
	if s := os.Getenv("H2R_BENCH_ENTRIES"); s != "" {
		entries, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	// H2R_BENCH_MEMORY_LIMIT overrides warehouse.DefaultMemoryLimit, to see what another limit does;
	// the figures that count are those at the default, which every command uses.
	w := testwarehouse.OpenWith(b, warehouse.Options{MemoryLimit: os.Getenv("H2R_BENCH_MEMORY_LIMIT")})
	// H2R_BENCH_THREADS tries another number of DuckDB threads (the default is one per core).
	if n := os.Getenv("H2R_BENCH_THREADS"); n != "" {
		if _, err := w.DB.ExecContext(ctx, "SET threads = "+strconv.Quote(n)); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	if err := testwarehouse.GenerateAccount(ctx, w, benchToday, 2000, 10000, entries); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d entries in %s", entries, time.Since(t0).Round(time.Millisecond))
	for _, tc := range []struct {
		name  string
		run   int64
		from  time.Time
		count string
	}{
		{"window45d", 2, benchToday.AddDate(0, 0, -45), "45-day window"},
		{"fullHistory", 1, time.Time{}, "whole history"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				measure.ResetPeakRSS()
				t0 := time.Now()
				res, err := Run(ctx, w, Options{RunID: tc.run, Today: benchToday, WindowFrom: tc.from, Autofill: true})
				wall := time.Since(t0)
				if err != nil {
					b.Fatalf("%s: %v", tc.count, err)
				}
				var changes int64
				for _, n := range res.Changes {
					changes += n
				}
				// The slowest models, to see where the time goes.
				slow := slices.SortedFunc(slices.Values(res.Models), func(a, b ModelRun) int { return cmp.Compare(b.Duration, a.Duration) })
				for _, m := range slow[:min(5, len(slow))] {
					b.Logf("%s: %s, %d rows", m.Table, m.Duration.Round(time.Millisecond), m.Rows)
				}
				b.ReportMetric(wall.Seconds(), "wall-s")
				b.ReportMetric(float64(measure.PeakRSS())/(1<<20), "peak-MiB")
				b.ReportMetric(float64(changes), "change-rows")
			}
		})
	}
}
