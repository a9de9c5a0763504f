package pipelines

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
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
// each) into a Runn that holds H2R_BENCH_RUNN_PEOPLE people, 4 projects each and their actuals
// keyed in by hand (no Harvest reference: read by every snapshot, never written): a first run,
// then daily runs with nothing changed, each after a fresh rate-limit window. Runn counts 120
// requests in fixed windows (runntest.Options.FixedWindow) and announces them in x-ratelimit-*;
// Harvest allows 100 requests per window. Each figure is a ratio to the floor the limits allow:
//
//   - write phase: the least time the load's requests take under the window in the order R15
//     and the cursors impose (r15Floor); the limit alone (loadFloor) is reported beside it;
//   - a listing's pages follow a cursor, one round trip each: an extract takes at least the
//     longest listing's pages × latency, and at least what the limit allows for all its requests;
//   - first run and daily run: the preflight's round trip (both APIs at once, as the command
//     sends it) + the slower extract's floor + the local work (measured) + the write phase's floor.
//
// The daily run is repeated H2R_BENCH_DAILY_RUNS times (5 unless set), each in a fresh window:
// its ratio is reported as the median (and the worst as daily-wall/floor-worst), because one
// run's spread on these 2-core machines (±0.03) is as wide as what separates it from its target.
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
	runnPeople := 500
	if s := os.Getenv("H2R_BENCH_RUNN_PEOPLE"); s != "" {
		runnPeople, _ = strconv.Atoi(s)
	}
	dailyRuns := 5
	if s := os.Getenv("H2R_BENCH_DAILY_RUNS"); s != "" {
		dailyRuns, _ = strconv.Atoi(s)
		dailyRuns = max(dailyRuns, 1)
	}
	for _, lim := range []pacingLimits{
		{"published-60s", time.Minute, 15 * time.Second, 300 * time.Millisecond},
		{"window12s-300ms", 12 * time.Second, 15 * time.Second, 300 * time.Millisecond},
		{"scaled5x-12s", 12 * time.Second, 3 * time.Second, 60 * time.Millisecond},
	} {
		b.Run(lim.name, func(b *testing.B) {
			for range b.N {
				benchPacing(b, lim, people, runnPeople, workers, dailyRuns)
			}
		})
	}
}

func benchPacing(b *testing.B, lim pacingLimits, people, runnPeople, workers, dailyRuns int) {
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 14, People: people, Clients: max(people*5/8, 2), Projects: people * 5,
		TimeEntries: people * 130, From: today.AddDate(0, -3, 0), To: today.AddDate(0, 0, -1), Now: today.Add(-time.Hour)})
	const token, account = "bench-token", "100001"
	hsrv := harvesttest.NewServer(acct, harvesttest.Options{Token: token, AccountID: account, RateLimit: 100,
		RateWindow: lim.harvestWindow, Latency: lim.latency})
	defer hsrv.Close()
	rsrv, err := runntest.NewServer(unrelatedRunn(runnPeople, runnPeople*4, today), runntest.Options{Token: token, RateLimit: 120, RateWindow: lim.runnWindow,
		FixedWindow: true, Latency: lim.latency})
	if err != nil {
		b.Fatal(err)
	}
	defer rsrv.Close()
	path := filepath.Join(b.TempDir(), "bench.duckdb")
	run := func(name string) pacingFigures {
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
		// The command's preflight: one request to each API at once before the run (its answer
		// also tells the Runn client what its first window holds).
		var wg sync.WaitGroup
		wg.Go(func() { _ = hc.Ping(ctx) })
		wg.Go(func() { _ = rc.Ping(ctx) })
		wg.Wait()
		var logger *slog.Logger
		if os.Getenv("H2R_BENCH_LOG") != "" {
			logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		res, err := Sync(ctx, SyncOptions{WarehousePath: path, Logger: logger, Today: today, Autofill: true, Harvest: hc, Runn: rc, Workers: workers,
			Window: extract.Window{From: today.AddDate(0, 0, -45), To: today}})
		wall := time.Since(t0)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		return measurePacing(b, name, lim, res, wall, hsrv.Requests()[hBefore:], rsrv.Requests(), rBefore)
	}
	for metric, v := range run("first") {
		b.ReportMetric(v, "first-"+metric)
	}
	var daily []pacingFigures
	for i := range dailyRuns {
		// A daily run starts in a fresh window, as it would a day later.
		time.Sleep(lim.runnWindow + time.Second)
		daily = append(daily, run(fmt.Sprintf("daily %d/%d", i+1, dailyRuns)))
	}
	byMetric := map[string][]float64{} // a metric only some runs have is the median of those
	for _, f := range daily {
		for metric, v := range f {
			byMetric[metric] = append(byMetric[metric], v)
		}
	}
	for metric, vs := range byMetric {
		b.ReportMetric(median(vs), "daily-"+metric)
	}
	ratios := byMetric["wall/floor"]
	b.ReportMetric(slices.Max(ratios), "daily-wall/floor-worst")
	b.Logf("daily runs (%s): wall/floor, sorted: %.3f", lim.name, ratios)
}

// pacingFigures are one run's ratios, counts and peak memory by metric name (see
// BenchmarkRunnPacing).
type pacingFigures map[string]float64

// median of vs, which it sorts.
func median(vs []float64) float64 {
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}

// measurePacing works out one sync's figures and logs how they came (see BenchmarkRunnPacing).
func measurePacing(b *testing.B, name string, lim pacingLimits, res SyncResult, wall time.Duration,
	hreqs []harvesttest.Request, rall []runntest.Request, rfrom int) pacingFigures {
	rreqs := rall[rfrom:]
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
	i, loadStart := int64(0), len(rreqs)
	for k, r := range rreqs {
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
		loadStart = min(loadStart, k)
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
	limitFloor := loadFloor(rall, len(rall)-len(rreqs)+loadStart, loadRequests, lim)
	writeFloor := r15Floor(rall, len(rall)-len(rreqs)+loadStart, loadRequests, lim)
	// Local work (the transform, opening and closing the warehouse: whatever the sync does
	// besides its extract and its load) is measured, not floored: the ratios are about what the
	// rate limits cost. The preflight, before the sync, is floored at one round trip.
	local := res.Times.Total - res.Times.Extract - res.Times.Load
	runFloor := lim.latency + extractFloor + local + writeFloor
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
	fig := pacingFigures{
		"wall/floor":   wall.Seconds() / runFloor.Seconds(),
		"reads/fewest": float64(snapshot.Requests) / float64(fewestSnapshot),
		"429s":         float64(rateLimited),
		"peak-MiB":     float64(measure.PeakRSS()) / (1 << 20),
	}
	if writeFloor > 0 {
		fig["writes/floor"] = res.Times.Load.Seconds() / writeFloor.Seconds()
		fig["writes/limit-floor"] = res.Times.Load.Seconds() / limitFloor.Seconds()
	}
	if fewestWrites > 0 {
		fig["writes/fewest"] = float64(writeCount) / float64(fewestWrites)
	}
	if os.Getenv("H2R_BENCH_TRACE") != "" && len(rreqs) > 0 {
		// When each listing's pages reached Runn, from the run's first request: the gaps beyond
		// the latency are local work on the listing's critical path.
		t0 := rreqs[0].Time
		pages := map[string][]byte{}
		var order []string
		for _, r := range rreqs[:min(loadStart, len(rreqs))] {
			l := r.Path + "?" + withoutParam(r.Query, "cursor")
			if _, ok := pages[l]; !ok {
				order = append(order, l)
			}
			pages[l] = fmt.Appendf(pages[l], " %.2f", r.Time.Sub(t0).Seconds())
		}
		for _, l := range order {
			b.Logf("%s run: snapshot %s at (s):%s", name, l, pages[l])
		}
	}
	if os.Getenv("H2R_BENCH_TRACE") != "" && loadStart < len(rreqs) {
		t0 := rreqs[loadStart].Time
		var line []byte
		for _, r := range rreqs[loadStart:] {
			line = fmt.Appendf(line, " %.2f%s", r.Time.Sub(t0).Seconds(), r.Method[:1])
		}
		b.Logf("%s run: load requests (s after the first, G/P): %s", name, line)
	}
	b.Logf("%s run (%s): stages: extract %s, transform %s, load %s", name, lim.name, res.Times.Extract.Round(time.Millisecond),
		res.Times.Transform.Round(time.Millisecond), res.Times.Load.Round(time.Millisecond))
	b.Logf("%s run (%s): writes' floor %s in R15's order, %s by the limit alone", name, lim.name,
		writeFloor.Round(time.Millisecond), limitFloor.Round(time.Millisecond))
	b.Logf("%s run (%s): wall %s, floor %s (extract %s, transform %s, writes %s); load %s for %d Runn requests (%d writes: %d creates, %d actuals); snapshot %d requests (fewest %d, longest listing %d pages); Harvest %d requests (longest listing %d pages); %d 429s",
		name, lim.name, wall.Round(time.Millisecond), runFloor.Round(time.Millisecond), extractFloor.Round(time.Millisecond),
		res.Times.Transform.Round(time.Millisecond), writeFloor.Round(time.Millisecond), res.Times.Load.Round(time.Millisecond),
		loadRequests, writes, creates, actuals, snapshot.Requests, fewestSnapshot, maxOf(rChain), len(hreqs), maxOf(hChain), rateLimited)
	return fig
}

// loadFloor is the least time n requests starting with all[start] take under Runn's fixed
// window, given what the requests before it (all of the run's and earlier runs') left of the
// window then open: the fake admits a request latency after it arrives, and a window opens with
// the first request admitted after the last one expired.
func loadFloor(all []runntest.Request, start, n int, lim pacingLimits) time.Duration {
	if n == 0 || start >= len(all) {
		return 0
	}
	opened, count := windowBefore(all[:start], lim)
	t0 := all[start].Time
	left := benchLimit
	if !opened.IsZero() && t0.Add(lim.latency).Before(opened.Add(lim.runnWindow)) {
		left = benchLimit - count
	}
	if n <= left {
		return lim.latency
	}
	// A fresh window is spent from t0 to its end, like one already open.
	wait := lim.runnWindow
	if left < benchLimit {
		wait = opened.Add(lim.runnWindow).Sub(t0.Add(lim.latency))
	}
	return wait + time.Duration((n-left+benchLimit-1)/benchLimit-1)*lim.runnWindow + lim.latency
}

// benchLimit is what the benchmark's Runn takes in a window.
const benchLimit = 120

// windowBefore is the fixed window the requests before left open: when it opened and how many
// it took (the fake admits a request a latency after it arrives; a window opens with the first
// request admitted after the last one expired).
func windowBefore(before []runntest.Request, lim pacingLimits) (opened time.Time, count int) {
	for _, r := range before {
		at := r.Time.Add(lim.latency)
		if opened.IsZero() || !at.Before(opened.Add(lim.runnWindow)) {
			opened, count = at, 0
		}
		if count < benchLimit {
			count++
		}
	}
	return opened, count
}

// r15Floor is the least time the load's n requests starting with all[start] take under Runn's
// fixed window when, besides the limit, only the order the sync must keep is kept: a listing's
// pages one after another (each page follows the cursor of the one before; every listing may
// start with the load), and each kind's writes all at once, when its own listing has been read
// and the previous kind's last write answered (R15, R17). Unbounded requests in flight, and the
// window the requests before left open, as loadFloor. The fake admits a request a latency after
// it arrives and answers at once.
func r15Floor(all []runntest.Request, start, n int, lim pacingLimits) time.Duration {
	if n == 0 || start >= len(all) {
		return 0
	}
	opened, count := windowBefore(all[:start], lim)
	admit := func(at time.Time) time.Time {
		if at.Before(opened) {
			at = opened // waited for the window that opened since
		}
		switch {
		case opened.IsZero() || !at.Before(opened.Add(lim.runnWindow)):
			opened, count = at, 1
		case count < benchLimit:
			count++
		default:
			opened, count = opened.Add(lim.runnWindow), 1
			at = opened
		}
		return at
	}
	// The load's writes by kind, in the order they started, and its listings' pages.
	var kinds []string
	writes := map[string]int{}
	pages := map[string]int{}        // listing (path and query without the cursor) -> pages
	listingOf := map[string]string{} // listing -> the kind its read comes before
	for _, r := range all[start : start+n] {
		if r.Method == "GET" {
			l := r.Path + "?" + withoutParam(r.Query, "cursor")
			pages[l]++
			listingOf[l] = r.Path
			continue
		}
		if writes[r.Path] == 0 {
			kinds = append(kinds, r.Path)
		}
		writes[r.Path]++
	}
	type item struct {
		at      time.Time
		listing string // a page of this listing, or else a write of kind
		kind    int
	}
	t0 := all[start].Time
	var queue []item
	for l := range pages {
		queue = append(queue, item{at: t0.Add(lim.latency), listing: l, kind: -1})
	}
	readsLeft := map[string]int{} // kind (path) -> pages still to read before its writes
	for l, p := range pages {
		readsLeft[listingOf[l]] += p
	}
	kind, kindLeft, end := -1, 0, t0
	next := func(at time.Time) { // start the next kind whose turn and reads have come
		for kindLeft == 0 && kind+1 < len(kinds) && readsLeft[kinds[kind+1]] == 0 {
			kind++
			kindLeft = writes[kinds[kind]]
			for range kindLeft {
				queue = append(queue, item{at: at.Add(lim.latency), kind: kind})
			}
		}
	}
	next(t0)
	for len(queue) > 0 {
		first := 0
		for i, it := range queue {
			if it.at.Before(queue[first].at) {
				first = i
			}
		}
		it := queue[first]
		queue = append(queue[:first], queue[first+1:]...)
		answered := admit(it.at)
		if answered.After(end) {
			end = answered
		}
		if it.listing != "" {
			pages[it.listing]--
			readsLeft[listingOf[it.listing]]--
			if pages[it.listing] > 0 {
				queue = append(queue, item{at: answered.Add(lim.latency), listing: it.listing, kind: -1})
			}
		} else {
			kindLeft--
		}
		next(answered)
	}
	return end.Sub(t0)
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

// unrelatedRunn is a Runn account a team keyed in before harvest2runn: people, projects and
// the window's actuals without Harvest references, which no sync writes to but every snapshot
// reads (so that the daily run's reads take many pages).
func unrelatedRunn(people, projects int, today time.Time) *runntest.State {
	at := today.AddDate(-1, 0, 0)
	s := &runntest.State{}
	const roles = 20
	for i := int64(1); i <= roles; i++ {
		name := fmt.Sprintf("Keyed role %d", i)
		s.Roles = append(s.Roles, runn.Role{ID: 1_000_000 + i, Name: &name, CreatedAt: at, UpdatedAt: at})
	}
	s.Clients = append(s.Clients, runn.Client{ID: 1_000_001, Name: "Keyed client", CreatedAt: at, UpdatedAt: at})
	for i := int64(1); i <= int64(projects); i++ {
		s.Projects = append(s.Projects, runn.Project{ID: 1_000_000 + i, Name: fmt.Sprintf("Keyed project %d", i), ClientID: 1_000_001,
			IsConfirmed: true, PricingModel: "tm", RateType: "hours", RateCardID: 1, CreatedAt: at, UpdatedAt: at})
	}
	var actual int64
	for p := int64(1); p <= int64(people); p++ {
		id, role := 1_000_000+p, 1_000_001+p%roles
		s.People = append(s.People, runn.Person{ID: id, FirstName: "Keyed", LastName: fmt.Sprint(p), CreatedAt: at, UpdatedAt: at})
		s.Contracts = append(s.Contracts, runn.Contract{ID: id, PersonID: id, RoleID: role, StartDate: "2024-01-01", EmploymentType: "employee",
			RosteredDays: runn.RosteredDays{Monday: 480, Tuesday: 480, Wednesday: 480, Thursday: 480, Friday: 480}, CreatedAt: at, UpdatedAt: at})
		project := 1_000_001 + p%int64(projects)
		s.Assignments = append(s.Assignments, runn.Assignment{ID: id, PersonID: id, ProjectID: project, RoleID: role,
			StartDate: today.AddDate(0, -6, 0).Format(time.DateOnly), EndDate: today.AddDate(0, 6, 0).Format(time.DateOnly),
			MinutesPerDay: 240, IsActive: true, CreatedAt: at, UpdatedAt: at})
		for d := 1; d <= 45; d++ {
			day := today.AddDate(0, 0, -d)
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			actual++
			s.Actuals = append(s.Actuals, runn.Actual{ID: 1_000_000 + actual, Date: day.Format(time.DateOnly), BillableMinutes: 240,
				PersonID: id, ProjectID: project, RoleID: role, CreatedAt: at, UpdatedAt: at})
		}
	}
	return s
}

// TestR15Floor checks the pacing benchmark's floor on a load worked out by hand: a 10 s window
// of 120 from the load's first request, 1 s latency; the roles' and projects' listings (1 and 3
// pages) from the start; 2 roles once their listing is read (at 2 s); 130 projects once the
// roles have landed and their listing is read (at 4 s: 114 fit the window, which then holds
// 120, the other 16 at its end, 11 s); the actuals' bulk call after them, at 12 s.
func TestR15Floor(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var load []runntest.Request
	add := func(method, path string, n int) {
		for range n {
			load = append(load, runntest.Request{Method: method, Path: path, Time: t0})
		}
	}
	add("GET", "/roles/", 1)
	add("GET", "/projects/", 3)
	add("POST", "/roles/", 2)
	add("POST", "/projects/", 130)
	add("POST", "/actuals/bulk/", 1)
	lim := pacingLimits{runnWindow: 10 * time.Second, latency: time.Second}
	if got, want := r15Floor(load, 0, len(load), lim), 12*time.Second; got != want {
		t.Errorf("r15Floor = %s, want %s", got, want)
	}
}
