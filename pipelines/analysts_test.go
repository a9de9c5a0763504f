package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// analystsWarehouse holds two synced runs a day apart over the same fakes (the generated
// account has time that is not sent, R9, so the exclusions have rows).
func analystsWarehouse(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	hc, rc, _ := syncClients(t)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	for i, today := range []time.Time{time.Date(2025, 6, 26, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)} {
		res, err := Sync(ctx, SyncOptions{WarehousePath: path, Today: today, Window: extract.Window{From: today.AddDate(0, 0, -45), To: today},
			Harvest: hc, Runn: rc})
		if err != nil || res.RunID != int64(i+1) {
			t.Fatalf("sync %d: %+v %v", i+1, res.RunID, err)
		}
	}
	return path
}

// viewRows is every analytics.* view's rows of a run, sorted, as text.
func viewRows(t *testing.T, path string, runID int64) map[string][]string {
	t.Helper()
	ctx := context.Background()
	r, err := warehouse.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var views []string
	if err := r.DB.SelectContext(ctx, &views, `SELECT view_name FROM duckdb_views() WHERE schema_name = 'analytics' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, v := range views {
		var rows []string
		if err := r.DB.SelectContext(ctx, &rows, `SELECT CAST(v AS VARCHAR) FROM analytics.`+v+` AS v WHERE run_id = ? ORDER BY 1`, runID); err != nil {
			t.Fatalf("read analytics.%s: %v", v, err)
		}
		out[v] = rows
	}
	if len(out) < 3 {
		t.Fatalf("analytics has %d views, want at least 3", len(out))
	}
	return out
}

// History survives prune (docs/warehouse.md): after prune removed run 1's extracts, every
// analytics.* view and every report (discrepancies, with the reasons of R9; the HTML report's
// data) gives the same rows for run 1 as before; a run that is not there is a configuration
// error (exit 2); a run pruned before its history was kept is refused with the date it was
// pruned, not shown as false discrepancies.
func TestAnalystsHistorySurvivesPrune(t *testing.T) {
	ctx := context.Background()
	path := analystsWarehouse(t)
	now := time.Date(2025, 6, 27, 7, 0, 0, 0, time.UTC)
	reports := func() (map[string][]string, DiscrepancyReport, string) {
		views := viewRows(t, path, 1)
		d, err := Discrepancies(ctx, DiscrepancyOptions{WarehousePath: path, RunID: 1, All: true})
		if err != nil {
			t.Fatal(err)
		}
		h, err := RunReport(ctx, RunReportOptions{WarehousePath: path, RunID: 1, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		h.PrunedAt = "" // the page says when the run was pruned; the rest must not change
		b, _ := json.Marshal(h)
		return views, d, string(b)
	}
	views, disc, page := reports()
	if len(views["minutes_by_week"]) == 0 || len(views["excluded_time"]) == 0 || disc.DiscrepanciesCount == 0 {
		t.Fatalf("run 1 has too little to compare: %d weeks, %d exclusions, %d report rows",
			len(views["minutes_by_week"]), len(views["excluded_time"]), disc.DiscrepanciesCount)
	}
	for _, d := range disc.Discrepancies {
		if d.PersonName == nil || d.ProjectName == nil {
			t.Fatalf("a report row without names: %+v", d)
		}
	}
	res, err := Prune(ctx, PruneOptions{WarehousePath: path, KeepDays: 0, Now: time.Now().Add(time.Hour)})
	if err != nil || prunedIDs(res) != "1" {
		t.Fatalf("prune: %s %v; want run 1 pruned", prunedIDs(res), err)
	}
	views2, disc2, page2 := reports()
	if diff := cmp.Diff(views, views2); diff != "" {
		t.Errorf("analytics views of run 1 changed by prune (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(disc, disc2, cmpIgnorePruned()); diff != "" {
		t.Errorf("report discrepancies of run 1 changed by prune (-before +after):\n%s", diff)
	}
	if page != page2 {
		t.Errorf("the HTML report's data of run 1 changed by prune:\n%s\n%s", page, page2)
	}

	var ce *warehouse.ConfigError
	if _, err := Discrepancies(ctx, DiscrepancyOptions{WarehousePath: path, RunID: 9}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "no run 9") {
		t.Errorf("a report on run 9, which is not there: %v; want a *warehouse.ConfigError", err)
	}
	// A run transformed before the history tables has none of their rows.
	testwarehouse.Tamper(t, path, `DELETE FROM plan.rpt_run_summary WHERE run_id = 1; DELETE FROM plan.rpt_minutes_by_week WHERE run_id = 1;
		DELETE FROM plan.rpt_names WHERE run_id = 1`)
	_, err = Discrepancies(ctx, DiscrepancyOptions{WarehousePath: path, RunID: 1})
	if !errors.Is(err, warehouse.ErrPruned) || !strings.Contains(err.Error(), "run 1's extracts were pruned on ") ||
		!strings.Contains(err.Error(), "its plan and reports remain") {
		t.Errorf("a report on a run pruned before its history was kept: %v", err)
	}
	if v := viewRows(t, path, 1); len(v["minutes_by_week"]) != 0 || len(v["excluded_time"]) != 0 {
		t.Errorf("views show %d weeks and %d exclusions of a run whose extracts and history are gone; want none rather than false discrepancies",
			len(v["minutes_by_week"]), len(v["excluded_time"]))
	}
}

func cmpIgnorePruned() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool { return strings.HasSuffix(p.String(), "PrunedAt") }, cmp.Ignore())
}

// export writes a run's tables as Parquet and a manifest; each file read back with DuckDB holds
// exactly the warehouse's rows of the run (compared both ways, duplicates counted).
func TestAnalystsExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := analystsWarehouse(t)
	dir := t.TempDir()
	m, err := Export(ctx, ExportOptions{WarehousePath: path, RunID: 2, Dir: dir, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "run=2", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk ExportManifest
	if err := json.Unmarshal(b, &onDisk); err != nil || onDisk.RunID != 2 || len(onDisk.Tables) != len(m.Tables) {
		t.Fatalf("manifest.json: %v %+v", err, onDisk)
	}
	want := []string{"raw.harvest_time_entries", "staging.stg_harvest__time_entries", "plan.chg_runn__actuals", "plan.rpt_exclusions",
		"analytics.minutes_by_week", "analytics.excluded_time", "analytics.planned_writes"}
	have := map[string]ExportedTable{}
	for _, tb := range m.Tables {
		have[tb.Table] = tb
	}
	for _, w := range want {
		if have[w].Rows == 0 {
			t.Errorf("the export lacks %s or it is empty: %+v", w, have[w])
		}
	}
	db, err := sqlx.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`ATTACH ` + quoteLiteral(path) + ` AS w (READ_ONLY)`); err != nil {
		t.Fatal(err)
	}
	for _, tb := range m.Tables {
		src := `SELECT * FROM w.` + tb.Table
		switch {
		case strings.HasPrefix(tb.Table, "raw."):
			src += ` WHERE extract_id IN (SELECT extract_id FROM w.meta.extracts WHERE run_id = 2)`
		case strings.HasPrefix(tb.Table, "plan."), strings.HasPrefix(tb.Table, "analytics."):
			src += ` WHERE run_id = 2`
		}
		// A folder named run=2 reads as a Hive partition (a run column), which notebooks like;
		// the comparison takes the file's own columns.
		file := quoteLiteral(filepath.Join(dir, "run=2", tb.File)) + ", hive_partitioning = false"
		var diff struct {
			OnlyFile  int64 `db:"only_file"`
			OnlyTable int64 `db:"only_table"`
			Rows      int64 `db:"file_rows"`
		}
		if err := db.Get(&diff, fmt.Sprintf(`SELECT (SELECT count(*) FROM (FROM read_parquet(%s) EXCEPT ALL %s)) AS only_file,
				(SELECT count(*) FROM (%s EXCEPT ALL FROM read_parquet(%s))) AS only_table,
				(SELECT count(*) FROM read_parquet(%s)) AS file_rows`, file, src, src, file, file)); err != nil {
			t.Fatalf("compare %s: %v", tb.Table, err)
		}
		if diff.OnlyFile != 0 || diff.OnlyTable != 0 || diff.Rows != tb.Rows {
			t.Errorf("%s: %d rows only in the file, %d only in the warehouse, %d in the file (manifest %d)", tb.Table, diff.OnlyFile,
				diff.OnlyTable, diff.Rows, tb.Rows)
		}
	}
}
