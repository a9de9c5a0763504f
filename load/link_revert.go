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

// linkedPairs are the links a run's apply sent that may have landed (the latest attempt at the
// pair was sent and not refused): confirmed, those Runn's answer or a later read confirmed;
// unsettled, those whose answer was lost and that no read has settled since.
func linkedPairs(ctx context.Context, db *sqlx.DB, runID int64) (confirmed, unsettled []LinkPair, err error) {
	var rows []struct {
		Kind   string  `db:"kind"`
		Key    string  `db:"target_key"`
		Label  *string `db:"label"`
		Reason *string `db:"reason"`
		Status string  `db:"status"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT kind, target_key, label, reason, status FROM (
			SELECT * FROM audit.write_log WHERE run_id = ? AND mode = 'apply' AND rule = ?
			QUALIFY row_number() OVER (PARTITION BY kind, target_key ORDER BY write_id DESC) = 1
		) WHERE request_id IS NOT NULL AND status IN ('confirmed', 'pending', 'unknown')
		ORDER BY write_id`, runID, RuleLink); err != nil {
		return nil, nil, fmt.Errorf("read the links run %d wrote: %w", runID, err)
	}
	confirmed, unsettled = []LinkPair{}, []LinkPair{}
	for _, r := range rows {
		h, rn, err := parseLinkKey(r.Key)
		if err != nil {
			return nil, nil, err
		}
		p := LinkPair{Kind: r.Kind, HarvestID: h, RunnID: rn}
		if r.Label != nil {
			p.Label = *r.Label
		}
		if r.Reason != nil {
			p.Reason = *r.Reason
		}
		if r.Status == statusConfirmed {
			confirmed = append(confirmed, p)
		} else {
			unsettled = append(unsettled, p)
		}
	}
	return confirmed, unsettled, nil
}

// revertLink removes, from each record a link run linked, the Harvest reference the run added,
// only where the record still carries it, through the same audited, resumable writes (mode
// revert). Nothing else of the record changes; a refusal is reported, not forced. A link whose
// answer was lost is not reverted: that the record carries the reference does not say the run
// added it (someone may have, by hand, while the PATCH never landed), so it is reported, to be
// settled by resuming the link run first.
func revertLink(ctx context.Context, w *warehouse.Warehouse, api API, opts RevertOptions) (Result, error) {
	res := Result{RunID: opts.RunID, Mode: ModeRevert, DryRun: opts.DryRun, Rejected: []Problem{}}
	log := orDiscard(opts.Logger)
	pairs, unsettled, err := linkedPairs(ctx, w.DB, opts.RunID)
	if err != nil {
		return res, err
	}
	byKind := func(a, b LinkPair) int { return kindOrder(a.Kind) - kindOrder(b.Kind) }
	slices.SortStableFunc(pairs, byKind)
	slices.SortStableFunc(unsettled, byKind)
	res.SnapshotExtractID = linkSnapshot(ctx, w, opts.RunID)
	if opts.DryRun {
		t := newTally(nil)
		for _, p := range slices.Concat(pairs, unsettled) {
			t.plan(p.Kind, RuleLink)
		}
		t.into(&res)
		res.Samples = map[string]any{"links": pairs, "links_not_confirmed": unsettled}
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
	for _, p := range slices.Concat(pairs, unsettled) {
		l.tally.plan(p.Kind, RuleLink)
	}
	log.Info("revert of a link run started", "run_id", opts.RunID, "load_id", rec.loadID, "links", len(pairs), "not_confirmed", len(unsettled))
	started, before := time.Now(), la.Stats()
	for _, p := range unsettled {
		why := fmt.Sprintf("run %d's link of Harvest %s %d to Runn %s %d never got Runn's answer, so whether the run added the reference is not known: not removed; run `harvest2runn link --run %d` to settle it, then revert again",
			opts.RunID, p.Kind, p.HarvestID, p.Kind, p.RunnID, opts.RunID)
		if err = l.leave(ctx, p, why); err != nil {
			return l.close(ctx, &res, started, before, err)
		}
	}
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
