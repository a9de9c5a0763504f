package pipelines

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// LoadOptions configure the load of a run's plan.
type LoadOptions struct {
	WarehousePath string
	RunID         int64 // 0: the latest run with a plan
	DryRun        bool
	Runn          load.API // may be nil for a dry run
	Workers       int
	// AllowLargeChanges lifts the plan's R17 (b) and (c) stops for this load.
	AllowLargeChanges bool
	Progress          func(load.Progress)
	Logger            *slog.Logger
}

// LoadResult is a load (or revert) and the warehouse it used.
type LoadResult struct {
	load.Result
	Warehouse string `json:"warehouse"`
	// WarehouseHeld is how long the warehouse file was open: no analyst can open it meanwhile.
	WarehouseHeld time.Duration `json:"warehouse_held_ns"`
	// SafetyStops are the plan's R17 checks that tripped: the load stopped before sending
	// anything, or went on because they were lifted.
	SafetyStops []SafetyStop `json:"safety_stops"`
}

// Load sends a transformed run's plan to Runn, resuming any earlier load of it, and records the
// outcome in the run registry (succeeded, partial when Runn rejected some records, failed).
func Load(ctx context.Context, opts LoadOptions) (LoadResult, error) {
	res := LoadResult{SafetyStops: []SafetyStop{}}
	err := withWarehouse(ctx, opts.WarehousePath, "harvest2runn load", &res, func(w *warehouse.Warehouse) error {
		runID := opts.RunID
		if runID == 0 {
			var err error
			if runID, err = w.LatestPlannedRun(ctx); err != nil {
				return err
			}
			if runID == 0 {
				return errors.New("no run has a plan: run `harvest2runn extract` and `harvest2runn transform` first")
			}
		}
		res.RunID = runID
		if _, err := w.GetRun(ctx, runID); err != nil {
			return err
		}
		if err := w.SetStage("load"); err != nil {
			return err
		}
		var err error
		if res.SafetyStops, err = checkSafety(ctx, w, runID, opts.AllowLargeChanges, opts.DryRun); err != nil {
			return err
		}
		res.Result, err = load.Apply(ctx, w, opts.Runn, load.Options{RunID: runID, DryRun: opts.DryRun, Workers: opts.Workers,
			Progress: opts.Progress, Logger: opts.Logger})
		if res.LoadID != 0 {
			if ferr := w.FinishRun(ctx, runID, loadStatus(err), err); ferr != nil && err == nil {
				err = ferr
			}
		}
		return err
	})
	return res, err
}

// RevertOptions configure the revert of a run.
type RevertOptions struct {
	WarehousePath string
	RunID         int64
	DryRun        bool
	Force         bool
	Runn          load.API // may be nil for a dry run
	Workers       int
	Progress      func(load.Progress)
	Logger        *slog.Logger
}

// Revert puts the actuals a run wrote back to what Runn held before it (see load.Revert).
func Revert(ctx context.Context, opts RevertOptions) (LoadResult, error) {
	res := LoadResult{Result: load.Result{RunID: opts.RunID}}
	err := withWarehouse(ctx, opts.WarehousePath, "harvest2runn revert", &res, func(w *warehouse.Warehouse) error {
		if err := w.SetStage("revert"); err != nil {
			return err
		}
		var err error
		res.Result, err = load.Revert(ctx, w, opts.Runn, load.RevertOptions{RunID: opts.RunID, DryRun: opts.DryRun, Force: opts.Force,
			Workers: opts.Workers, Progress: opts.Progress, Logger: opts.Logger})
		return err
	})
	return res, err
}

// withWarehouse opens the warehouse for fn and records in res how long it was held.
func withWarehouse(ctx context.Context, path, holder string, res *LoadResult, fn func(*warehouse.Warehouse) error) error {
	opened := time.Now()
	w, err := warehouse.Open(ctx, path, warehouse.Options{Holder: holder})
	if err != nil {
		return err
	}
	res.Warehouse = w.Path()
	err = fn(w)
	if cerr := w.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	res.WarehouseHeld = time.Since(opened)
	return err
}

// loadStatus is the run status a load's outcome gives: partial when Runn rejected some records.
func loadStatus(err error) string {
	switch {
	case err == nil:
		return warehouse.RunSucceeded
	case errors.Is(err, load.ErrRejected):
		return warehouse.RunPartial
	default:
		return warehouse.RunFailed
	}
}
