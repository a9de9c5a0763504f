package pipelines

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// A replay's scratch folder is named ".<warehouse file>.replay-<random>", beside the warehouse.
const scratchSuffix = ".replay-"

// scratchAlias is the name a scratch warehouse is attached under in the real one.
const scratchAlias = "h2r_replay_scratch"

// scratch is a throw-away warehouse holding a copy of one run's inputs (its run row, its two
// extracts, and R11's audit.actual_keys as they were when the run was planned), so that the run
// can be transformed again under its own id without touching its plan in the real warehouse.
// It lives beside the real warehouse (the copy can be large; the temp partition may be small).
type scratch struct {
	dir, path string
}

func newScratch(ctx context.Context, real *warehouse.Warehouse) (*scratch, error) {
	// A replay that was killed left its scratch behind; the caller holds the run lock, so no
	// other replay of this warehouse is using one.
	prefix := "." + filepath.Base(real.Path()) + scratchSuffix
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(real.Path()), prefix+"*"))
	for _, d := range stale {
		_ = os.RemoveAll(d)
	}
	dir, err := os.MkdirTemp(filepath.Dir(real.Path()), prefix)
	if err != nil {
		return nil, fmt.Errorf("scratch folder for the replay: %w", err)
	}
	s := &scratch{dir: dir, path: filepath.Join(dir, "replay.duckdb")}
	// Opening it once applies the migrations: the same schema as the real warehouse.
	w, err := warehouse.Open(ctx, s.path, warehouse.Options{Holder: "harvest2runn replay (scratch)"})
	if err != nil {
		s.remove()
		return nil, err
	}
	if err := w.Close(); err != nil {
		s.remove()
		return nil, err
	}
	return s, nil
}

func (s *scratch) remove() { _ = os.RemoveAll(s.dir) }

// attach makes the scratch warehouse visible in the real one as scratchAlias until detach.
func (s *scratch) attach(ctx context.Context, real *warehouse.Warehouse, readOnly bool) (detach func(), err error) {
	q := "ATTACH '" + strings.ReplaceAll(s.path, "'", "''") + "' AS " + scratchAlias
	if readOnly {
		q += " (READ_ONLY)"
	}
	if _, err := real.DB.ExecContext(ctx, q); err != nil {
		return nil, fmt.Errorf("attach the replay's scratch warehouse: %w", err)
	}
	return func() { _, _ = real.DB.ExecContext(context.WithoutCancel(ctx), "DETACH "+scratchAlias) }, nil
}

// copyRun copies into the scratch warehouse what a transform of runID reads
// (warehouse.CopyRunInputs).
func (s *scratch) copyRun(ctx context.Context, real *warehouse.Warehouse, runID int64, extractIDs []int64) error {
	detach, err := s.attach(ctx, real, false)
	if err != nil {
		return err
	}
	defer detach()
	return real.CopyRunInputs(ctx, scratchAlias, runID, extractIDs)
}
