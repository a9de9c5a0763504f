package load

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ReconcileLanded settles earlier runs' actual writes whose answer never arrived (the process
// was stopped or the answer was lost, and that run was not loaded again): where the Runn
// snapshot of run runID holds exactly the minutes such a write sent, Runn applied it. The write
// is recorded as confirmed (by a read) and its key as harvest2runn's (audit.actual_keys,
// 'written'), as R11 counts "a later reconciliation found it applied". Run it after run runID's
// Runn extract and before its transform, so that R11 and R12 follow those keys too. It returns
// how many writes it settled.
func ReconcileLanded(ctx context.Context, db *sqlx.DB, runID, runnExtractID int64) (int, error) {
	tx, err := warehouse.BeginTx(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("reconcile unanswered actual writes: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE landed AS
		WITH attempts AS (
			-- The latest attempt at each key of each earlier run's apply; a key any attempt of
			-- that run confirmed is settled already.
			SELECT * FROM audit.write_log
			WHERE kind = 'actual' AND mode = 'apply' AND run_id < ? AND runn_person_id IS NOT NULL
			QUALIFY row_number() OVER (PARTITION BY run_id, date, runn_person_id, runn_project_id, runn_role_id ORDER BY write_id DESC) = 1
		),
		snapshot AS (
			SELECT date, person_id, project_id, role_id,
				round(billable_minutes)::BIGINT AS billable_minutes, round(nonbillable_minutes)::BIGINT AS nonbillable_minutes
			FROM raw.runn_actuals
			WHERE extract_id = ? AND workstream_id IS NULL
			QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC) = 1
		)
		SELECT a.write_id, a.run_id, a.date, a.runn_person_id, a.runn_project_id, a.runn_role_id,
			a.billable_minutes, a.nonbillable_minutes
		FROM attempts AS a
		JOIN snapshot AS s ON s.date = a.date AND s.person_id = a.runn_person_id
			AND s.project_id = a.runn_project_id AND s.role_id = a.runn_role_id
			AND s.billable_minutes = a.billable_minutes AND s.nonbillable_minutes = a.nonbillable_minutes
		WHERE a.status IN ('pending', 'unknown')
		  AND NOT EXISTS (
			SELECT 1 FROM audit.write_log AS c
			WHERE c.run_id = a.run_id AND c.kind = 'actual' AND c.mode = 'apply' AND c.status = 'confirmed'
			  AND c.date = a.date AND c.runn_person_id = a.runn_person_id
			  AND c.runn_project_id = a.runn_project_id AND c.runn_role_id = a.runn_role_id)`, runID, runnExtractID); err != nil {
		return 0, fmt.Errorf("reconcile unanswered actual writes: %w", err)
	}
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM landed`); err != nil || n == 0 {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit.outcomes (outcome_id, write_id, status, how, error)
		SELECT (SELECT coalesce(max(outcome_id), 0) FROM audit.outcomes) + row_number() OVER (ORDER BY write_id), write_id,
			'confirmed', 'read', 'found applied in the Runn snapshot of run ' || ?
		FROM landed`, runID); err != nil {
		return 0, fmt.Errorf("record reconciled actual writes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit.actual_keys (run_id, date, runn_person_id, runn_project_id,
			runn_role_id, billable_minutes, nonbillable_minutes, how)
		SELECT run_id, date, runn_person_id, runn_project_id, runn_role_id, billable_minutes, nonbillable_minutes, 'written'
		FROM landed`); err != nil {
		return 0, fmt.Errorf("record reconciled actual keys: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE landed`); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("record reconciled actual writes: %w", err)
	}
	return n, nil
}
