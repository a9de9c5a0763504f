package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/jmoiron/sqlx"
	"time"
)

// HasPlan reports whether a transform of the run made a plan.
func (w *Warehouse) HasPlan(ctx context.Context, runID int64) (bool, error) {
	var ok bool
	if err := w.DB.GetContext(ctx, &ok, `SELECT count(*) > 0 FROM meta.transforms WHERE run_id = ? AND status = 'planned'`, runID); err != nil {
		return false, fmt.Errorf("read the transforms of run %d: %w", runID, err)
	}
	return ok, nil
}

// LatestPlannedRun is the newest run whose latest transform made a plan (0: none).
func (r *Reader) LatestPlannedRun(ctx context.Context) (int64, error) {
	return latestPlannedRun(ctx, r.DB)
}

// LatestPlannedRun is the newest run whose latest transform made a plan (0: none).
func (w *Warehouse) LatestPlannedRun(ctx context.Context) (int64, error) {
	return latestPlannedRun(ctx, w.DB)
}

func latestPlannedRun(ctx context.Context, db *sqlx.DB) (int64, error) {
	var id sql.NullInt64
	if err := db.GetContext(ctx, &id, `SELECT max(run_id) FROM (SELECT run_id FROM meta.transforms GROUP BY run_id
		HAVING arg_max(status, transformed_at) = 'planned')`); err != nil {
		return 0, fmt.Errorf("find the latest planned run: %w", err)
	}
	return id.Int64, nil
}

// AdoptPlan makes the plan of runID in the warehouse attached as alias (a replay's scratch
// warehouse) the run's plan in this one, in one transaction, and records it as the run's latest
// transform (took: how long the replay's transform took).
func (w *Warehouse) AdoptPlan(ctx context.Context, alias string, runID int64, took time.Duration) error {
	var tables []string
	if err := w.DB.SelectContext(ctx, &tables, `SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'plan' ORDER BY 1`,
		alias); err != nil {
		return fmt.Errorf("list the replay's plan tables: %w", err)
	}
	tx, err := BeginTx(ctx, w.DB)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range tables {
		src, dst := alias+".plan."+t, "plan."+t
		for _, q := range []string{
			`CREATE TABLE IF NOT EXISTS ` + dst + ` AS SELECT * FROM ` + src + ` LIMIT 0`,
			`DELETE FROM ` + dst + ` WHERE run_id = ?`,
			`INSERT INTO ` + dst + ` BY NAME SELECT * FROM ` + src + ` WHERE run_id = ?`,
		} {
			var args []any
			if q[0] != 'C' {
				args = append(args, runID)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("make the replay's %s run %d's plan: %w", dst, runID, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta.transforms (run_id, status, duration_ms, error) VALUES (?, 'planned', ?, NULL)`,
		runID, took.Milliseconds()); err != nil {
		return fmt.Errorf("record the replay's plan of run %d: %w", runID, err)
	}
	return tx.Commit()
}
