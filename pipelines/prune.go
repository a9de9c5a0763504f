package pipelines

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// PruneOptions configure Prune.
type PruneOptions struct {
	WarehousePath string
	KeepDays      int       // prune the extracts of runs started more than this many days ago
	Keep          []int64   // pin these runs: their extracts are never pruned, now or later
	Unpin         []int64   // remove these runs' pins
	DryRun        bool      // say what would go; remove nothing
	Now           time.Time // zero: time.Now()
	Logger        *slog.Logger
}

// PruneResult is what a prune removed and kept (warehouse.Prune).
type PruneResult = warehouse.PruneResult

// MaxKeepDays bounds --keep-days (about a century): a cutoff further back is not a date DuckDB
// can compare with.
const MaxKeepDays = 36_500

// Prune pins and unpins runs, then removes the raw extracts of runs started more than KeepDays
// ago (warehouse.Prune says which stay).
func Prune(ctx context.Context, opts PruneOptions) (_ PruneResult, err error) {
	if opts.KeepDays < 0 || opts.KeepDays > MaxKeepDays {
		return PruneResult{}, &warehouse.ConfigError{Msg: fmt.Sprintf("--keep-days %d is out of range: give a number of days from 0 to %d", opts.KeepDays, MaxKeepDays)}
	}
	w, err := warehouse.Open(ctx, opts.WarehousePath, warehouse.Options{Holder: "harvest2runn prune"})
	if err != nil {
		return PruneResult{}, err
	}
	defer closeInto(w, &err)
	if err := w.SetStage("prune"); err != nil {
		return PruneResult{}, err
	}
	if err := w.Pin(ctx, opts.Keep, opts.Unpin); err != nil {
		return PruneResult{}, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return w.Prune(ctx, warehouse.PruneOptions{Cutoff: now.AddDate(0, 0, -opts.KeepDays), DryRun: opts.DryRun,
		Reason: fmt.Sprintf("harvest2runn prune --keep-days %d", opts.KeepDays), Logger: orDiscardLogger(opts.Logger)})
}
