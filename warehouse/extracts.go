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
