package warehouse

import (
	"context"
	"fmt"
)

// CopyRunInputs copies into the warehouse attached as alias (a replay's scratch warehouse) what
// a transform of runID reads: the run, the given extracts (rows of every raw table), the keys
// R11 knew when the run was planned, and the creates of earlier runs (R17 b).
func (w *Warehouse) CopyRunInputs(ctx context.Context, alias string, runID int64, extractIDs []int64) error {
	tables, err := w.RawTables(ctx)
	if err != nil {
		return err
	}
	in := idList(extractIDs)
	stmts := []string{
		fmt.Sprintf(`INSERT INTO %s.meta.runs SELECT * FROM meta.runs WHERE run_id = %d`, alias, runID),
		fmt.Sprintf(`INSERT INTO %s.meta.extracts SELECT * FROM meta.extracts WHERE extract_id IN %s`, alias, in),
		// The keys harvest2runn owned when the run was planned: those recorded before its latest
		// plan (its own load's, and later runs', came after).
		fmt.Sprintf(`INSERT INTO %s.audit.actual_keys SELECT * FROM audit.actual_keys
			WHERE recorded_at <= coalesce((SELECT max(transformed_at) FROM meta.transforms WHERE run_id = %d AND status = 'planned'), now())
			AND run_id <> %d`, alias, runID, runID),
		// The records earlier runs created or adopted: R17 (b) expects them in Runn's listings
		// (rpt_safety_checks bounds them by the run's own snapshot).
		fmt.Sprintf(`INSERT INTO %s.audit.writes SELECT * FROM audit.writes WHERE kind <> 'actual' AND run_id <> %d`, alias, runID),
		fmt.Sprintf(`INSERT INTO %s.audit.outcomes SELECT o.* FROM audit.outcomes AS o JOIN audit.writes AS w USING (write_id)
			WHERE w.kind <> 'actual' AND w.run_id <> %d`, alias, runID),
	}
	for _, t := range tables {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO %s.%s BY NAME SELECT * FROM %s WHERE extract_id IN %s`, alias, t, t, in))
	}
	for _, q := range stmts {
		if _, err := w.DB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("copy run %d into the replay's scratch warehouse: %w", runID, err)
		}
	}
	return nil
}
