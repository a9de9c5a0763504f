package main

// End-to-end tests of what analysts use (issue 12): report discrepancies and report html,
// export to Parquet, query --output json|csv|arrow, and the queries docs/warehouse.md answers
// the analysts' questions with, before and after a prune.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
)

// analystsRuns syncs twice: run 1 everything (no discrepancy; time excluded for reasons, R9),
// then run 2 only people, projects and clients (R15), so that the time run 1 excluded, and
// Harvest's time since, is missing from Runn (discrepancies).
func analystsRuns(t *testing.T) map[string]string {
	t.Helper()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 3, People: 20, Projects: 40, TimeEntries: 1500}})
	for _, args := range [][]string{
		{"sync", "--today", "2025-06-26"},
		{"sync", "--only", "clients,projects,people", "--today", "2025-06-27"},
	} {
		if r := runBin(t, vars, args...); r.code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
	}
	return vars
}

type discrepanciesJSON struct {
	RunID         int64  `json:"run_id"`
	PrunedAt      string `json:"pruned_at"`
	Discrepancies []struct {
		HarvestUserID *int64  `json:"harvest_user_id"`
		PersonName    *string `json:"person_name"`
		ProjectName   *string `json:"project_name"`
		Discrepancy   int64   `json:"discrepancy_minutes"`
		Exclusions    []struct {
			Reason  string `json:"reason"`
			Minutes int64  `json:"minutes"`
		} `json:"exclusions"`
	} `json:"discrepancies"`
	Count int `json:"discrepancies_count"`
}

// report discrepancies: names beside ids, largest first, the reasons time was excluded (R9);
// a healthy run says so in one line; a run that is not there exits 2 with one line; the same
// figures after prune removed the run's extracts.
func TestE2EAnalystsReports(t *testing.T) {
	t.Parallel()
	vars := analystsRuns(t)

	r := runBin(t, vars, "report", "discrepancies", "--output", "json")
	checkSchema(t, "report", []byte(r.stdout))
	var d1 discrepanciesJSON
	decodeOne(t, r.stdout, &d1)
	if r.code != exitOK || d1.RunID != 2 || d1.Count == 0 || d1.Count != len(d1.Discrepancies) {
		t.Fatalf("report discrepancies (the latest run, 2): exit %d, %d rows\n%s", r.code, d1.Count, r.stderr)
	}
	for i, d := range d1.Discrepancies {
		if d.PersonName == nil || d.ProjectName == nil || d.Discrepancy == 0 ||
			i > 0 && abs64(d.Discrepancy) > abs64(d1.Discrepancies[i-1].Discrepancy) {
			t.Fatalf("row %d: %+v; want names, a discrepancy, largest first", i, d)
		}
	}
	text := runBin(t, vars, "report", "discrepancies", "--run", "2")
	if first := *d1.Discrepancies[0].PersonName; text.code != exitOK || !strings.Contains(text.stdout, "rows in run 2 (window 2025-05-13 to 2025-06-27)") ||
		!strings.Contains(text.stdout, first+" (") {
		t.Errorf("report discrepancies --run 1 as text lacks its scope or %q:\n%s", first, text.stdout)
	}
	csv := runBin(t, vars, "report", "discrepancies", "--run", "2", "--output", "csv")
	if lines := strings.Split(strings.TrimSpace(csv.stdout), "\n"); csv.code != exitOK || len(lines) != d1.Count+1 ||
		!strings.HasPrefix(lines[0], "run_id,harvest_user_id,person_name,role_names,") {
		t.Errorf("report discrepancies --output csv: exit %d, %d lines\n%s", csv.code, len(lines), csv.stdout)
	}

	healthy := runBin(t, vars, "report", "discrepancies", "--run", "1")
	if healthy.code != exitOK || healthy.stdout != "no discrepancies in run 1 (window 2025-05-12 to 2025-06-26)\n" {
		t.Errorf("report discrepancies on a healthy run: exit %d %q", healthy.code, healthy.stdout)
	}
	all := runBin(t, vars, "report", "discrepancies", "--run", "1", "--all", "--output", "json")
	checkSchema(t, "report", []byte(all.stdout))
	var d2 discrepanciesJSON
	decodeOne(t, all.stdout, &d2)
	reasons := 0
	for _, d := range d2.Discrepancies {
		reasons += len(d.Exclusions)
	}
	if d2.RunID != 1 || d2.Count == 0 || reasons == 0 {
		t.Errorf("report discrepancies --run 1 --all: run %d, %d rows, %d reasons; want run 1's weeks with the reasons time was excluded",
			d2.RunID, d2.Count, reasons)
	}

	missing := runBin(t, vars, "report", "discrepancies", "--run", "9")
	if missing.code != exitUsage || missing.stdout != "" || strings.Count(missing.stderr, "\n") != 1 || !strings.Contains(missing.stderr, "no run 9") {
		t.Errorf("report on run 9, which is not there: exit %d\n%s%s", missing.code, missing.stdout, missing.stderr)
	}

	page := filepath.Join(t.TempDir(), "run1.html")
	h := runBin(t, vars, "report", "html", "--run", "1", "--out", page)
	html, err := os.ReadFile(page)
	if h.code != exitOK || err != nil || !bytes.Contains(html, []byte(`<svg class="chart"`)) || bytes.Contains(html, []byte("http://")) ||
		bytes.Contains(html, []byte("<script")) {
		t.Errorf("report html: exit %d %v\n%s", h.code, err, h.stderr)
	}

	if p := runBin(t, vars, "prune", "--keep-days", "0"); p.code != exitOK || !strings.Contains(p.stdout, "run 1 ") {
		t.Fatalf("prune: exit %d\n%s\n%s", p.code, p.stdout, p.stderr)
	}
	after := runBin(t, vars, "report", "discrepancies", "--run", "1", "--all", "--output", "json")
	var p1 discrepanciesJSON
	decodeOne(t, after.stdout, &p1)
	if after.code != exitOK || p1.PrunedAt == "" {
		t.Fatalf("report discrepancies on the pruned run: exit %d, pruned_at %q\n%s", after.code, p1.PrunedAt, after.stderr)
	}
	p1.PrunedAt = ""
	if a, b := mustJSON(t, d2), mustJSON(t, p1); a != b {
		t.Errorf("report discrepancies of run 1 changed by prune:\nbefore %s\nafter  %s", a, b)
	}
	h2 := runBin(t, vars, "report", "html", "--run", "1", "--out", "-")
	if h2.code != exitOK || !strings.Contains(h2.stdout, "were pruned on") || strings.Count(h2.stdout, `<svg class="chart"`) != bytes.Count(html, []byte(`<svg class="chart"`)) {
		t.Errorf("report html of the pruned run: exit %d, %d charts (before: %d)\n%s", h2.code, strings.Count(h2.stdout, `<svg class="chart"`),
			bytes.Count(html, []byte(`<svg class="chart"`)), h2.stderr)
	}
}

// export --output json and query --output json|csv|arrow follow their contracts.
func TestE2EAnalystsExportAndQuery(t *testing.T) {
	t.Parallel()
	vars := analystsRuns(t)
	dir := t.TempDir()
	ex := runBin(t, vars, "export", "--to", dir, "--output", "json")
	checkSchema(t, "export", []byte(ex.stdout))
	var m struct {
		RunID  int64 `json:"run_id"`
		Tables []struct {
			File string `json:"file"`
			Rows int64  `json:"rows"`
		} `json:"tables"`
	}
	decodeOne(t, ex.stdout, &m)
	if ex.code != exitOK || m.RunID != 2 || len(m.Tables) == 0 {
		t.Fatalf("export: exit %d %+v\n%s", ex.code, m, ex.stderr)
	}
	for _, f := range append([]string{"manifest.json"}, m.Tables[0].File) {
		if _, err := os.Stat(filepath.Join(dir, "run=2", f)); err != nil {
			t.Errorf("export wrote no %s: %v", f, err)
		}
	}

	const q = "SELECT run_id, person_name, week, discrepancy FROM analytics.minutes_by_week ORDER BY ALL LIMIT 5"
	js := runBin(t, vars, "query", q, "--output", "json")
	checkSchema(t, "query", []byte(js.stdout))
	if c := runBin(t, vars, "query", q, "--output", "csv"); c.code != exitOK || !strings.HasPrefix(c.stdout, "run_id,person_name,week,discrepancy\n") {
		t.Errorf("query --output csv: exit %d\n%s", c.code, c.stdout)
	}
	// An Arrow IPC stream starts with a message's continuation marker (0xFFFFFFFF); arrow-go's
	// reader reads it back in pipelines/arrow_test.go.
	if a := runBin(t, vars, "query", q, "--output", "arrow"); a.code != exitOK || !strings.HasPrefix(a.stdout, "\xff\xff\xff\xff") {
		t.Errorf("query --output arrow: exit %d, %d bytes\n%s", a.code, len(a.stdout), a.stderr)
	}
}

// Every query in docs/warehouse.md runs; the analysts' three questions have answers, before and
// after a prune.
func TestE2EAnalystsDocumentedQueries(t *testing.T) {
	t.Parallel()
	vars := analystsRuns(t)
	doc, err := os.ReadFile("../../docs/warehouse.md")
	if err != nil {
		t.Fatal(err)
	}
	_, questions, ok := strings.Cut(string(doc), "## The analysts' three questions")
	if !ok {
		t.Fatal("docs/warehouse.md has no section \"The analysts' three questions\"")
	}
	questions, _, _ = strings.Cut(questions, "\n## ")
	block := regexp.MustCompile("(?s)```sql\n(.*?)```")
	three := block.FindAllStringSubmatch(questions, -1)
	if len(three) != 3 {
		t.Fatalf("the analysts' section has %d queries, want 3", len(three))
	}
	for _, pruned := range []bool{false, true} {
		if pruned {
			if p := runBin(t, vars, "prune", "--keep-days", "0"); p.code != exitOK {
				t.Fatalf("prune: exit %d\n%s", p.code, p.stderr)
			}
		}
		for _, m := range block.FindAllStringSubmatch(string(doc), -1) {
			r := runBin(t, vars, "query", m[1], "--output", "json")
			if r.code != exitOK {
				t.Errorf("pruned %v: exit %d for\n%s\n%s", pruned, r.code, m[1], r.stderr)
				continue
			}
			var rows []map[string]any
			decodeOne(t, r.stdout, &rows)
			for _, q := range three {
				if q[1] == m[1] && len(rows) == 0 {
					t.Errorf("pruned %v: no answer from\n%s", pruned, m[1])
				}
			}
		}
	}
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
