// Package pipelines composes the stages into the runs users start: it opens the warehouse (and
// so takes the run lock), registers the run, runs the stages in order and records the outcome.
package pipelines

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ExtractOptions configure an extract run.
type ExtractOptions struct {
	WarehousePath string
	Today         time.Time
	Window        extract.Window
	Harvest       extract.HarvestAPI
	Progress      extract.Progress
	Logger        *slog.Logger
	// RunOptions are stored with the run, for replay and for the record.
	RunOptions map[string]any
}

// ExtractResult is what an extract run produced.
type ExtractResult struct {
	RunID     int64            `json:"run_id"`
	Today     string           `json:"today"`
	Warehouse string           `json:"warehouse"`
	Harvest   extract.Manifest `json:"harvest"`
}

// Extract runs the extract stage alone, as its own run.
func Extract(ctx context.Context, opts ExtractOptions) (ExtractResult, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w, err := warehouse.Open(ctx, opts.WarehousePath, warehouse.Options{Holder: "harvest2runn extract"})
	if err != nil {
		return ExtractResult{}, err
	}
	defer w.Close()
	run, err := w.StartRun(ctx, "extract", opts.Today, opts.RunOptions)
	if err != nil {
		return ExtractResult{}, err
	}
	res := ExtractResult{RunID: run.ID, Today: opts.Today.Format(time.DateOnly), Warehouse: w.Path()}
	log.Info("run started", "run_id", run.ID, "kind", "extract", "window", opts.Window.String(), "warehouse", w.Path())
	if err := w.SetStage("extract harvest"); err != nil {
		return res, err
	}
	m, err := extract.Harvest(ctx, w, opts.Harvest, extract.HarvestOptions{
		RunID: run.ID, Window: opts.Window, Progress: opts.Progress, Logger: log,
	})
	res.Harvest = m
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
