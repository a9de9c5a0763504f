package htmlreport

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's chromium; the test skips without it unless H2R_REQUIRE_BROWSER=1
// (CI installs it and sets that, so that a missing browser fails there).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("H2R_REQUIRE_BROWSER") == "1" {
		t.Fatal("no chromium on PATH and H2R_REQUIRE_BROWSER=1: apt-get install chromium")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); set H2R_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// The page opens from disk in a real headless browser with no console error or exception, and
// its charts have the series and points of a scenario with known totals: a chart per person and
// project, three series (Harvest, Runn before, Runn after) of one point per week each, whose
// values add up to the report's totals, and one highlighted week per discrepancy. A screenshot
// is written beside (H2R_SCREENSHOT names the file; default in the test's temporary folder).
func TestBrowserRendersCharts(t *testing.T) {
	exe := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	rep := knownReport()
	if err := Render(f, rep); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(filepath.Join(dir, "profile")), chromedp.WindowSize(1200, 900)}
	for _, flag := range []string{"disable-quic", "disable-background-networking", "disable-component-update", "disable-sync"} {
		opts = append(opts, chromedp.Flag(flag, true))
	}
	// A Chromium that hangs fails the test instead of waiting for go test's timeout.
	tctx, cancelTimeout := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelTimeout()
	actx, cancelAlloc := chromedp.NewExecAllocator(tctx, opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, fmt.Sprintf("console.%s %v", e.Type, e.Args))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			// Chromium's own warnings vary by version; an error (a resource that did not load,
			// a blocked request) is the page's.
			if e.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, fmt.Sprintf("log %s: %s %s", e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[chartFacts](chartFactsJS))
	if err != nil {
		t.Fatal(err)
	}
	want := chartFacts{Charts: 4, SeriesPerChart: []int{3, 3, 3, 3}, PointsPerSeries: 4, Highlighted: 1 + 1,
		Sums: map[string]int64{"harvest": 2 * rep.Summary.HarvestMinutes, "runn-before": 2 * rep.Summary.RunnMinutesBefore,
			"runn-after": 2 * rep.Summary.RunnMinutesAfter}, Title: "harvest2runn run 7 (2025-06-02 to 2025-06-27)"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("charts in the browser:\n got %+v\nwant %+v", got, want)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("H2R_SCREENSHOT")
	if out == "" {
		out = filepath.Join(dir, "report.png")
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(shot))
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the browser reported:\n%s", strings.Join(problems, "\n"))
	}
}

// chartFacts is what the page's charts hold, as the browser sees them. Each chart is drawn once
// per person and project, so sums over all charts count every minute twice.
type chartFacts struct {
	Charts          int              `json:"charts"`
	SeriesPerChart  []int            `json:"series_per_chart"`
	PointsPerSeries int              `json:"points_per_series"`
	Highlighted     int              `json:"highlighted"`
	Sums            map[string]int64 `json:"sums"`
	Title           string           `json:"title"`
}

const chartFactsJS = `(() => {
  const charts = [...document.querySelectorAll('svg.chart')];
  const series = [...document.querySelectorAll('svg.chart g.series')];
  const points = new Set(series.map(g => g.querySelectorAll('circle.point').length));
  const sums = {};
  for (const g of series) {
    for (const c of g.querySelectorAll('circle.point')) {
      sums[g.dataset.series] = (sums[g.dataset.series] || 0) + Number(c.dataset.minutes);
    }
  }
  return {
    charts: charts.length,
    series_per_chart: charts.map(c => c.querySelectorAll('g.series').length),
    points_per_series: points.size === 1 ? [...points][0] : -1,
    highlighted: document.querySelectorAll('svg.chart rect.discrepancy').length,
    sums: sums,
    title: document.title,
  };
})()`
