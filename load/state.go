package load

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// prior is the latest attempt at a change in earlier loads of the run.
type prior struct {
	WriteID int64          `db:"write_id"`
	Kind    string         `db:"kind"`
	Key     string         `db:"target_key"`
	Status  string         `db:"status"`
	RunnID  sql.NullInt64  `db:"runn_id"`
	Error   sql.NullString `db:"error"`
}

// mayHaveLanded says whether the attempt may have reached Runn without us knowing what became of
// it: no outcome was recorded (the process stopped), or none could be learnt.
func (p prior) mayHaveLanded() bool { return p.Status == statusPending || p.Status == statusUnknown }

func priorKey(kind, key string) string { return kind + " " + key }

// readPrior returns, per change (kind and target key), the latest attempt of the run's earlier
// loads in mode, with its latest outcome.
func readPrior(ctx context.Context, db *sqlx.DB, runID int64, mode string) (map[string]prior, error) {
	var rows []prior
	err := db.SelectContext(ctx, &rows, `SELECT w.write_id, w.kind, w.target_key, coalesce(o.status, 'pending') AS status, o.runn_id, o.error
		FROM audit.writes AS w
		LEFT JOIN audit.outcomes AS o ON o.write_id = w.write_id
		WHERE w.run_id = ? AND w.mode = ?
		QUALIFY row_number() OVER (PARTITION BY w.kind, w.target_key ORDER BY w.write_id DESC, o.outcome_id DESC NULLS LAST) = 1`,
		runID, mode)
	if err != nil {
		return nil, fmt.Errorf("read the audit trail of run %d: %w", runID, err)
	}
	out := make(map[string]prior, len(rows))
	for _, r := range rows {
		out[priorKey(r.Kind, r.Key)] = r
	}
	return out, nil
}
