// Package pipelines composes the stages into the runs users start: it opens the warehouse (and
// so takes the run lock), registers the run, runs the stages in order and records the outcome.
package pipelines

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ExtractOptions configure an extract run.
type ExtractOptions struct {
	WarehousePath string
	Today         time.Time
	Window        extract.Window
	Harvest       extract.HarvestAPI // nil: Harvest is not extracted
	Runn          extract.RunnAPI    // nil: Runn is not snapshotted
	Progress      extract.Progress
	Logger        *slog.Logger
	// RunOptions are stored with the run, for replay and for the record, with the window added.
	RunOptions map[string]any
	// runnSplit is the split of the Runn snapshot's actuals, started ahead by a sync.
	runnSplit *extract.RunnSplit
}

// ExtractResult is what an extract run produced.
type ExtractResult struct {
	RunID     int64             `json:"run_id"`
	Today     string            `json:"today"`
	Warehouse string            `json:"warehouse"`
	Harvest   *extract.Manifest `json:"harvest,omitempty"`
	Runn      *extract.Manifest `json:"runn,omitempty"`
	// Window is the spent-date window of time entries and actuals read (zero From: all history).
	Window extract.Window `json:"-"`
}

// Extract runs the extract stage alone, as its own run.
func Extract(ctx context.Context, opts ExtractOptions) (_ ExtractResult, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w, err := warehouse.Open(ctx, opts.WarehousePath, warehouse.Options{Holder: "harvest2runn extract"})
	if err != nil {
		return ExtractResult{}, err
	}
	defer closeInto(w, &err)
	// The window is what a later transform or replay of this run reads back.
	runOpts := map[string]any{}
	for k, v := range opts.RunOptions {
		runOpts[k] = v
	}
	runOpts["window_to"] = opts.Window.To.Format(time.DateOnly)
	runOpts["window_from"] = nil
	if !opts.Window.From.IsZero() {
		runOpts["window_from"] = opts.Window.From.Format(time.DateOnly)
	}
	run, err := w.StartRun(ctx, "extract", opts.Today, runOpts)
	if err != nil {
		return ExtractResult{}, err
	}
	res := ExtractResult{RunID: run.ID, Today: opts.Today.Format(time.DateOnly), Warehouse: w.Path(), Window: opts.Window}
	log.Info("run started", "run_id", run.ID, "kind", "extract", "window", opts.Window.String(), "warehouse", w.Path())
	err = extractBoth(ctx, w, run.ID, opts, &res, log)
	if err != nil {
		// R17 (a) is recorded here too, so that status shows why the extract is not used.
		_, err = recordIncompleteExtract(ctx, w.DB, run.ID, err)
	}
	status := warehouse.RunSucceeded
	if err != nil {
		status = warehouse.RunFailed
		err = fmt.Errorf("run %d: %w", run.ID, err)
	}
	if ferr := w.FinishRun(ctx, run.ID, status, err); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

// extractBoth reads the two APIs at once: each has its own rate limit, and a large Runn account
// takes minutes at Runn's limit, as a large Harvest window does at Harvest's.
func extractBoth(ctx context.Context, w *warehouse.Warehouse, runID int64, opts ExtractOptions, res *ExtractResult, log *slog.Logger) error {
	if err := w.SetStage("extract"); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	landing := extract.NewLanding()
	if opts.Harvest != nil {
		res.Harvest = &extract.Manifest{}
		g.Go(func() error {
			m, err := extract.Harvest(gctx, w, opts.Harvest, extract.HarvestOptions{
				RunID: runID, Window: opts.Window, Progress: opts.Progress, Landing: landing, Logger: log,
			})
			*res.Harvest = m
			return err
		})
	}
	if opts.Runn != nil {
		res.Runn = &extract.Manifest{}
		g.Go(func() error {
			m, err := extract.Runn(gctx, w, opts.Runn, extract.RunnOptions{
				RunID: runID, ActualsWindow: opts.Window, Split: opts.runnSplit, Progress: opts.Progress, Landing: landing, Logger: log,
			})
			*res.Runn = m
			return err
		})
	}
	return g.Wait()
}
