package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// KindLinkRun is the meta.runs kind of a `link` run (R16).
const KindLinkRun = "link"

// linkedPairs are the links a run's apply sent that may have landed: the latest attempt at the
// pair was sent and not refused (confirmed, or its answer was lost).
func linkedPairs(ctx context.Context, db *sqlx.DB, runID int64) ([]LinkPair, error) {
	var rows []struct {
		Kind   string  `db:"kind"`
		Key    string  `db:"target_key"`
		Label  *string `db:"label"`
		Reason *string `db:"reason"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT kind, target_key, label, reason FROM (
			SELECT * FROM audit.write_log WHERE run_id = ? AND mode = 'apply' AND rule = ?
			QUALIFY row_number() OVER (PARTITION BY kind, target_key ORDER BY write_id DESC) = 1
		) WHERE request_id IS NOT NULL AND status IN ('confirmed', 'pending', 'unknown')
		ORDER BY write_id`, runID, RuleLink); err != nil {
		return nil, fmt.Errorf("read the links run %d wrote: %w", runID, err)
	}
	out := make([]LinkPair, 0, len(rows))
	for _, r := range rows {
		h, rn, err := parseLinkKey(r.Key)
		if err != nil {
			return nil, err
		}
		p := LinkPair{Kind: r.Kind, HarvestID: h, RunnID: rn}
		if r.Label != nil {
			p.Label = *r.Label
		}
		if r.Reason != nil {
			p.Reason = *r.Reason
		}
		out = append(out, p)
	}
	return out, nil
}

// revertLink removes, from each record a link run linked, the Harvest reference the run added,
// only where the record still carries it, through the same audited, resumable writes (mode
// revert). Nothing else of the record changes; a refusal is reported, not forced.
func revertLink(ctx context.Context, w *warehouse.Warehouse, api API, opts RevertOptions) (Result, error) {
	res := Result{RunID: opts.RunID, Mode: ModeRevert, DryRun: opts.DryRun, Rejected: []Problem{}}
	log := orDiscard(opts.Logger)
	pairs, err := linkedPairs(ctx, w.DB, opts.RunID)
	if err != nil {
		return res, err
	}
	slices.SortStableFunc(pairs, func(a, b LinkPair) int { return kindOrder(a.Kind) - kindOrder(b.Kind) })
	res.SnapshotExtractID = linkSnapshot(ctx, w, opts.RunID)
	if opts.DryRun {
		t := newTally(nil)
		for _, p := range pairs {
			t.plan(p.Kind, RuleLink)
		}
		t.into(&res)
		res.Samples = map[string]any{"links": pairs}
		return res, nil
	}
	la, ok := api.(LinkAPI)
	if !ok || api == nil {
		return res, errors.New("load: the Runn client given cannot change references; a revert of a link run needs one")
	}
	prior, err := readPrior(ctx, w.DB, opts.RunID, ModeRevert)
	if err != nil {
		return res, err
	}
	rec, err := startLoad(ctx, w.DB, opts.RunID, ModeRevert)
	if err != nil {
		return res, err
	}
	res.LoadID = rec.loadID
	l := &linker{api: la, rec: rec, prior: prior, tally: newTally(opts.Progress), log: log, mode: ModeRevert}
	for _, p := range pairs {
		l.tally.plan(p.Kind, RuleLink)
	}
	log.Info("revert of a link run started", "run_id", opts.RunID, "load_id", rec.loadID, "links", len(pairs))
	started, before := time.Now(), la.Stats()
	for _, p := range pairs {
		if err = l.link(ctx, p); err != nil {
			break
		}
	}
	return l.close(ctx, &res, started, before, err)
}

// linkSnapshot is the Runn extract a link run paired from: its own, or that of the run whose
// extracts it reused; 0 when neither is usable any more (the revert reads Runn itself anyway).
func linkSnapshot(ctx context.Context, w *warehouse.Warehouse, runID int64) int64 {
	if id, err := w.UsableExtract(ctx, runID, "runn"); err == nil {
		return id
	}
	var from sql.NullInt64
	if err := w.DB.GetContext(ctx, &from, `SELECT try_cast(json_extract(options, '$.extracts_of_run') AS BIGINT) FROM meta.runs WHERE run_id = ?`, runID); err != nil || !from.Valid {
		return 0
	}
	id, _ := w.UsableExtract(ctx, from.Int64, "runn")
	return id
}
