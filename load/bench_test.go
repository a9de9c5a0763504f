package load

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/measure"
	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Runn's rate limit (120 a minute) scaled down ten times in time, for the fake and the client
// alike: the ratios it measures do not depend on the scale, and the benchmark takes seconds.
const (
	benchLimit  = 120
	benchWindow = 6 * time.Second
)

// benchScenario is an account of 50 people on 10 projects with 5 roles, and a plan of n actuals
// on them (zeros included), dated up to today.
func benchScenario(n int) (*runntest.State, Plan) {
	seed := &runntest.State{Clients: []runn.Client{{ID: 73001, Name: "Bench client"}}}
	for r := range 5 {
		seed.Roles = append(seed.Roles, runn.Role{ID: int64(21801 + r), Name: testkit.Ptr(fmt.Sprintf("Role %d", r))})
	}
	for j := range 10 {
		seed.Projects = append(seed.Projects, runn.Project{ID: int64(402001 + j), Name: fmt.Sprintf("Project %d", j), ClientID: 73001,
			IsConfirmed: true, PricingModel: "tm"})
	}
	for p := range 50 {
		seed.People = append(seed.People, runn.Person{ID: int64(880001 + p), FirstName: "P", LastName: strconv.Itoa(p)})
	}
	today, _ := time.Parse(time.DateOnly, testToday)
	var plan Plan
	for i := range n {
		person, project, day := i%50, i/50%10, i/500
		plan.Actuals = append(plan.Actuals, ActualChange{
			Date:         today.AddDate(0, 0, -day).Format(time.DateOnly),
			RunnPersonID: testkit.Ptr(int64(880001 + person)), RunnProjectID: testkit.Ptr(int64(402001 + project)), RunnRoleID: testkit.Ptr(int64(21801 + person%5)),
			BillableMinutes: int64(i % 481), NonbillableMinutes: int64(i % 7 * 15), Rule: "R10",
		})
	}
	return seed, plan
}

// BenchmarkApplyActuals applies 50,000 actual changes (H2R_BENCH_ACTUALS=N to change) to the fake
// Runn at a scaled-down rate limit and reports: requests ÷ the fewest possible with 100-item
// bulk calls; wall time ÷ the least the rate limit allows; how long the warehouse file is held
// open (from Open to Close, as the load command holds it) and how much of that is spent
// writing the audit trail; peak memory.
//
//	go test -run '^$' -bench ApplyActuals -benchtime 1x ./load/
func BenchmarkApplyActuals(b *testing.B) {
	n := 50000
	if v, err := strconv.Atoi(os.Getenv("H2R_BENCH_ACTUALS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		seed, plan := benchScenario(n)
		path := filepath.Join(b.TempDir(), "w.duckdb")
		w, err := warehouse.Open(ctx, path, warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		runID := planRun(b, w, seed, plan)
		w.Close()
		srv := startFake(b, seed, runntest.Options{RateLimit: benchLimit, RateWindow: benchWindow, Now: time.Now})
		api := srv.Client(b, runn.Config{RateLimit: benchLimit, RateWindow: benchWindow})
		measure.ResetPeakRSS()
		cpu := measure.CPUTime()
		b.StartTimer()

		start := time.Now()
		w, err = warehouse.Open(ctx, path, warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Apply(ctx, w, api, Options{RunID: runID})
		w.Close()
		held := time.Since(start)

		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		fewest := (n + runn.MaxBulkActuals - 1) / runn.MaxBulkActuals
		requests := len(srv.Requests())
		rate := float64(benchLimit) / benchWindow.Seconds()
		least := time.Duration(math.Max(0, float64(fewest-benchLimit)) / rate * float64(time.Second))
		b.ReportMetric(float64(requests)/float64(fewest), "requests/fewest")
		b.ReportMetric(res.Duration.Seconds()/least.Seconds(), "wall/least")
		b.ReportMetric(held.Seconds(), "held_s")
		b.ReportMetric(res.TrailTime.Seconds(), "trail_s")
		b.ReportMetric(float64(measure.PeakRSS())/(1<<20), "peak_MiB")
		b.Logf("%d actuals: %d requests (fewest %d, %d retries, %d rate-limited); load %s, least %s; warehouse held %s, of which trail %s; CPU %s",
			n, requests, fewest, res.Retries, res.RateLimited, res.Duration.Round(time.Millisecond), least,
			held.Round(time.Millisecond), res.TrailTime.Round(time.Millisecond), (measure.CPUTime() - cpu).Round(time.Millisecond))
		if got := res.Totals().Applied; got != n {
			b.Fatalf("%d actuals applied, want %d", got, n)
		}
	}
}
