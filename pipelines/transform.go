package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// TransformOptions configure a transform of a run's stored extracts.
type TransformOptions struct {
	WarehousePath string
	RunID         int64 // 0: the latest run whose two extracts succeeded
	Autofill      bool
	Only          []string
	Logger        *slog.Logger
}

// TransformResult is a transform and the plan it made: the one JSON object `transform --output
// json` prints (docs/schemas/transform.schema.json).
type TransformResult struct {
	RunID     int64             `json:"run_id"`
	Today     string            `json:"today"`
	Window    WindowJSON        `json:"window"`
	Status    string            `json:"status"` // planned, or audit_failed: nothing of it may be sent
	Transform transform.Result  `json:"transform"`
	Summary   transform.Summary `json:"summary"`
	// Plan is the plan record by record, with names.
	Plan *Plan `json:"plan"`
}

// Transform plans a run again from its stored extracts, with the run's own today and window.
func Transform(ctx context.Context, opts TransformOptions) (_ TransformResult, err error) {
	w, err := warehouse.Open(ctx, opts.WarehousePath, warehouse.Options{Holder: "harvest2runn transform"})
	if err != nil {
		return TransformResult{}, err
	}
	defer closeInto(w, &err)
	runID := opts.RunID
	if runID == 0 {
		if runID, err = w.LatestExtractedRun(ctx); err != nil {
			return TransformResult{}, err
		}
	}
	run, err := w.GetRun(ctx, runID)
	if err != nil {
		return TransformResult{}, err
	}
	today, from, err := runWindow(run)
	if err != nil {
		return TransformResult{}, err
	}
	res := TransformResult{RunID: runID, Today: today.Format(time.DateOnly), Window: WindowOf(extract.Window{From: from, To: today}),
		Status: "failed"}
	if err := w.SetStage("transform"); err != nil {
		return res, err
	}
	if err := reconcileLanded(ctx, w, runID, opts.Logger); err != nil {
		return res, err
	}
	res.Transform, err = transform.Run(ctx, w, transform.Options{RunID: runID, Today: today, WindowFrom: from,
		Autofill: opts.Autofill, Only: opts.Only, Logger: opts.Logger})
	if err != nil && !errors.Is(err, transform.ErrAuditFailed) {
		return res, fmt.Errorf("transform run %d: %w", runID, err)
	}
	res.Status = "planned"
	if err != nil {
		res.Status = "audit_failed"
	}
	var serr error
	if res.Summary, serr = transform.Summarize(ctx, w.DB, runID, 0); serr == nil {
		res.Plan, serr = ReadPlan(ctx, w.DB, runID, res.Summary)
	}
	if serr != nil && err == nil {
		err = serr
	}
	return res, err
}

// runWindow is the today and window start a run was extracted for.
func runWindow(r warehouse.Run) (today, from time.Time, err error) {
	if !r.Today.Valid {
		return today, from, fmt.Errorf("run %d has no today recorded", r.ID)
	}
	today = r.Today.Time
	var o struct {
		WindowFrom *string `json:"window_from"`
	}
	if r.Options.Valid {
		if err := json.Unmarshal([]byte(r.Options.String), &o); err != nil {
			return today, from, fmt.Errorf("run %d options: %w", r.ID, err)
		}
	}
	if o.WindowFrom != nil {
		if from, err = time.Parse(time.DateOnly, *o.WindowFrom); err != nil {
			return today, from, fmt.Errorf("run %d window_from: %w", r.ID, err)
		}
	}
	return today, from, nil
}

// reconcileLanded settles, before a run's transform, the actual writes of earlier runs whose
// answer never came but which the run's snapshot of Runn shows applied (load.ReconcileLanded),
// so that R11 and R12 follow those keys.
func reconcileLanded(ctx context.Context, w *warehouse.Warehouse, runID int64, log *slog.Logger) error {
	runnExtract, err := w.UsableExtract(ctx, runID, "runn")
	if err != nil {
		return err
	}
	n, err := load.ReconcileLanded(ctx, w.DB, runID, runnExtract)
	if err != nil {
		return err
	}
	if n > 0 && log != nil {
		log.Info("earlier unanswered actual writes found applied in Runn", "run_id", runID, "writes", n)
	}
	return nil
}
