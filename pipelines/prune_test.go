package pipelines

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// prunableWarehouse holds five runs, each with a Harvest and a Runn extract: runs 1-4 started
// 100 days ago, run 5 today; run 3 is the last successful run. (What a prune removes and keeps
// is tested with pages and records in warehouse/retention_test.go.)
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
	if _, err := w.DB.ExecContext(ctx, `INSERT INTO meta.runs (run_id, kind, status, started_at, today)
		SELECT i, 'sync', ['succeeded', 'partial', 'succeeded', 'failed', 'failed'][i],
			CASE WHEN i = 5 THEN ?::TIMESTAMPTZ - INTERVAL 1 HOUR ELSE ?::TIMESTAMPTZ - INTERVAL 100 DAY END, DATE '2025-03-19'
		FROM range(1, 6) AS t(i)`, now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.ExecContext(ctx, `INSERT INTO meta.extracts (extract_id, run_id, source, status, started_at)
		SELECT run_id * 10 + s.i, run_id, ['harvest', 'runn'][s.i + 1], 'succeeded', now() FROM meta.runs, range(0, 2) AS s(i)`); err != nil {
		t.Fatal(err)
	}
	return path, now
}

// Prune turns --keep-days into a cutoff and --keep into pins, and refuses a --keep-days no date
// can hold before it opens the warehouse; replay refuses a pruned run.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	path, now := prunableWarehouse(t)

	res, err := Prune(ctx, PruneOptions{WarehousePath: path, KeepDays: 90, Keep: []int64{2}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := prunedIDs(res); got != "1 4" || fmt.Sprint(res.Pinned) != "[2]" {
		t.Errorf("pruned runs %s, pinned %v; want 1 4, pinned [2]", got, res.Pinned)
	}
	_, err = Replay(ctx, ReplayOptions{WarehousePath: path, RunID: 4})
	if !errors.Is(err, warehouse.ErrPruned) || !strings.Contains(err.Error(), "run 4 cannot be replayed") {
		t.Errorf("replay of a pruned run: %v", err)
	}
	// Issue 9: a run id that is not in the warehouse, or a --keep-days no date can hold, is a
	// configuration mistake (exit 2), refused before anything changes.
	var ce *warehouse.ConfigError
	if _, err := Prune(ctx, PruneOptions{WarehousePath: path, KeepDays: 0, Keep: []int64{3, 99}, Now: now}); !errors.As(err, &ce) ||
		!strings.Contains(err.Error(), "no run 99") {
		t.Errorf("pinning a run that does not exist: %v; want a *warehouse.ConfigError", err)
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
