package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// UsableExtract returns the id of run's extract from source ("harvest" or "runn"), refusing one
// that failed or never finished: a later stage must never read it.
func (w *Warehouse) UsableExtract(ctx context.Context, runID int64, source string) (int64, error) {
	var e struct {
		ID     int64          `db:"extract_id"`
		Status string         `db:"status"`
		Error  sql.NullString `db:"error"`
	}
	err := w.DB.GetContext(ctx, &e, `SELECT extract_id, status, error FROM meta.extracts
		WHERE run_id = ? AND source = ? ORDER BY extract_id DESC LIMIT 1`, runID, source)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("run %d has no %s extract: run `harvest2runn extract` or `sync` first", runID, source)
	}
	if err != nil {
		return 0, fmt.Errorf("find the %s extract of run %d: %w", source, runID, err)
	}
	if e.Status != RunSucceeded {
		return 0, fmt.Errorf("the %s extract %d of run %d %s (%s) and cannot be used: extract again",
			source, e.ID, runID, e.Status, e.Error.String)
	}
	return e.ID, nil
}

// LatestExtractedRun is the newest run with a usable extract from both APIs.
func (w *Warehouse) LatestExtractedRun(ctx context.Context) (int64, error) {
	var id int64
	err := w.DB.GetContext(ctx, &id, `SELECT run_id FROM meta.usable_extracts GROUP BY run_id
		HAVING count(DISTINCT source) = 2 ORDER BY run_id DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("no run in %s has extracts of both Harvest and Runn: run `harvest2runn extract` first", w.path)
	}
	return id, err
}

// PreviousExtract is the usable extract from source before extractID that R17 (b) compares it
// with: the newest earlier one of a run no safety stop held back (0: none).
func (w *Warehouse) PreviousExtract(ctx context.Context, source string, extractID int64) (int64, error) {
	var previous int64
	if err := w.DB.GetContext(ctx, &previous, `SELECT coalesce(max(extract_id), 0) FROM meta.usable_extracts
		WHERE source = ? AND extract_id < ? AND run_id NOT IN (SELECT run_id FROM meta.safety_stops WHERE NOT lifted)`,
		source, extractID); err != nil {
		return 0, fmt.Errorf("find the extract before %d: %w", extractID, err)
	}
	return previous, nil
}
