package pipelines

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// prunableWarehouse holds five runs, each with a Harvest and a Runn extract with a page, a
// record and a page file: runs 1-4 started 100 days ago, run 5 today. Run 3 is the last
// successful run started long ago, and run 5 failed; so the last successful run is 3.
func prunableWarehouse(t *testing.T) (path string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "w.duckdb")
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	now = time.Date(2025, 6, 27, 12, 0, 0, 0, time.UTC)
	if err := os.MkdirAll(w.PagesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	status := map[int]string{1: "succeeded", 2: "partial", 3: "succeeded", 4: "failed", 5: "failed"}
	for run := 1; run <= 5; run++ {
		started := now.AddDate(0, 0, -100)
		if run == 5 {
			started = now.Add(-time.Hour)
		}
		if _, err := w.DB.ExecContext(ctx, `INSERT INTO meta.runs (run_id, kind, status, started_at, today) VALUES (?, 'sync', ?, ?, DATE '2025-03-19')`,
			run, status[run], started); err != nil {
			t.Fatal(err)
		}
		for i, src := range []string{"harvest", "runn"} {
			id := run*10 + i
			file := filepath.Join(filepath.Base(w.PagesDir()), fmt.Sprintf("%s-extract-%d.json.zst", src, id))
			if err := os.WriteFile(filepath.Join(filepath.Dir(path), file), []byte("zstd frames"), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				fmt.Sprintf(`INSERT INTO meta.extracts (extract_id, run_id, source, status, started_at) VALUES (%d, %d, '%s', 'succeeded', now())`, id, run, src),
				fmt.Sprintf(`INSERT INTO raw.pages VALUES ('%s', %d, 'users', 1, 'u', 200, now(), 1, 1, 1, 11, 'zstd', '%s', 0, 11)`, src, id, file),
			} {
				if _, err := w.DB.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			table := map[string]string{"harvest": "raw.harvest_users", "runn": "raw.runn_people"}[src]
			if _, err := w.DB.ExecContext(ctx, `INSERT INTO `+table+` (extract_id, page_seq, id) VALUES (?, 1, ?)`, id, 100+id); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path, now
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	path, now := prunableWarehouse(t)

	dry, err := Prune(ctx, PruneOptions{WarehousePath: path, KeepDays: 90, Keep: []int64{2}, DryRun: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := prunedIDs(dry); got != "1 4" || dry.Rows != 8 || dry.PageBytes != 44 {
		t.Errorf("dry run would prune runs %s, %d rows, %d bytes; want 1 4, 8 rows (2 pages + 2 records each), 44 bytes", got, dry.Rows, dry.PageBytes)
	}
	if kept := fmt.Sprint(dry.Kept); kept != "[{2 pinned (prune --keep)} {3 the last successful run}]" {
		t.Errorf("kept %s", kept)
	}
	if n := countRows(t, path, `SELECT count(*) FROM raw.pages`); n != 10 {
		t.Fatalf("the dry run removed pages: %d left", n)
	}

	res, err := Prune(ctx, PruneOptions{WarehousePath: path, KeepDays: 90, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// The pin of run 2 lasts: it is kept without --keep this time.
	if got := prunedIDs(res); got != "1 4" {
		t.Errorf("pruned runs %s, want 1 4", got)
	}
	for _, tc := range []struct {
		query string
		want  int64
	}{
		{`SELECT count(*) FROM raw.pages`, 6},
		{`SELECT count(*) FROM raw.harvest_users`, 3},
		{`SELECT count(*) FROM raw.runn_people WHERE extract_id IN (11, 41)`, 0},
		{`SELECT count(*) FROM meta.extracts WHERE status = 'pruned'`, 4},
		{`SELECT count(*) FROM meta.runs WHERE status = 'pruned'`, 0},
		{`SELECT count(*) FROM meta.pruned WHERE run_id IN (1, 4) AND rows_deleted = 4 AND page_files = 2`, 2},
		{`SELECT count(*) FROM meta.pinned_runs WHERE run_id = 2`, 1},
	} {
		if n := countRows(t, path, tc.query); n != tc.want {
			t.Errorf("%s = %d, want %d", tc.query, n, tc.want)
		}
	}
	files, _ := filepath.Glob(filepath.Join(warehouse.PagesDir(path), "*"))
	if len(files) != 6 {
		t.Errorf("%d page files left, want 6: %v", len(files), files)
	}

	// Every stage refuses a pruned extract, saying why.
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, uerr := w.UsableExtract(ctx, 1, "harvest")
	_, why, pruned, perr := prunedRun(ctx, w.DB, 1)
	w.Close()
	if uerr == nil || !strings.Contains(uerr.Error(), "its raw pages were removed on") || perr != nil || !pruned || why == "" {
		t.Errorf("UsableExtract of a pruned run: %v; prunedRun: %v %v", uerr, pruned, perr)
	}
	_, err = Replay(ctx, ReplayOptions{WarehousePath: path, RunID: 4})
	if !errors.Is(err, ErrPruned) || !strings.Contains(err.Error(), "run 4 cannot be replayed") {
		t.Errorf("replay of a pruned run: %v", err)
	}

	// Unpinned and older than the cutoff, run 2 goes too; the last successful run never does.
	res, err = Prune(ctx, PruneOptions{WarehousePath: path, KeepDays: 0, Unpin: []int64{2}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := prunedIDs(res); got != "2 5" || len(res.Kept) != 1 || res.Kept[0].RunID != 3 {
		t.Errorf("pruned %s, kept %v; want 2 5, kept 3", got, res.Kept)
	}
	// Issue 9: a run id that is not in the warehouse, or a --keep-days no date can hold, is a
	// configuration mistake (exit 2), refused before anything changes.
	var ce *warehouse.ConfigError
	pinned := countRows(t, path, `SELECT count(*) FROM meta.pinned_runs`)
	if _, err := Prune(ctx, PruneOptions{WarehousePath: path, KeepDays: 0, Keep: []int64{3, 99}, Now: now}); !errors.As(err, &ce) ||
		!strings.Contains(err.Error(), "no run 99") {
		t.Errorf("pinning a run that does not exist: %v; want a *warehouse.ConfigError", err)
	}
	if n := countRows(t, path, `SELECT count(*) FROM meta.pinned_runs`); n != pinned {
		t.Errorf("a refused --keep pinned runs: %d pins, want %d", n, pinned)
	}
	for _, days := range []int{-1, MaxKeepDays + 1, 99_999_999_999} {
		if res, err := Prune(ctx, PruneOptions{WarehousePath: path, KeepDays: days, Now: now}); !errors.As(err, &ce) || res.Warehouse != "" {
			t.Errorf("keep days %d: %+v %v; want a *warehouse.ConfigError and no result", days, res, err)
		}
	}
}

func prunedIDs(r PruneResult) string {
	var ids []string
	for _, p := range r.Pruned {
		ids = append(ids, fmt.Sprint(p.RunID))
	}
	return strings.Join(ids, " ")
}

func countRows(t *testing.T, path, query string) int64 {
	t.Helper()
	r, err := openReader(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int64
	if err := r.DB.Get(&n, query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// The run prune always keeps is the last one that sent its plan: a dry run sent nothing, and a
// partial run (Runn rejected some records) did send.
func TestLastSuccessfulRunSkipsDryRuns(t *testing.T) {
	ctx := context.Background()
	path, _ := prunableWarehouse(t)
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.DB.ExecContext(ctx, `UPDATE meta.runs SET options = '{"dry_run": true}' WHERE run_id = 3`); err != nil {
		t.Fatal(err)
	}
	if id, err := lastSuccessfulRun(ctx, w.DB); err != nil || id != 2 {
		t.Fatalf("lastSuccessfulRun = %d, %v; want the partial run 2, not the dry run 3", id, err)
	}
}
