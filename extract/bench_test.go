package extract

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/measure"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// The extract benchmark scales Harvest's limit (100 requests per 15 s) and a typical latency
// down five times together, so that only ratios count: 100 requests per 3 s, 60 ms a request.
const (
	benchLimit   = 100
	benchWindow  = 3 * time.Second
	benchLatency = 60 * time.Millisecond
	benchToken   = "bench-token-0123456789abcdef"
	benchAccount = "31337"
)

// The fake server runs in a child process (this test binary, re-executed), so that the CPU
// time and peak memory measured here are the extract's alone.
func TestMain(m *testing.M) {
	if spec := os.Getenv("H2R_BENCH_SERVE"); spec != "" {
		serveHarvest(spec)
		return
	}
	os.Exit(m.Run())
}

func serveHarvest(spec string) {
	var people, projects, entries int
	if _, err := fmt.Sscanf(spec, "%d,%d,%d", &people, &projects, &entries); err != nil {
		fmt.Println("bad H2R_BENCH_SERVE:", err)
		os.Exit(2)
	}
	to := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 42, People: people, Projects: projects,
		Clients: projects / 10, TimeEntries: entries, From: to.AddDate(-3, 0, 0), To: to,
		Now: to.Add(20 * time.Hour)})
	srv := harvesttest.NewServer(acct, harvesttest.Options{Token: benchToken, AccountID: benchAccount,
		RateLimit: benchLimit, RateWindow: benchWindow, Latency: benchLatency})
	fmt.Println(srv.URL())
	// Serve until the parent closes our stdin.
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	srv.Close()
}

func startHarvestChild(b *testing.B, people, projects, entries int) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("H2R_BENCH_SERVE=%d,%d,%d", people, projects, entries))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http") {
		b.Fatalf("fake Harvest did not start: %q %v", line, err)
	}
	return strings.TrimSpace(line)
}

// fewestRequests is what the page size allows: one request per 2,000 records, at least one
// per listing.
func fewestRequests(m Manifest, perPage int) int64 {
	var n int64
	for _, c := range m.PerResource {
		n += max(1, int64(math.Ceil(float64(c)/float64(perPage))))
	}
	return n
}

// sampleHeap samples the memory the Go runtime holds from the OS until the returned function
// is called, which returns its peak.
func sampleHeap() func() uint64 {
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var max uint64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if v := m.Sys - m.HeapReleased; v > max {
				max = v
			}
			select {
			case <-done:
				peak <- max
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-peak }
}

// leastWall is the least time the server's window allows for n requests: n/limit windows,
// the last request still taking one latency to answer.
func leastWall(n int64) time.Duration {
	return time.Duration((n-1)/benchLimit)*benchWindow + benchLatency
}

// BenchmarkHarvestExtract extracts 1,000,000 time entries plus the dimensions of a
// 2,000-person account from harvesttest at a fifth of Harvest's limit and latency.
func BenchmarkHarvestExtract(b *testing.B) {
	entries := 1_000_000
	if s := os.Getenv("H2R_BENCH_ENTRIES"); s != "" {
		entries, _ = strconv.Atoi(s)
	}
	base := startHarvestChild(b, 2000, 10000, entries)
	for i := 0; i < b.N; i++ {
		api, err := harvest.New(harvest.Config{BaseURL: base, AccessToken: benchToken, AccountID: benchAccount,
			RateLimit: benchLimit, RateWindow: benchWindow})
		if err != nil {
			b.Fatal(err)
		}
		w, err := warehouse.Open(context.Background(), filepath.Join(b.TempDir(), "bench.duckdb"),
			warehouse.Options{MemoryLimit: os.Getenv("H2R_BENCH_MEMORY_LIMIT")})
		if err != nil {
			b.Fatal(err)
		}
		if q := os.Getenv("H2R_BENCH_SQL"); q != "" {
			if _, err := w.DB.Exec(q); err != nil {
				b.Fatal(err)
			}
		}
		run, err := w.StartRun(context.Background(), "extract", time.Now(), nil)
		if err != nil {
			b.Fatal(err)
		}
		measure.ResetPeakRSS()
		stopHeap := sampleHeap()
		cpu0, t0 := measure.CPUTime(), time.Now()
		m, err := Harvest(context.Background(), w, api, HarvestOptions{RunID: run.ID,
			Window: Window{To: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}})
		wall, cpu := time.Since(t0), measure.CPUTime()-cpu0
		if err != nil {
			b.Fatal(err)
		}
		if os.Getenv("H2R_BENCH_TRACE") != "" {
			rows, _ := w.DB.Query(`SELECT resource, count(*), min(fetched_at), max(fetched_at), avg(duration_ms) FROM raw.pages WHERE source = 'harvest' GROUP BY ALL ORDER BY 3`)
			for rows.Next() {
				var res string
				var n int
				var a, z time.Time
				var d float64
				_ = rows.Scan(&res, &n, &a, &z, &d)
				b.Logf("%-18s %4d pages  %6.2fs .. %6.2fs  avg %.0f ms", res, n, a.Sub(t0).Seconds(), z.Sub(t0).Seconds(), d)
			}
			rows.Close()
			rows, _ = w.DB.Query(`SELECT tag, memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0`)
			for rows.Next() {
				var tag string
				var mem, tmp int64
				_ = rows.Scan(&tag, &mem, &tmp)
				b.Logf("duckdb memory %-20s %6d MiB (temp %d MiB)", tag, mem>>20, tmp>>20)
			}
			rows.Close()
			b.Logf("peak RSS so far %d MiB", measure.PeakRSS()>>20)
		}
		w.Close()
		fewest := fewestRequests(m, 2000)
		b.ReportMetric(float64(m.Requests)/float64(fewest), "requests/fewest")
		b.ReportMetric(float64(wall)/float64(leastWall(m.Requests)), "wall/least")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(cpu.Milliseconds())/float64(m.Pages), "cpu-ms/page")
		b.ReportMetric(float64(measure.PeakRSS())/(1<<20), "peak-MiB")
		b.ReportMetric(float64(stopHeap())/(1<<20), "go-mem-peak-MiB")
		b.ReportMetric(float64(m.Records), "records")
		b.ReportMetric(float64(m.Requests), "requests")
		b.ReportMetric(float64(m.RateLimited), "429s")
		b.ReportMetric(float64(m.StoredBytes)/float64(m.Bytes), "stored/received")
	}
}

// benchPage is one full page of 2,000 time entries, as the fake sends it.
func benchPage(b *testing.B) harvest.Page {
	b.Helper()
	to := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 7, People: 200, Projects: 300, TimeEntries: 2500,
		From: to.AddDate(0, -1, 0), To: to})
	srv := harvesttest.NewServer(acct, harvesttest.Options{Token: benchToken, AccountID: benchAccount})
	defer srv.Close()
	api, err := harvest.New(harvest.Config{BaseURL: srv.URL(), AccessToken: benchToken, AccountID: benchAccount})
	if err != nil {
		b.Fatal(err)
	}
	var page harvest.Page
	err = api.List(context.Background(), harvest.TimeEntries, nil, func(p harvest.Page) error {
		if p.Seq == 1 {
			page = p
		}
		return nil
	})
	if err != nil || page.Records != 2000 {
		b.Fatalf("page of %d records, %v", page.Records, err)
	}
	return page
}

// BenchmarkLandTimeEntriesPage is the CPU cost of landing one 2,000-entry page: compress and
// store the body, decode the records, append them (and commit every flushEvery rows), on one
// goroutine. The extract spreads the first two over the cores.
func BenchmarkLandTimeEntriesPage(b *testing.B) {
	page := benchPage(b)
	w := testwarehouse.Open(b)
	l, err := newLander(w, "harvest", registered(1), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := l.open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer l.close()
	b.SetBytes(int64(len(page.Body)))
	b.ResetTimer()
	cpu0 := measure.CPUTime()
	for i := 0; i < b.N; i++ {
		page.Seq = i + 1
		p, err := l.prepare(pageJob{
			page: rawPage{Resource: string(page.Resource), Seq: page.Seq, URL: page.URL, Status: 200, Records: page.Records, Body: page.Body},
			decode: func(body []byte, sink rowSink) error {
				return decodeHarvestPage(page.Resource, page.Seq, body, sink)
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := l.append(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((measure.CPUTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/page")
}

// BenchmarkDailyExtractSize measures what one nightly extract of a 2,000-person account (45-day
// window, about 190,000 entries) adds to the warehouse file.
func BenchmarkDailyExtractSize(b *testing.B) {
	to := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -45)
	acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 11, People: 2000, Projects: 3000, Clients: 300,
		TimeEntries: 2000 * 32 * 3, From: from, To: to, Now: to.Add(20 * time.Hour)})
	srv := harvesttest.NewServer(acct, harvesttest.Options{Token: benchToken, AccountID: benchAccount})
	defer srv.Close()
	api, err := harvest.New(harvest.Config{BaseURL: srv.URL(), AccessToken: benchToken, AccountID: benchAccount, RateLimit: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "daily.duckdb")
	// What the warehouse takes on disk: the DuckDB file and the page files beside it.
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		n := st.Size()
		files, _ := filepath.Glob(filepath.Join(warehouse.PagesDir(path), "*"))
		for _, f := range files {
			if st, err := os.Stat(f); err == nil {
				n += st.Size()
			}
		}
		return n
	}
	nightly := func() Manifest {
		w, err := warehouse.Open(context.Background(), path, warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		run, err := w.StartRun(context.Background(), "extract", to, nil)
		if err != nil {
			b.Fatal(err)
		}
		m, err := Harvest(context.Background(), w, api, HarvestOptions{RunID: run.ID, Window: Window{From: from, To: to}})
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	for i := 0; i < b.N; i++ {
		nightly()
		before := size()
		m := nightly()
		grew := size() - before
		b.ReportMetric(float64(m.PerResource["time_entries"]), "entries")
		b.ReportMetric(float64(m.Bytes)/(1<<20), "received-MiB")
		b.ReportMetric(float64(m.StoredBytes)/(1<<20), "bodies-stored-MiB")
		b.ReportMetric(float64(grew)/(1<<20), "disk-growth-MiB")
		b.ReportMetric(float64(grew)*365/(1<<30), "GiB/year")
	}
}

// BenchmarkStagingRead compares what the transform pays to read landed time entries in the
// two landing formats: typed rows (what we land) and JSON bodies parsed with from_json (the
// alternative). Both de-duplicate by latest updated_at, as staging does.
func BenchmarkStagingRead(b *testing.B) {
	to := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 12, People: 2000, Projects: 3000, Clients: 300,
		TimeEntries: 400_000, From: to.AddDate(0, -3, 0), To: to})
	srv := harvesttest.NewServer(acct, harvesttest.Options{Token: benchToken, AccountID: benchAccount})
	defer srv.Close()
	api, err := harvest.New(harvest.Config{BaseURL: srv.URL(), AccessToken: benchToken, AccountID: benchAccount, RateLimit: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	w := testwarehouse.Open(b)
	run, _ := w.StartRun(ctx, "extract", to, nil)
	m, err := Harvest(ctx, w, api, HarvestOptions{RunID: run.ID, Window: Window{To: to}})
	if err != nil {
		b.Fatal(err)
	}
	// The alternative format: the same bodies as JSON text.
	if _, err := w.DB.Exec(`CREATE TEMP TABLE bodies (body VARCHAR)`); err != nil {
		b.Fatal(err)
	}
	for seq := 1; seq <= int(m.Pages); seq++ {
		body, err := PageBody(ctx, w, "harvest", m.ExtractID, "time_entries", seq)
		if err != nil {
			continue // a dimension page number
		}
		if _, err := w.DB.Exec(`INSERT INTO bodies VALUES (?)`, string(body)); err != nil {
			b.Fatal(err)
		}
	}
	typed := `SELECT count(*), sum(m) FROM (
		SELECT id, arg_max(round(hours::DECIMAL(38,18) * 60), updated_at) AS m
		FROM raw.harvest_time_entries WHERE extract_id = 1 GROUP BY id)`
	fromJSON := `SELECT count(*), sum(m) FROM (
		SELECT e.id, arg_max(round(e.hours * 60), e.updated_at) AS m FROM (
			SELECT unnest(from_json(body->'time_entries',
				'[{"id":"BIGINT","hours":"DECIMAL(38,18)","updated_at":"TIMESTAMPTZ","spent_date":"DATE","user":{"id":"BIGINT"},"project":{"id":"BIGINT"},"billable":"BOOLEAN","is_running":"BOOLEAN"}]')) AS e
			FROM bodies) GROUP BY e.id)`
	for i := 0; i < b.N; i++ {
		for _, q := range []struct{ name, sql string }{{"typed", typed}, {"from_json", fromJSON}} {
			var n int64
			var sum float64
			t0 := time.Now()
			if err := w.DB.QueryRow(q.sql).Scan(&n, &sum); err != nil {
				b.Fatalf("%s: %v", q.name, err)
			}
			b.ReportMetric(float64(n)/time.Since(t0).Seconds(), q.name+"-entries/s")
		}
	}
}

// BenchmarkRunnSnapshot counts the requests a snapshot of a 2,000-person, 10,000-project Runn
// account with 90 days of actuals takes, against the fewest its page limits allow.
func BenchmarkRunnSnapshot(b *testing.B) {
	today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	state := bigRunnState(2000, 10000, 90, today)
	srv, err := runntest.NewServer(state, runntest.Options{Token: benchToken, Today: today.Format(time.DateOnly), RateLimit: runntest.RateLimitDisabled})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	api, err := runn.New(runn.Config{BaseURL: srv.URL(), Token: benchToken, RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		w, err := warehouse.Open(ctx, filepath.Join(b.TempDir(), "runn.duckdb"), warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		run, _ := w.StartRun(ctx, "extract", today, nil)
		t0 := time.Now()
		m, err := Runn(ctx, w, api, RunnOptions{RunID: run.ID, ActualsWindow: Window{From: today.AddDate(0, 0, -90), To: today}})
		if err != nil {
			b.Fatal(err)
		}
		w.Close()
		var fewest int64
		for _, ep := range runn.Endpoints() {
			fewest += max(1, int64(math.Ceil(float64(m.PerResource[string(ep)])/float64(ep.MaxLimit()))))
		}
		b.ReportMetric(float64(m.Requests)/float64(fewest), "requests/fewest")
		b.ReportMetric(float64(m.Requests), "requests")
		b.ReportMetric(float64(m.Records), "records")
		b.ReportMetric(time.Since(t0).Seconds(), "wall-s")
	}
}
