package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// prunableWarehouse holds five runs, each with a Harvest and a Runn extract with a page, a
// record and a page file: runs 1-4 started 100 days ago, run 5 today. Run 3 is the last
// successful run started long ago, and run 5 failed; so the last successful run is 3.
func prunableWarehouse(t *testing.T) (w *Warehouse, now time.Time) {
	t.Helper()
	ctx := context.Background()
	w = openTemp(t, filepath.Join(t.TempDir(), "w.duckdb"))
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
			id := int64(run*10 + i)
			file, path := w.PageFile(src, id)
			if err := os.WriteFile(path, []byte("zstd frames"), 0o644); err != nil {
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
	return w, now
}

// pruneOlderThan pins and unpins, then prunes the runs started more than days before now, as
// `harvest2runn prune --keep-days` does.
func pruneOlderThan(t *testing.T, w *Warehouse, now time.Time, days int, keep, unpin []int64, dryRun bool) PruneResult {
	t.Helper()
	ctx := context.Background()
	if err := w.Pin(ctx, keep, unpin); err != nil {
		t.Fatal(err)
	}
	res, err := w.Prune(ctx, PruneOptions{Cutoff: now.AddDate(0, 0, -days), Reason: fmt.Sprintf("test --keep-days %d", days), DryRun: dryRun})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	w, now := prunableWarehouse(t)

	dry := pruneOlderThan(t, w, now, 90, []int64{2}, nil, true)
	if got := prunedIDs(dry); got != "1 4" || dry.Rows != 8 || dry.PageBytes != 44 {
		t.Errorf("dry run would prune runs %s, %d rows, %d bytes; want 1 4, 8 rows (2 pages + 2 records each), 44 bytes", got, dry.Rows, dry.PageBytes)
	}
	if kept := fmt.Sprint(dry.Kept); kept != "[{2 pinned (prune --keep)} {3 the last successful run}]" {
		t.Errorf("kept %s", kept)
	}
	if n := countRows(t, w, `SELECT count(*) FROM raw.pages`); n != 10 {
		t.Fatalf("the dry run removed pages: %d left", n)
	}

	res := pruneOlderThan(t, w, now, 90, nil, nil, false)
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
		if n := countRows(t, w, tc.query); n != tc.want {
			t.Errorf("%s = %d, want %d", tc.query, n, tc.want)
		}
	}
	files, _ := filepath.Glob(filepath.Join(w.PagesDir(), "*"))
	if len(files) != 6 {
		t.Errorf("%d page files left, want 6: %v", len(files), files)
	}

	// Every stage refuses a pruned extract, saying why.
	_, uerr := w.UsableExtract(ctx, 1, "harvest")
	_, why, pruned, perr := w.PrunedAt(ctx, 1)
	if uerr == nil || !strings.Contains(uerr.Error(), "its raw pages were removed on") || perr != nil || !pruned || why == "" {
		t.Errorf("UsableExtract of a pruned run: %v; PrunedAt: %v %v", uerr, pruned, perr)
	}

	// Unpinned and older than the cutoff, run 2 goes too; the last successful run never does.
	res = pruneOlderThan(t, w, now, 0, nil, []int64{2}, false)
	if got := prunedIDs(res); got != "2 5" || len(res.Kept) != 1 || res.Kept[0].RunID != 3 {
		t.Errorf("pruned %s, kept %v; want 2 5, kept 3", got, res.Kept)
	}
	// Issue 9: a run id that is not in the warehouse is a configuration mistake (exit 2),
	// refused before anything changes.
	var ce *ConfigError
	pinned := countRows(t, w, `SELECT count(*) FROM meta.pinned_runs`)
	if err := w.Pin(ctx, []int64{3, 99}, nil); !errors.As(err, &ce) || !strings.Contains(err.Error(), "no run 99") {
		t.Errorf("pinning a run that does not exist: %v; want a *ConfigError", err)
	}
	if n := countRows(t, w, `SELECT count(*) FROM meta.pinned_runs`); n != pinned {
		t.Errorf("a refused --keep pinned runs: %d pins, want %d", n, pinned)
	}
}

// An extract that landed no page has its (empty) page file, which no raw.pages row names: the
// prune finds it by the name the extract gave it.
func TestPruneRemovesThePageFileOfAnExtractWithoutPages(t *testing.T) {
	ctx := context.Background()
	w, now := prunableWarehouse(t)
	if _, err := w.DB.ExecContext(ctx, `DELETE FROM raw.pages WHERE extract_id = 11`); err != nil {
		t.Fatal(err)
	}
	_, path := w.PageFile("runn", 11)
	res := pruneOlderThan(t, w, now, 90, nil, nil, false)
	if got := prunedIDs(res); got != "1 2 4" || res.Pruned[0].PageFiles != 2 {
		t.Fatalf("pruned %s, %+v; want runs 1 2 4, two page files of run 1", got, res.Pruned)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the page file of an extract without pages is left: %v", err)
	}
}

func prunedIDs(r PruneResult) string {
	var ids []string
	for _, p := range r.Pruned {
		ids = append(ids, fmt.Sprint(p.RunID))
	}
	return strings.Join(ids, " ")
}

func countRows(t *testing.T, w *Warehouse, query string) int64 {
	t.Helper()
	var n int64
	if err := w.DB.Get(&n, query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// The run prune always keeps is the last one that sent its plan: a dry run sent nothing, and a
// partial run (Runn rejected some records) did send.
func TestLastSuccessfulRunSkipsDryRuns(t *testing.T) {
	ctx := context.Background()
	w, _ := prunableWarehouse(t)
	if _, err := w.DB.ExecContext(ctx, `UPDATE meta.runs SET options = '{"dry_run": true}' WHERE run_id = 3`); err != nil {
		t.Fatal(err)
	}
	if id, err := lastSuccessfulRun(ctx, w.DB); err != nil || id != 2 {
		t.Fatalf("lastSuccessfulRun = %d, %v; want the partial run 2, not the dry run 3", id, err)
	}
}

// Reports read through a Reader when a run was pruned (issue 12), to refuse or to say so:
// nil for a run whose extracts remain, the time of the prune (UTC) for one that was pruned.
func TestReaderPrunedAt(t *testing.T) {
	ctx := context.Background()
	w, now := prunableWarehouse(t)
	pruneOlderThan(t, w, now, 90, nil, nil, false)
	path := w.Path()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tc := range []struct {
		run    int64
		pruned bool
	}{{1, true}, {3, false}, {4, true}, {5, false}, {99, false}} {
		at, err := r.PrunedAt(ctx, tc.run)
		if err != nil || (at != nil) != tc.pruned || at != nil && (at.Location() != time.UTC || at.IsZero()) {
			t.Errorf("run %d: pruned at %v, %v; want pruned %v, in UTC", tc.run, at, err, tc.pruned)
		}
	}
}
