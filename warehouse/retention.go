package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrPruned: the run's raw extracts were removed by a prune.
var ErrPruned = errors.New("its raw extracts were pruned")

// PruneOptions say which raw extracts Prune removes, and why.
type PruneOptions struct {
	Cutoff time.Time // prune the extracts of runs started before this
	Reason string    // kept in meta.pruned and in the pruned extracts' error
	DryRun bool      // say what would go; remove nothing
	Logger *slog.Logger
}

// PrunedRun is a run whose raw extracts were (or, in a dry run, would be) removed.
type PrunedRun struct {
	RunID     int64     `json:"run_id"`
	Kind      string    `json:"kind"`
	StartedAt time.Time `json:"started_at"`
	Extracts  []int64   `json:"extract_ids"`
	Rows      int64     `json:"rows"`
	PageFiles int       `json:"page_files"`
	PageBytes int64     `json:"page_bytes"`
}

// KeptRun is an old run whose extracts stay, and why.
type KeptRun struct {
	RunID int64  `json:"run_id"`
	Why   string `json:"why"`
}

// PruneResult is what a prune removed and kept.
type PruneResult struct {
	Warehouse string      `json:"warehouse"`
	Cutoff    time.Time   `json:"cutoff"`
	DryRun    bool        `json:"dry_run"`
	Pruned    []PrunedRun `json:"pruned"`
	Kept      []KeptRun   `json:"kept"`
	Pinned    []int64     `json:"pinned"`
	Rows      int64       `json:"rows"`
	PageBytes int64       `json:"page_bytes"`
}

// Pin pins and unpins runs: a pinned run's extracts are never pruned, now or later. Every run
// to pin is checked first: a run id that is not in the warehouse is a mistake in the command,
// refused (a *ConfigError) before anything changes.
func (w *Warehouse) Pin(ctx context.Context, keep, unpin []int64) error {
	for _, id := range keep {
		var n int
		if err := w.DB.GetContext(ctx, &n, `SELECT count(*) FROM meta.runs WHERE run_id = ?`, id); err != nil {
			return fmt.Errorf("look for run %d: %w", id, err)
		}
		if n == 0 {
			return &ConfigError{Msg: fmt.Sprintf("--keep %d: no run %d in warehouse %s: give the id of a run that harvest2runn status or query lists", id, id, w.path)}
		}
	}
	for _, id := range keep {
		if _, err := w.DB.ExecContext(ctx, `INSERT INTO meta.pinned_runs (run_id)
			SELECT ? WHERE NOT EXISTS (SELECT 1 FROM meta.pinned_runs WHERE run_id = ?)`, id, id); err != nil {
			return fmt.Errorf("pin run %d: %w", id, err)
		}
	}
	for _, id := range unpin {
		if _, err := w.DB.ExecContext(ctx, `DELETE FROM meta.pinned_runs WHERE run_id = ?`, id); err != nil {
			return fmt.Errorf("unpin run %d: %w", id, err)
		}
	}
	return nil
}

// pruneCandidate is an extract that still has its raw data.
type pruneCandidate struct {
	ExtractID int64     `db:"extract_id"`
	RunID     int64     `db:"run_id"`
	Kind      string    `db:"kind"`
	StartedAt time.Time `db:"started_at"`
	Pinned    bool      `db:"pinned"`
}

// Prune removes the raw extracts (raw.* rows and page files) of runs started before the cutoff,
// except the last successful run's and pinned runs'. The runs, their plans and audit trails stay;
// their extracts get the status 'pruned', so no later stage can read them as empty.
func (w *Warehouse) Prune(ctx context.Context, opts PruneOptions) (PruneResult, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := PruneResult{Warehouse: w.path, Cutoff: opts.Cutoff.UTC(), DryRun: opts.DryRun, Pruned: []PrunedRun{}, Kept: []KeptRun{}}
	if err := w.DB.SelectContext(ctx, &res.Pinned, `SELECT DISTINCT run_id FROM meta.pinned_runs ORDER BY run_id`); err != nil {
		return res, fmt.Errorf("read pinned runs: %w", err)
	}
	if res.Pinned == nil {
		res.Pinned = []int64{}
	}
	runs, err := w.prunableRuns(ctx, opts.Cutoff, &res)
	if err != nil {
		return res, err
	}
	tables, err := w.RawTables(ctx)
	if err != nil {
		return res, err
	}
	for _, p := range runs {
		if err := w.pruneRun(ctx, tables, p, opts); err != nil {
			return res, err
		}
		res.Pruned = append(res.Pruned, *p)
		res.Rows += p.Rows
		res.PageBytes += p.PageBytes
		if !opts.DryRun {
			log.Info("pruned the raw extracts of a run", "run_id", p.RunID, "extracts", len(p.Extracts), "rows", p.Rows,
				"page_files", p.PageFiles, "page_bytes", p.PageBytes)
		}
	}
	return res, nil
}

// prunableRuns groups by run the extracts started before the cutoff that may go, in run order,
// and lists in res.Kept the old runs that stay: the last successful run and pinned runs.
func (w *Warehouse) prunableRuns(ctx context.Context, cutoff time.Time, res *PruneResult) ([]*PrunedRun, error) {
	last, err := lastSuccessfulRun(ctx, w.DB)
	if err != nil {
		return nil, err
	}
	var cands []pruneCandidate
	if err := w.DB.SelectContext(ctx, &cands, `SELECT e.extract_id, r.run_id, r.kind, r.started_at,
			r.run_id IN (SELECT run_id FROM meta.pinned_runs) AS pinned
		FROM meta.extracts AS e JOIN meta.runs AS r USING (run_id)
		WHERE e.status IN ('succeeded', 'failed') AND r.started_at < ?
		ORDER BY r.run_id, e.extract_id`, cutoff.UTC()); err != nil {
		return nil, fmt.Errorf("find old extracts: %w", err)
	}
	var runs []*PrunedRun
	for _, c := range cands {
		why := ""
		switch {
		case c.RunID == last:
			why = "the last successful run"
		case c.Pinned:
			why = "pinned (prune --keep)"
		}
		if why != "" {
			if !slices.ContainsFunc(res.Kept, func(k KeptRun) bool { return k.RunID == c.RunID }) {
				res.Kept = append(res.Kept, KeptRun{c.RunID, why})
			}
			continue
		}
		if n := len(runs); n == 0 || runs[n-1].RunID != c.RunID {
			runs = append(runs, &PrunedRun{RunID: c.RunID, Kind: c.Kind, StartedAt: c.StartedAt})
		}
		p := runs[len(runs)-1]
		p.Extracts = append(p.Extracts, c.ExtractID)
	}
	return runs, nil
}

// lastSuccessfulRun is the newest succeeded run that has extracts: the one a user most needs
// to replay or revert (0 when there is none).
func lastSuccessfulRun(ctx context.Context, db *sqlx.DB) (int64, error) {
	var id sql.NullInt64
	// A run that sent its plan, all of it or all but what Runn rejected; a dry run sent nothing
	// and is not what revert or the next comparison needs.
	if err := db.GetContext(ctx, &id, `SELECT max(r.run_id) FROM meta.runs AS r
		WHERE r.status IN ('succeeded', 'partial')
		  AND NOT coalesce(try_cast(json_extract_string(r.options, '$.dry_run') AS BOOLEAN), false)
		  AND EXISTS (SELECT 1 FROM meta.extracts AS e WHERE e.run_id = r.run_id AND e.status = 'succeeded')`); err != nil {
		return 0, fmt.Errorf("find the last successful run: %w", err)
	}
	return id.Int64, nil
}

// RawTables are the raw.* tables keyed by extract_id: what an extract landed.
func (w *Warehouse) RawTables(ctx context.Context) ([]string, error) {
	var names []string
	if err := w.DB.SelectContext(ctx, &names, `SELECT DISTINCT 'raw.' || table_name FROM duckdb_columns()
		WHERE schema_name = 'raw' AND column_name = 'extract_id' ORDER BY 1`); err != nil {
		return nil, fmt.Errorf("list the raw tables: %w", err)
	}
	return names, nil
}

// pruneRun removes one run's extracts: the rows first, in one transaction with the bookkeeping,
// then the page files, so that a crash in between leaves at worst files nothing points at.
func (w *Warehouse) pruneRun(ctx context.Context, tables []string, p *PrunedRun, opts PruneOptions) error {
	in := idList(p.Extracts)
	paths, err := w.runPageFiles(ctx, p, in)
	if err != nil {
		return err
	}
	if opts.DryRun {
		for _, t := range tables {
			var n int64
			if err := w.DB.GetContext(ctx, &n, `SELECT count(*) FROM `+t+` WHERE extract_id IN `+in); err != nil {
				return fmt.Errorf("count %s: %w", t, err)
			}
			p.Rows += n
		}
		return nil
	}
	if err := w.deleteExtracts(ctx, tables, p, in, opts.Reason); err != nil {
		return err
	}
	for _, path := range paths {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove page file %s of pruned run %d: %w", path, p.RunID, err)
		}
	}
	return nil
}

// idList is ids as an SQL list, "(1,2,3)".
func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return "(" + strings.Join(s, ",") + ")"
}

// runPageFiles finds the page files of a run's extracts (in, an SQL list of their ids) that are
// on disk, and counts them and their bytes in p.
func (w *Warehouse) runPageFiles(ctx context.Context, p *PrunedRun, in string) ([]string, error) {
	var bodyFiles []string
	if err := w.DB.SelectContext(ctx, &bodyFiles, `SELECT DISTINCT body_file FROM raw.pages WHERE extract_id IN `+in+` ORDER BY 1`); err != nil {
		return nil, fmt.Errorf("list the page files of run %d: %w", p.RunID, err)
	}
	var candidates []string
	for _, f := range bodyFiles {
		path, err := w.pageFilePath(f)
		if err != nil {
			return nil, err
		}
		candidates = append(candidates, path)
	}
	for _, id := range p.Extracts {
		candidates = append(candidates, w.pageFilesOf(id)...)
	}
	var paths []string
	for _, path := range candidates {
		if slices.Contains(paths, path) {
			continue
		}
		if st, err := os.Stat(path); err == nil {
			p.PageFiles++
			p.PageBytes += st.Size()
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// deleteExtracts deletes the raw rows of a run's extracts and records why, in one transaction.
func (w *Warehouse) deleteExtracts(ctx context.Context, tables []string, p *PrunedRun, in, reason string) error {
	tx, err := BeginTx(ctx, w.DB)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range tables {
		r, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE extract_id IN `+in)
		if err != nil {
			return fmt.Errorf("prune %s of run %d: %w", t, p.RunID, err)
		}
		n, _ := r.RowsAffected()
		p.Rows += n
	}
	// The error column carries the why, so that a stage refusing the extract says it was pruned.
	if _, err := tx.ExecContext(ctx, `UPDATE meta.extracts SET status = 'pruned',
		error = concat_ws('; ', 'its raw pages were removed on ' || strftime(now(), '%Y-%m-%d') || ' (' || ? || ')', error)
		WHERE extract_id IN `+in, reason); err != nil {
		return fmt.Errorf("mark the extracts of run %d pruned: %w", p.RunID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta.pruned (run_id, reason, extracts, rows_deleted, page_files, page_bytes)
		VALUES (?, ?, ?, ?, ?, ?)`, p.RunID, reason, len(p.Extracts), p.Rows, p.PageFiles, p.PageBytes); err != nil {
		return fmt.Errorf("record the pruning of run %d: %w", p.RunID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("prune run %d: %w", p.RunID, err)
	}
	return nil
}

// PrunedAt says when and why a run was pruned; ok is false when it was not.
func (w *Warehouse) PrunedAt(ctx context.Context, runID int64) (when time.Time, reason string, ok bool, err error) {
	var p struct {
		At     time.Time `db:"pruned_at"`
		Reason string    `db:"reason"`
	}
	err = w.DB.GetContext(ctx, &p, `SELECT pruned_at, reason FROM meta.pruned WHERE run_id = ? ORDER BY pruned_at LIMIT 1`, runID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, "", false, nil
	case err != nil:
		return time.Time{}, "", false, fmt.Errorf("read meta.pruned: %w", err)
	}
	return p.At, p.Reason, true, nil
}

// PruneState counts the runs pruned so far and lists the pinned ones (none in a warehouse older
// than retention).
func (r *Reader) PruneState(ctx context.Context) (prunedRuns int64, pinned []int64, err error) {
	pinned = []int64{}
	ok, err := r.HasTable(ctx, "meta", "pruned")
	if err != nil || !ok {
		return 0, pinned, err
	}
	if err := r.DB.GetContext(ctx, &prunedRuns, `SELECT count(DISTINCT run_id) FROM meta.pruned`); err != nil {
		return 0, pinned, fmt.Errorf("read meta.pruned: %w", err)
	}
	if err := r.DB.SelectContext(ctx, &pinned, `SELECT DISTINCT run_id FROM meta.pinned_runs ORDER BY run_id`); err != nil {
		return prunedRuns, []int64{}, fmt.Errorf("read meta.pinned_runs: %w", err)
	}
	if pinned == nil {
		pinned = []int64{}
	}
	return prunedRuns, pinned, nil
}

// PrunedAt is when the run's extracts were pruned, nil when they were not: reports refuse or
// explain what a pruned run can no longer show.
func (r *Reader) PrunedAt(ctx context.Context, runID int64) (*time.Time, error) {
	ok, err := r.HasTable(ctx, "meta", "pruned")
	if err != nil || !ok {
		return nil, err
	}
	var at sql.NullTime
	if err := r.DB.GetContext(ctx, &at, `SELECT min(pruned_at) FROM meta.pruned WHERE run_id = ?`, runID); err != nil {
		return nil, fmt.Errorf("read meta.pruned: %w", err)
	}
	if !at.Valid {
		return nil, nil
	}
	t := at.Time.UTC()
	return &t, nil
}
