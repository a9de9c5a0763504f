package load

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// DefaultWorkers is how many writes (creates of one kind, or bulk actuals calls) may be in flight
// at once: as many as a window of Runn's published limit holds, since the limiter never lets more
// start than the window Runn announces has left. Runn's rate limit is the bound, not the calls:
// 32 in flight spent a window of 120 in four round trips, which put the write phase at 1.07 to
// 1.08 × its floor at 12 s windows and 300 ms; 64 at 1.05 to 1.06; 120 at 1.045
// (docs/benchmarks.md).
const DefaultWorkers = 120

// DefaultSampleRows is how many changes of each kind a dry run shows.
const DefaultSampleRows = 5

// Options configure Apply.
type Options struct {
	RunID  int64
	DryRun bool // show the plan; send nothing, record nothing
	// Workers writes in flight at once (creates of one kind, bulk actuals calls); 0 means
	// DefaultWorkers.
	Workers int
	// Progress, when set, is called as changes finish, one call at a time (from several
	// goroutines); it should return quickly.
	Progress func(Progress)
	// SampleRows per kind in a dry run; 0 means DefaultSampleRows.
	SampleRows int
	// OldData sends the plan even when a later run was loaded since (replay --apply
	// --i-know-this-writes-old-data): its minutes then overwrite newer ones, as asked.
	OldData bool
	Logger  *slog.Logger
}

// Apply sends the plan of a transformed run to Runn (R15 order), resuming any earlier load of it.
// It returns ErrRejected (wrapped) when it finished but some changes did not land; any other
// error stopped it, and calling Apply again resumes. A dry run reads the plan and the trail only,
// and returns the plan with the error a load would refuse with, if any.
func Apply(ctx context.Context, w *warehouse.Warehouse, api API, opts Options) (Result, error) {
	res := Result{RunID: opts.RunID, Mode: ModeApply, DryRun: opts.DryRun, Rejected: []Problem{}}
	log := orDiscard(opts.Logger)
	o, err := openLoad(ctx, w.DB, opts.RunID, opts.OldData)
	if err != nil {
		return res, err
	}
	plan, prior, refuse := o.plan, o.prior, o.refuse
	res.MissingPlanTables = plan.Missing
	for _, t := range plan.Missing {
		log.Warn("the plan has no such table: nothing of that kind will be sent", "table", t, "run_id", opts.RunID)
	}
	if opts.DryRun {
		// The plan, and whether a load would refuse to send it.
		dryRun(&res, plan, prior, sampleRows(opts.SampleRows))
		return res, refuse
	}
	if refuse != nil {
		return res, refuse
	}
	if api == nil {
		return res, errors.New("load: no Runn client given for a load that is not a dry run")
	}
	if plan.Size() == 0 {
		return applyNothing(ctx, w.DB, &res, log)
	}
	rec, err := startLoad(ctx, w.DB, opts.RunID, ModeApply)
	if err != nil {
		return res, err
	}
	res.LoadID = rec.loadID
	log.Info("load started", "run_id", opts.RunID, "load_id", rec.loadID, "changes", plan.Size(), "already_done", countConfirmed(prior))
	a := newApplier(api, rec, prior, opts.Workers, opts.Progress, log)
	started, before := time.Now(), api.Stats()
	err = a.applyPlan(ctx, plan)
	var withEnd func(*sqlx.Tx) error
	if err == nil {
		// Recorded in the transaction that records the load's end: one commit fewer.
		withEnd = func(tx *sqlx.Tx) (err error) {
			res.FoundEqual, err = recordFoundEqual(ctx, tx, opts.RunID)
			return err
		}
	}
	return a.close(ctx, &res, started, before, err, withEnd)
}

// applyNothing records the load of a plan with nothing to send, as any load is recorded, but
// begun and ended in one transaction: a daily run that changes nothing commits once here.
func applyNothing(ctx context.Context, db *sqlx.DB, res *Result, log *slog.Logger) (Result, error) {
	started := time.Now()
	rec := &recorder{db: db, runID: res.RunID, mode: ModeApply}
	res.Counts = []Counts{}
	err := rec.tx(ctx, func(tx *sqlx.Tx) (err error) {
		if err := rec.begin(ctx, tx); err != nil {
			return fmt.Errorf("register the load of run %d in the audit trail: %w", res.RunID, err)
		}
		if res.FoundEqual, err = recordFoundEqual(ctx, tx, res.RunID); err != nil {
			return err
		}
		res.Duration = time.Since(started)
		return rec.recordEnd(ctx, tx, res, nil)
	})
	if err != nil {
		return *res, err
	}
	res.LoadID, res.TrailTime = rec.loadID, rec.busy
	log.Info("load finished", "run_id", res.RunID, "load_id", res.LoadID, "mode", res.Mode, "status", warehouse.RunSucceeded,
		"applied", 0, "already_done", 0, "found_equal", res.FoundEqual, "requests", 0, "duration", res.Duration.Round(time.Millisecond))
	return *res, nil
}

// opened is what a load reads before it starts.
type opened struct {
	plan   Plan
	prior  map[string]prior
	refuse error // why the plan may not be sent, if it may not
}

// openLoad reads the plan of runID, the trail of its earlier loads and whether the plan may be
// sent, side by side: they are independent reads, and a load with nothing to send is mostly
// these. Its error is the first of theirs in that order.
func openLoad(ctx context.Context, db *sqlx.DB, runID int64, oldData bool) (opened, error) {
	var o opened
	var planned, planErr, priorErr error
	var wg sync.WaitGroup
	wg.Go(func() { planned = checkPlanned(ctx, db, runID) })
	wg.Go(func() { o.plan, planErr = ReadPlan(ctx, db, runID) })
	wg.Go(func() { o.prior, priorErr = readPrior(ctx, db, runID, ModeApply) })
	wg.Go(func() { o.refuse = checkApplicable(ctx, db, runID, oldData) })
	wg.Wait()
	return o, cmp.Or(planned, planErr, priorErr)
}

// close fills in the figures of a finished load, records its end (with withEnd's records, if
// any, in the same transaction), and turns rejections into ErrRejected.
func (a *applier) close(ctx context.Context, res *Result, started time.Time, before runn.Stats, err error,
	withEnd func(*sqlx.Tx) error) (Result, error) {
	res.Duration = time.Since(started)
	addStats(res, before, a.api.Stats())
	a.rec.mu.Lock()
	res.TrailTime = a.rec.busy
	a.rec.mu.Unlock()
	a.tally.into(res)
	t := res.Totals()
	if secs := res.Duration.Seconds(); secs > 0 {
		res.WritesPerSecond = float64(t.Applied+t.Reconciled) / secs
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		// Whatever failed first (often a database call cut short), the cause is the interruption.
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	if err == nil && len(res.Rejected) > 0 {
		err = fmt.Errorf("run %d: %d of %d changes did not land (%d refused by Runn, %d not sent because a record they need was not created; `harvest2runn audit --run %d` lists them): %w",
			res.RunID, t.Rejected+t.Skipped, t.Planned, t.Rejected, t.Skipped, res.RunID, ErrRejected)
	}
	if ferr := a.rec.finish(ctx, res, err, withEnd); ferr != nil {
		err = errors.Join(err, ferr)
	}
	a.log.Info("load finished", "run_id", res.RunID, "mode", res.Mode, "status", warehouseStatus(res, err),
		"applied", t.Applied, "already_done", t.AlreadyDone, "reconciled", t.Reconciled, "rejected", t.Rejected,
		"skipped", t.Skipped, "requests", res.Requests, "retries", res.Retries, "duration", res.Duration.Round(time.Millisecond))
	return *res, err
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func sampleRows(n int) int {
	if n <= 0 {
		return DefaultSampleRows
	}
	return n
}

// checkPlanned refuses a run whose latest transform did not produce a plan that may be loaded.
func checkPlanned(ctx context.Context, db *sqlx.DB, runID int64) error {
	var status string
	err := db.GetContext(ctx, &status, `SELECT status FROM meta.transforms WHERE run_id = ? ORDER BY transformed_at DESC LIMIT 1`, runID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("run %d has no plan: run `harvest2runn transform --run %d` first", runID, runID)
	case err != nil:
		return fmt.Errorf("read the transforms of run %d: %w", runID, err)
	case status == "audit_failed":
		return fmt.Errorf("run %d's plan failed its audits (see `harvest2runn transform --run %d`): nothing of it may be sent to Runn", runID, runID)
	case status != "planned":
		return fmt.Errorf("the last transform of run %d %s: transform it again before loading", runID, status)
	}
	return nil
}

// checkApplicable refuses to send a plan that is no longer current: a run that was reverted, or
// one older than a run already loaded (its minutes would overwrite newer ones). A link run
// (R16) writes only references, so it makes no plan older.
func checkApplicable(ctx context.Context, db *sqlx.DB, runID int64, oldData bool) error {
	var reverted int64
	if err := db.GetContext(ctx, &reverted, `SELECT count(*) FROM audit.writes WHERE run_id = ? AND mode = 'revert'`, runID); err != nil {
		return fmt.Errorf("read the audit trail of run %d: %w", runID, err)
	}
	if reverted > 0 {
		return fmt.Errorf("run %d was reverted: its plan cannot be sent again; extract and transform a new run", runID)
	}
	var later sql.NullInt64
	if err := db.GetContext(ctx, &later, `SELECT min(w.run_id) FROM audit.writes AS w JOIN audit.outcomes AS o ON o.write_id = w.write_id
		WHERE w.run_id > ? AND w.mode = 'apply' AND o.status = 'confirmed'
		  AND w.run_id NOT IN (SELECT run_id FROM meta.runs WHERE kind = ?)`, runID, KindLinkRun); err != nil {
		return fmt.Errorf("read the audit trail after run %d: %w", runID, err)
	}
	if later.Valid && !oldData {
		return fmt.Errorf("run %d was loaded after run %d: sending run %d's older plan now would overwrite newer minutes; load the latest run instead",
			later.Int64, runID, runID)
	}
	return nil
}

// recordFoundEqual records the run's keys whose computed minutes Runn already held (R14 writes
// nothing for them) as harvest2runn's (R11 edge case), replacing any earlier record of the run.
func recordFoundEqual(ctx context.Context, tx *sqlx.Tx, runID int64) (int64, error) {
	have, err := tablesIn(ctx, tx, "plan")
	if err != nil || !have["plan.rpt_actuals_found_equal"] {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit.actual_keys WHERE run_id = ? AND how = 'found_equal'`, runID); err != nil {
		return 0, fmt.Errorf("record the keys found equal: %w", err)
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO audit.actual_keys (run_id, date, runn_person_id, runn_project_id, runn_role_id,
			billable_minutes, nonbillable_minutes, how)
		SELECT run_id, date, runn_person_id, runn_project_id, runn_role_id, billable_minutes, nonbillable_minutes, 'found_equal'
		FROM plan.rpt_actuals_found_equal WHERE run_id = ?`, runID)
	if err != nil {
		return 0, fmt.Errorf("record the keys found equal (plan.rpt_actuals_found_equal): %w", err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}

func countConfirmed(prior map[string]prior) int {
	n := 0
	for _, p := range prior {
		if p.Status == statusConfirmed {
			n++
		}
	}
	return n
}
