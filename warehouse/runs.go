package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Run statuses.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
	// RunPartial: finished, but Runn rejected some records.
	RunPartial = "partial"
)

// Run is a row of the run registry.
type Run struct {
	ID         int64          `db:"run_id"`
	Kind       string         `db:"kind"`
	Status     string         `db:"status"`
	StartedAt  time.Time      `db:"started_at"`
	FinishedAt sql.NullTime   `db:"finished_at"`
	Today      sql.NullTime   `db:"today"`
	Options    sql.NullString `db:"options"`
	Error      sql.NullString `db:"error"`
}

// runColumns reads JSON as text: the driver would hand it back as a decoded map.
const runColumns = `run_id, kind, status, started_at, finished_at, today, options::VARCHAR AS options, error`

// StartRun registers a run of the given kind computing for today, and names it in the run lock.
// options is stored as JSON so that a replay can show what the run was asked to do.
func (w *Warehouse) StartRun(ctx context.Context, kind string, today time.Time, options any) (Run, error) {
	opts, err := json.Marshal(options)
	if err != nil {
		return Run{}, fmt.Errorf("encode run options: %w", err)
	}
	var r Run
	err = w.DB.GetContext(ctx, &r, `INSERT INTO meta.runs (kind, status, started_at, today, options)
		VALUES (?, 'running', now(), ?, ?) RETURNING `+runColumns, kind, dateOnly(today), string(opts))
	if err != nil {
		return Run{}, fmt.Errorf("register %s run: %w", kind, err)
	}
	if w.lock != nil {
		if err := w.lock.update(func(i *LockInfo) { i.RunID, i.Kind, i.Since = r.ID, kind, r.StartedAt.UTC() }); err != nil {
			return Run{}, err
		}
	}
	return r, nil
}

// FinishRun records how a run ended. runErr, when not nil, is kept as the run's error.
func (w *Warehouse) FinishRun(ctx context.Context, id int64, status string, runErr error) error {
	var msg any
	if runErr != nil {
		msg = runErr.Error()
	}
	// A cancelled ctx must not stop us from recording the failure it caused.
	ctx = context.WithoutCancel(ctx)
	if _, err := w.DB.ExecContext(ctx, `UPDATE meta.runs SET status = ?, finished_at = now(), error = ? WHERE run_id = ?`,
		status, msg, id); err != nil {
		return fmt.Errorf("record end of run %d: %w", id, err)
	}
	return nil
}

// GetRun returns one run.
func (w *Warehouse) GetRun(ctx context.Context, id int64) (Run, error) {
	return getRun(ctx, w.DB, w.path, id)
}

// GetRun returns one run.
func (r *Reader) GetRun(ctx context.Context, id int64) (Run, error) {
	return getRun(ctx, r.DB, r.path, id)
}

func getRun(ctx context.Context, db *sqlx.DB, path string, id int64) (Run, error) {
	var r Run
	err := db.GetContext(ctx, &r, `SELECT `+runColumns+` FROM meta.runs WHERE run_id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("no run %d in warehouse %s", id, path)
	}
	return r, err
}

// LastRun returns the newest run; ok is false when there is none. A run the registry still says
// is running is returned as failed: the reader's lock proves that no process holds the
// warehouse, so the run died (crash or kill), as the next run to open the warehouse records.
func (r *Reader) LastRun(ctx context.Context) (_ Run, ok bool, err error) {
	var run Run
	err = r.DB.GetContext(ctx, &run, `SELECT `+runColumns+` FROM meta.runs ORDER BY run_id DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("read the last run: %w", err)
	}
	if run.Status == RunRunning {
		run.Status, run.Error = RunFailed, sql.NullString{String: abandoned, Valid: true}
	}
	return run, true, nil
}

// RunInfo is a run as reports show it (status's last run).
type RunInfo struct {
	RunID      int64      `json:"run_id"`
	Kind       string     `json:"kind"`
	Status     string     `json:"status"`
	Today      string     `json:"today,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// Info is the run as reports show it.
func (r Run) Info() RunInfo {
	i := RunInfo{RunID: r.ID, Kind: r.Kind, Status: r.Status, StartedAt: r.StartedAt, Error: r.Error.String}
	if r.Today.Valid {
		i.Today = r.Today.Time.Format(time.DateOnly)
	}
	if r.FinishedAt.Valid {
		i.FinishedAt = &r.FinishedAt.Time
	}
	return i
}

// abandoned is the error of a run whose process died before it finished.
const abandoned = "the process running it stopped before it finished (crash or kill); run the command again"

// abandonStaleRuns marks as failed the runs and extracts left 'running' by a process that died:
// we hold the lock, so nothing else can be running.
func (w *Warehouse) abandonStaleRuns(ctx context.Context) error {
	for _, table := range []string{"meta.extracts", "meta.runs"} {
		q := "UPDATE " + table + " SET status = 'failed', error = coalesce(error, ?) WHERE status = 'running'"
		if _, err := w.DB.ExecContext(ctx, q, abandoned); err != nil {
			return fmt.Errorf("close abandoned runs: %w", err)
		}
	}
	return nil
}

func dateOnly(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.DateOnly)
}
