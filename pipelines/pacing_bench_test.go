package pipelines

import (
	"context"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/measure"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// pacingLimits are a benchmark's rate limits and latency: Runn's announced window (the client
// is always configured with the default minute, so it must learn a shorter one), Harvest's
// window for its 100 requests, and the latency of every answer of both.
type pacingLimits struct {
	name          string
	runnWindow    time.Duration
	harvestWindow time.Duration
	latency       time.Duration
}

// BenchmarkRunnPacing (issue 14) syncs a generated account (H2R_BENCH_PEOPLE people, 5 projects
// each) into an empty Runn twice: a first run, and after a fresh rate-limit window a daily run
// with nothing changed. Runn counts 120 requests in fixed windows (runntest.Options.FixedWindow)
// and announces them in x-ratelimit-*; Harvest allows 100 requests per window. Each figure is a
// ratio to the floor the limits allow:
//
//   - write phase: the load's Runn requests N take (⌈N/120⌉−1) windows and one round trip;
//   - a listing's pages follow a cursor, one round trip each: an extract takes at least the
//     longest listing's pages × latency, and at least what the limit allows for all its requests;
//   - first run and daily run: the slower extract's floor + the transform (CPU, measured) + the
//     write phase's floor.
//
// H2R_BENCH_WORKERS sets the writes in flight (load.Options.Workers).
//
// requests/fewest divides the Runn requests by the fewest the page limits allow: one per create,
// one per 100 actuals, and for each listing one per full page.
func BenchmarkRunnPacing(b *testing.B) {
	people := 40
	if s := os.Getenv("H2R_BENCH_PEOPLE"); s != "" {
		people, _ = strconv.Atoi(s)
	}
	workers, _ := strconv.Atoi(os.Getenv("H2R_BENCH_WORKERS")) // 0: the load's default
	for _, lim := range []pacingLimits{
		{"published-60s", time.Minute, 15 * time.Second, 300 * time.Millisecond},
		{"window12s-300ms", 12 * time.Second, 15 * time.Second, 300 * time.Millisecond},
		{"scaled5x-12s", 12 * time.Second, 3 * time.Second, 60 * time.Millisecond},
	} {
		b.Run(lim.name, func(b *testing.B) {
			for range b.N {
				benchPacing(b, lim, people, workers)
			}
		})
	}
}

func benchPacing(b *testing.B, lim pacingLimits, people, workers int) {
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 14, People: people, Clients: max(people*5/8, 2), Projects: people * 5,
		TimeEntries: people * 130, From: today.AddDate(0, -3, 0), To: today.AddDate(0, 0, -1), Now: today.Add(-time.Hour)})
	const token, account = "bench-token", "100001"
	hsrv := harvesttest.NewServer(acct, harvesttest.Options{Token: token, AccountID: account, RateLimit: 100,
		RateWindow: lim.harvestWindow, Latency: lim.latency})
	defer hsrv.Close()
	rsrv, err := runntest.NewServer(nil, runntest.Options{Token: token, RateLimit: 120, RateWindow: lim.runnWindow,
		FixedWindow: true, Latency: lim.latency})
	if err != nil {
		b.Fatal(err)
	}
	defer rsrv.Close()
	path := filepath.Join(b.TempDir(), "bench.duckdb")
	sync := func(name string) (SyncResult, time.Duration) {
		hc, err := harvest.New(harvest.Config{BaseURL: hsrv.URL(), AccessToken: token, AccountID: account,
			RateLimit: 100, RateWindow: lim.harvestWindow})
		if err != nil {
			b.Fatal(err)
		}
		rc, err := runn.New(runn.Config{BaseURL: rsrv.URL(), Token: token}) // the default minute: the window is learned
		if err != nil {
			b.Fatal(err)
		}
		hBefore, rBefore := len(hsrv.Requests()), len(rsrv.Requests())
		measure.ResetPeakRSS()
		t0 := time.Now()
		res, err := Sync(ctx, SyncOptions{WarehousePath: path, Today: today, Autofill: true, Harvest: hc, Runn: rc, Workers: workers,
			Window: extract.Window{From: today.AddDate(0, 0, -45), To: today}})
		wall := time.Since(t0)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		reportPacing(b, name, lim, res, wall, hsrv.Requests()[hBefore:], rsrv.Requests()[rBefore:])
		return res, wall
	}
	sync("first")
	// A daily run starts in a fresh window, as it would a day later.
	time.Sleep(lim.runnWindow + time.Second)
	sync("daily")
}

// reportPacing reports one sync's ratios (see BenchmarkRunnPacing).
func reportPacing(b *testing.B, name string, lim pacingLimits, res SyncResult, wall time.Duration,
	hreqs []harvesttest.Request, rreqs []runntest.Request) {
	var snapshot *extract.Manifest
	for _, m := range res.Extracts {
		if m.Source == "runn" {
			snapshot = m
		}
	}
	hChain := map[string]int{}
	for _, r := range hreqs {
		hChain[r.Path+"?"+withoutParam(r.RawQuery, "page")]++
	}
	rChain := map[string]int{}
	var reads, writes, rateLimited int
	i := int64(0)
	for _, r := range rreqs {
		if r.Status == 429 {
			rateLimited++
		}
		if r.Path == "/me/" { // the preflight check
			continue
		}
		if i++; i <= snapshot.Requests {
			rChain[r.Path+"?"+withoutParam(r.Query, "cursor")]++
			continue
		}
		if r.Method == "GET" {
			reads++
		} else {
			writes++
		}
	}
	loadRequests := reads + writes
	writeCount := int64(writes)
	floor := func(n int, limit int, window time.Duration, chain int) time.Duration {
		if n == 0 {
			return 0
		}
		byLimit := time.Duration(math.Ceil(float64(n)/float64(limit))-1)*window + lim.latency
		return max(byLimit, time.Duration(chain)*lim.latency)
	}
	extractFloor := max(floor(len(hreqs), 100, lim.harvestWindow, maxOf(hChain)), floor(int(snapshot.Requests), 120, lim.runnWindow, maxOf(rChain)))
	writeFloor := floor(loadRequests, 120, lim.runnWindow, 0)
	runFloor := extractFloor + res.Times.Transform + writeFloor
	var creates, actuals int64
	for _, c := range res.Changes {
		if c.Kind == "actual" {
			actuals += int64(c.Applied)
		} else {
			creates += int64(c.Applied)
		}
	}
	fewestWrites := creates + (actuals+99)/100
	fewestSnapshot := int64(0)
	for res, n := range snapshot.PerResource {
		limit := int64(runn.Endpoint(res).MaxLimit())
		fewestSnapshot += max(1, (n+limit-1)/limit)
	}
	b.ReportMetric(wall.Seconds()/runFloor.Seconds(), name+"-wall/floor")
	if writeFloor > 0 {
		b.ReportMetric(res.Times.Load.Seconds()/writeFloor.Seconds(), name+"-writes/floor")
	}
	b.ReportMetric(float64(snapshot.Requests)/float64(fewestSnapshot), name+"-reads/fewest")
	if fewestWrites > 0 {
		b.ReportMetric(float64(writeCount)/float64(fewestWrites), name+"-writes/fewest")
	}
	b.ReportMetric(float64(rateLimited), name+"-429s")
	b.ReportMetric(float64(measure.PeakRSS())/(1<<20), name+"-peak-MiB")
	b.Logf("%s run (%s): stages: extract %s, transform %s, load %s", name, lim.name, res.Times.Extract.Round(time.Millisecond),
		res.Times.Transform.Round(time.Millisecond), res.Times.Load.Round(time.Millisecond))
	b.Logf("%s run (%s): wall %s, floor %s (extract %s, transform %s, writes %s); load %s for %d Runn requests (%d writes: %d creates, %d actuals); snapshot %d requests (fewest %d, longest listing %d pages); Harvest %d requests (longest listing %d pages); %d 429s",
		name, lim.name, wall.Round(time.Millisecond), runFloor.Round(time.Millisecond), extractFloor.Round(time.Millisecond),
		res.Times.Transform.Round(time.Millisecond), writeFloor.Round(time.Millisecond), res.Times.Load.Round(time.Millisecond),
		loadRequests, writes, creates, actuals, snapshot.Requests, fewestSnapshot, maxOf(rChain), len(hreqs), maxOf(hChain), rateLimited)
}

func withoutParam(raw, param string) string {
	q, _ := url.ParseQuery(raw)
	q.Del(param)
	return q.Encode()
}

func maxOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n = max(n, v)
	}
	return n
}
