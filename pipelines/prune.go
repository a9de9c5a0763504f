package pipelines

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// PruneOptions configure Prune.
type PruneOptions struct {
	WarehousePath string
	KeepDays      int       // prune the extracts of runs started more than this many days ago
	Keep          []int64   // pin these runs: their extracts are never pruned, now or later
	Unpin         []int64   // remove these runs' pins
	DryRun        bool      // say what would go; remove nothing
	Now           time.Time // zero: time.Now()
	Logger        *slog.Logger
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

// MaxKeepDays bounds --keep-days (about a century): a cutoff further back is not a date DuckDB
// can compare with.
const MaxKeepDays = 36_500

// ErrPruned: the run's raw extracts were removed by a prune.
var ErrPruned = errors.New("its raw extracts were pruned")

// Prune removes the raw extracts (raw.* rows and page files) of runs started before the cutoff,
// except the last successful run's and pinned runs'. The runs, their plans and audit trails stay;
// their extracts get the status 'pruned', so no later stage can read them as empty.
func Prune(ctx context.Context, opts PruneOptions) (_ PruneResult, err error) {
	log := orDiscardLogger(opts.Logger)
	if opts.KeepDays < 0 || opts.KeepDays > MaxKeepDays {
		return PruneResult{}, &warehouse.ConfigError{Msg: fmt.Sprintf("--keep-days %d is out of range: give a number of days from 0 to %d", opts.KeepDays, MaxKeepDays)}
	}
	w, err := warehouse.Open(ctx, opts.WarehousePath, warehouse.Options{Holder: "harvest2runn prune"})
	if err != nil {
		return PruneResult{}, err
	}
	defer closeInto(w, &err)
	if err := w.SetStage("prune"); err != nil {
		return PruneResult{}, err
	}
	if err := pin(ctx, w, opts.Keep, opts.Unpin); err != nil {
		return PruneResult{}, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return pruneOpen(ctx, w, pruneRequest{cutoff: now.AddDate(0, 0, -opts.KeepDays), dryRun: opts.DryRun,
		reason: fmt.Sprintf("harvest2runn prune --keep-days %d", opts.KeepDays)}, log)
}

// pin pins and unpins runs. Every run to pin is checked first: a run id that is not in the
// warehouse is a mistake in the command, refused (a *warehouse.ConfigError) before anything changes.
func pin(ctx context.Context, w *warehouse.Warehouse, keep, unpin []int64) error {
	for _, id := range keep {
		var n int
		if err := w.DB.GetContext(ctx, &n, `SELECT count(*) FROM meta.runs WHERE run_id = ?`, id); err != nil {
			return fmt.Errorf("look for run %d: %w", id, err)
		}
		if n == 0 {
			return &warehouse.ConfigError{Msg: fmt.Sprintf("--keep %d: no run %d in warehouse %s: give the id of a run that harvest2runn status or query lists", id, id, w.Path())}
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

type pruneRequest struct {
	cutoff time.Time
	reason string
	dryRun bool
}

// pruneCandidate is an extract that still has its raw data.
type pruneCandidate struct {
	ExtractID int64     `db:"extract_id"`
	RunID     int64     `db:"run_id"`
	Kind      string    `db:"kind"`
	StartedAt time.Time `db:"started_at"`
	Pinned    bool      `db:"pinned"`
}

// pruneOpen prunes in a warehouse the caller holds.
func pruneOpen(ctx context.Context, w *warehouse.Warehouse, req pruneRequest, log *slog.Logger) (PruneResult, error) {
	res := PruneResult{Warehouse: w.Path(), Cutoff: req.cutoff.UTC(), DryRun: req.dryRun, Pruned: []PrunedRun{}, Kept: []KeptRun{}}
	if err := w.DB.SelectContext(ctx, &res.Pinned, `SELECT DISTINCT run_id FROM meta.pinned_runs ORDER BY run_id`); err != nil {
		return res, fmt.Errorf("read pinned runs: %w", err)
	}
	res.Pinned = nonNil(res.Pinned)
	last, err := lastSuccessfulRun(ctx, w.DB)
	if err != nil {
		return res, err
	}
	var cands []pruneCandidate
	if err := w.DB.SelectContext(ctx, &cands, `SELECT e.extract_id, r.run_id, r.kind, r.started_at,
			r.run_id IN (SELECT run_id FROM meta.pinned_runs) AS pinned
		FROM meta.extracts AS e JOIN meta.runs AS r USING (run_id)
		WHERE e.status IN ('succeeded', 'failed') AND r.started_at < ?
		ORDER BY r.run_id, e.extract_id`, req.cutoff.UTC()); err != nil {
		return res, fmt.Errorf("find old extracts: %w", err)
	}
	byRun := map[int64]*PrunedRun{}
	var order []int64
	for _, c := range cands {
		switch {
		case c.RunID == last:
			if !slices.ContainsFunc(res.Kept, func(k KeptRun) bool { return k.RunID == c.RunID }) {
				res.Kept = append(res.Kept, KeptRun{c.RunID, "the last successful run"})
			}
			continue
		case c.Pinned:
			if !slices.ContainsFunc(res.Kept, func(k KeptRun) bool { return k.RunID == c.RunID }) {
				res.Kept = append(res.Kept, KeptRun{c.RunID, "pinned (prune --keep)"})
			}
			continue
		}
		p, ok := byRun[c.RunID]
		if !ok {
			p = &PrunedRun{RunID: c.RunID, Kind: c.Kind, StartedAt: c.StartedAt}
			byRun[c.RunID] = p
			order = append(order, c.RunID)
		}
		p.Extracts = append(p.Extracts, c.ExtractID)
	}
	tables, err := rawTables(ctx, w.DB)
	if err != nil {
		return res, err
	}
	for _, id := range order {
		p := byRun[id]
		if err := pruneRun(ctx, w, tables, p, req); err != nil {
			return res, err
		}
		res.Pruned = append(res.Pruned, *p)
		res.Rows += p.Rows
		res.PageBytes += p.PageBytes
		if !req.dryRun {
			log.Info("pruned the raw extracts of a run", "run_id", p.RunID, "extracts", len(p.Extracts), "rows", p.Rows,
				"page_files", p.PageFiles, "page_bytes", p.PageBytes)
		}
	}
	return res, nil
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

// rawTables are the raw.* tables keyed by extract_id.
func rawTables(ctx context.Context, db *sqlx.DB) ([]string, error) {
	var names []string
	if err := db.SelectContext(ctx, &names, `SELECT DISTINCT 'raw.' || table_name FROM duckdb_columns()
		WHERE schema_name = 'raw' AND column_name = 'extract_id' ORDER BY 1`); err != nil {
		return nil, fmt.Errorf("list the raw tables: %w", err)
	}
	return names, nil
}

// pruneRun removes one run's extracts: the rows first, in one transaction with the bookkeeping,
// then the page files, so that a crash in between leaves at worst files nothing points at.
func pruneRun(ctx context.Context, w *warehouse.Warehouse, tables []string, p *PrunedRun, req pruneRequest) error {
	ids := make([]string, len(p.Extracts))
	for i, id := range p.Extracts {
		ids[i] = fmt.Sprint(id)
	}
	in := "(" + strings.Join(ids, ",") + ")"
	var bodyFiles []string
	if err := w.DB.SelectContext(ctx, &bodyFiles, `SELECT DISTINCT body_file FROM raw.pages WHERE extract_id IN `+in+` ORDER BY 1`); err != nil {
		return fmt.Errorf("list the page files of run %d: %w", p.RunID, err)
	}
	var candidates []string
	for _, f := range bodyFiles {
		path, err := pageFilePath(w, f)
		if err != nil {
			return err
		}
		candidates = append(candidates, path)
	}
	// An extract that landed no page still has its (empty) file, named this way by the extract.
	for _, id := range p.Extracts {
		m, _ := filepath.Glob(filepath.Join(w.PagesDir(), fmt.Sprintf("*-extract-%d.json.zst", id)))
		candidates = append(candidates, m...)
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
	if req.dryRun {
		for _, t := range tables {
			var n int64
			if err := w.DB.GetContext(ctx, &n, `SELECT count(*) FROM `+t+` WHERE extract_id IN `+in); err != nil {
				return fmt.Errorf("count %s: %w", t, err)
			}
			p.Rows += n
		}
		return nil
	}
	tx, err := w.DB.BeginTxx(ctx, nil)
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
		WHERE extract_id IN `+in, req.reason); err != nil {
		return fmt.Errorf("mark the extracts of run %d pruned: %w", p.RunID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta.pruned (run_id, reason, extracts, rows_deleted, page_files, page_bytes)
		VALUES (?, ?, ?, ?, ?, ?)`, p.RunID, req.reason, len(p.Extracts), p.Rows, p.PageFiles, p.PageBytes); err != nil {
		return fmt.Errorf("record the pruning of run %d: %w", p.RunID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("prune run %d: %w", p.RunID, err)
	}
	for _, path := range paths {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove page file %s of pruned run %d: %w", path, p.RunID, err)
		}
	}
	return nil
}

// pageFilePath resolves a raw.pages body_file (relative to the warehouse's folder), refusing any
// that would lead outside the warehouse's page folder: prune deletes what it resolves to.
func pageFilePath(w *warehouse.Warehouse, bodyFile string) (string, error) {
	path := filepath.Join(filepath.Dir(w.Path()), bodyFile)
	rel, err := filepath.Rel(w.PagesDir(), path)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("page file %q is not in %s: not removing it", bodyFile, w.PagesDir())
	}
	return path, nil
}

// prunedRun says when and why a run was pruned; ok is false when it was not.
func prunedRun(ctx context.Context, db *sqlx.DB, runID int64) (when time.Time, reason string, ok bool, err error) {
	var p struct {
		At     time.Time `db:"pruned_at"`
		Reason string    `db:"reason"`
	}
	err = db.GetContext(ctx, &p, `SELECT pruned_at, reason FROM meta.pruned WHERE run_id = ? ORDER BY pruned_at LIMIT 1`, runID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, "", false, nil
	case err != nil:
		return time.Time{}, "", false, fmt.Errorf("read meta.pruned: %w", err)
	}
	return p.At, p.Reason, true, nil
}
