package pipelines

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ErrNoPlan: the run exists but no transform of it made a plan, so there is nothing to report.
var ErrNoPlan = errors.New("the run has no plan")

// Window is the dates a run read and wrote: From is nil for the whole history.
type Window struct {
	From *string `json:"from"`
	To   string  `json:"to"`
}

// String is the window as text reads it: "2025-05-28 to 2025-06-27" or "all history to ...".
func (w Window) String() string {
	if w.From == nil {
		return "all history to " + w.To
	}
	return *w.From + " to " + w.To
}

// ReportRun is the run a report is about.
type ReportRun struct {
	RunID  int64  `json:"run_id"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	Window Window `json:"window"`
	// History: the transform kept the run's history in plan.* (plan.rpt_run_summary has its
	// row), so every report on it reads nothing prune removes.
	History  bool       `json:"-"`
	PrunedAt *time.Time `json:"pruned_at,omitempty"`
}

// reportRun resolves the run a report asks for (0: the latest planned run) and refuses what no
// report can show: a run that is not in the warehouse (a *warehouse.ConfigError, exit 2), a run
// without a plan, and a run whose extracts were pruned before its history was kept.
func reportRun(ctx context.Context, r *warehouse.Reader, runID int64) (ReportRun, error) {
	if runID == 0 {
		id, err := r.LatestPlannedRun(ctx)
		if err != nil {
			return ReportRun{}, err
		}
		if id == 0 {
			return ReportRun{}, fmt.Errorf("%w: no run has a plan yet: run `harvest2runn sync` first", ErrNoPlan)
		}
		runID = id
	}
	var n int
	if err := r.DB.GetContext(ctx, &n, `SELECT count(*) FROM meta.runs WHERE run_id = ?`, runID); err != nil {
		return ReportRun{}, fmt.Errorf("look for run %d: %w", runID, err)
	}
	if n == 0 {
		return ReportRun{}, &warehouse.ConfigError{Msg: fmt.Sprintf("--run %d: no run %d in warehouse %s: give the id of a run that `harvest2runn status` or `harvest2runn query \"SELECT * FROM meta.runs\"` lists", runID, runID, r.Path())}
	}
	run, err := r.GetRun(ctx, runID)
	if err != nil {
		return ReportRun{}, err
	}
	today, from, err := runWindow(run)
	if err != nil {
		return ReportRun{}, err
	}
	rr := ReportRun{RunID: runID, Kind: run.Kind, Status: run.Status, Window: Window{To: today.Format(time.DateOnly)}}
	if !from.IsZero() {
		f := from.Format(time.DateOnly)
		rr.Window.From = &f
	}
	if err := r.DB.GetContext(ctx, &n, `SELECT count(*) FROM meta.transforms WHERE run_id = ? AND status IN ('planned', 'audit_failed')`, runID); err != nil {
		return rr, fmt.Errorf("read the transforms of run %d: %w", runID, err)
	}
	if n == 0 {
		return rr, fmt.Errorf("%w: run %d (%s, %s) was never transformed into a plan; report on a run that `harvest2runn status` shows planned, or replay this one", ErrNoPlan, runID, run.Kind, run.Status)
	}
	if rr.History, err = hasHistory(ctx, r, runID); err != nil {
		return rr, err
	}
	if rr.PrunedAt, err = r.PrunedAt(ctx, runID); err != nil {
		return rr, err
	}
	if !rr.History && rr.PrunedAt != nil {
		return rr, fmt.Errorf("%w: run %d's extracts were pruned on %s; its plan and reports remain: plan.chg_runn__* and plan.rpt_* (harvest2runn query \"SELECT * FROM analytics.planned_writes WHERE run_id = %d\"); this report needs the extracts of a run transformed before the history tables were kept",
			warehouse.ErrPruned, runID, rr.PrunedAt.Format(time.DateOnly), runID)
	}
	return rr, nil
}

// hasHistory says whether the transform kept the run's history in plan.* (plan.rpt_run_summary).
func hasHistory(ctx context.Context, r *warehouse.Reader, runID int64) (bool, error) {
	ok, err := r.HasTable(ctx, "plan", "rpt_run_summary")
	if err != nil || !ok {
		return false, err
	}
	var n int
	if err := r.DB.GetContext(ctx, &n, `SELECT count(*) FROM plan.rpt_run_summary WHERE run_id = ?`, runID); err != nil {
		return false, fmt.Errorf("read plan.rpt_run_summary: %w", err)
	}
	return n > 0, nil
}
