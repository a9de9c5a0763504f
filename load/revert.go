package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ErrChangedLater: a later run wrote some of the actuals a revert would put back; reverting
// would undo those writes too. RevertOptions.Force reverts anyway.
var ErrChangedLater = errors.New("a later run changed the same actuals")

// RuleRevert is the rule named on a revert's writes.
const RuleRevert = "revert"

// RevertOptions configure Revert.
type RevertOptions struct {
	RunID      int64
	DryRun     bool // show what would be put back; send nothing, record nothing
	Force      bool // revert even actuals a later run wrote again
	Workers    int
	Progress   func(Progress)
	SampleRows int
	Logger     *slog.Logger
}

// revertKey is an actual a run wrote, with what Runn held on its key before the run.
type revertKey struct {
	Date        string `db:"date"`
	PersonID    int64  `db:"runn_person_id"`
	ProjectID   int64  `db:"runn_project_id"`
	RoleID      int64  `db:"runn_role_id"`
	Billable    *int64 `db:"before_billable"`
	Nonbillable *int64 `db:"before_nonbillable"`
}

// writtenKeys are the resolved keys of the actuals a run's apply sent that may have landed: the
// latest attempt at the change was sent and not refused.
const writtenKeys = `SELECT date, runn_person_id, runn_project_id, runn_role_id FROM (
		SELECT * FROM audit.write_log WHERE run_id = ? AND mode = 'apply' AND kind = 'actual'
		QUALIFY row_number() OVER (PARTITION BY target_key ORDER BY write_id DESC) = 1
	) WHERE request_id IS NOT NULL AND status <> 'rejected'`

// Revert puts every actual run opts.RunID wrote back to what the run's snapshot of Runn held
// before it (0 minutes where it held none), through the same resumable, audited apply (mode
// revert). Records the run created are listed in Result.Created, never deleted. When a later run
// wrote some of the same actuals, it refuses with ErrChangedLater naming that run, unless Force.
// The revert of a link run (R16) removes instead the Harvest references it added (revertLink).
func Revert(ctx context.Context, w *warehouse.Warehouse, api API, opts RevertOptions) (Result, error) {
	res := Result{RunID: opts.RunID, Mode: ModeRevert, DryRun: opts.DryRun, Rejected: []Problem{}}
	log := orDiscard(opts.Logger)
	run, err := w.GetRun(ctx, opts.RunID)
	if err != nil {
		return res, err
	}
	if run.Kind == KindLinkRun {
		// A link run wrote references, not actuals (R16): its revert removes them.
		return revertLink(ctx, w, api, opts)
	}
	if res.Created, err = createdRecords(ctx, w.DB, opts.RunID); err != nil {
		return res, err
	}
	if res.SnapshotExtractID, err = w.UsableExtract(ctx, opts.RunID, "runn"); err != nil {
		return res, fmt.Errorf("cannot revert run %d without its snapshot of Runn: %w", opts.RunID, err)
	}
	changes, err := revertChanges(ctx, w.DB, opts.RunID, res.SnapshotExtractID)
	if err != nil {
		return res, err
	}
	refuse, err := refuseChangedLater(ctx, w.DB, log, opts)
	if err != nil {
		return res, err
	}
	prior, err := readPrior(ctx, w.DB, opts.RunID, ModeRevert)
	if err != nil {
		return res, err
	}
	if opts.DryRun {
		dryRun(&res, Plan{RunID: opts.RunID, Actuals: changes}, prior, sampleRows(opts.SampleRows))
		return res, refuse
	}
	if refuse != nil {
		return res, refuse
	}
	if api == nil {
		return res, errors.New("load: no Runn client given for a revert that is not a dry run")
	}
	rec, err := startLoad(ctx, w.DB, opts.RunID, ModeRevert)
	if err != nil {
		return res, err
	}
	res.LoadID = rec.loadID
	log.Info("revert started", "run_id", opts.RunID, "load_id", rec.loadID, "actuals", len(changes), "snapshot_extract", res.SnapshotExtractID)
	a := newApplier(api, rec, prior, opts.Workers, opts.Progress, log)
	started, before := time.Now(), api.Stats()
	err = a.applyKinds(ctx, []kindStep{a.actualsStep(changes)})
	return a.close(ctx, &res, started, before, err, nil)
}

// revertChanges are the changes that put the actuals runID wrote back to what its snapshot of
// Runn (extract extractID) held on their keys: 0 minutes where it held none.
func revertChanges(ctx context.Context, db *sqlx.DB, runID, extractID int64) ([]ActualChange, error) {
	var keys []revertKey
	// Parameters: the run (in writtenKeys), then the snapshot's extract.
	if err := db.SelectContext(ctx, &keys, `WITH mine AS (`+writtenKeys+`),
		snap AS (
			SELECT date, person_id, project_id, role_id, billable_minutes, nonbillable_minutes FROM raw.runn_actuals
			WHERE extract_id = ? AND workstream_id IS NULL
			QUALIFY row_number() OVER (PARTITION BY id ORDER BY page_seq DESC) = 1
		)
		SELECT strftime(m.date, '%Y-%m-%d') AS date, m.runn_person_id, m.runn_project_id, m.runn_role_id,
			round(s.billable_minutes)::BIGINT AS before_billable, round(s.nonbillable_minutes)::BIGINT AS before_nonbillable
		FROM mine AS m LEFT JOIN snap AS s ON s.date = m.date AND s.person_id = m.runn_person_id
			AND s.project_id = m.runn_project_id AND s.role_id = m.runn_role_id
		ORDER BY ALL`, runID, extractID); err != nil {
		return nil, fmt.Errorf("read the actuals run %d wrote and their values before it: %w", runID, err)
	}
	changes := make([]ActualChange, len(keys))
	for i, k := range keys {
		c := ActualChange{Date: k.Date, RunnPersonID: &k.PersonID, RunnProjectID: &k.ProjectID, RunnRoleID: &k.RoleID,
			Rule: RuleRevert, Reason: fmt.Sprintf("absent from Runn before run %d (Runn extract %d): 0 minutes", runID, extractID)}
		if k.Billable != nil {
			c.BillableMinutes, c.NonbillableMinutes = *k.Billable, *k.Nonbillable
			c.Reason = fmt.Sprintf("what Runn held before run %d (Runn extract %d)", runID, extractID)
		}
		changes[i] = c
	}
	return changes, nil
}

// refuseChangedLater returns the ErrChangedLater a revert refuses with when later runs wrote some
// of the same actuals, or nil; with opts.Force it only warns. The second error is a failed read.
func refuseChangedLater(ctx context.Context, db *sqlx.DB, log *slog.Logger, opts RevertOptions) (refuse, err error) {
	later, err := laterWriters(ctx, db, opts.RunID)
	switch {
	case err != nil:
		return nil, err
	case later != "" && opts.Force:
		log.Warn("reverting actuals that later runs wrote again (--force)", "run_id", opts.RunID, "later", later)
	case later != "":
		return fmt.Errorf("%w: %s wrote actuals of run %d again; reverting run %d would undo those writes too: revert the later runs first, or give --force",
			ErrChangedLater, later, opts.RunID, opts.RunID), nil
	}
	return nil, nil
}

// laterWriters names the runs after runID that wrote some of the actuals runID wrote ("" when
// none did), with how many each.
func laterWriters(ctx context.Context, db *sqlx.DB, runID int64) (string, error) {
	var later []struct {
		RunID int64 `db:"run_id"`
		Keys  int64 `db:"keys"`
	}
	if err := db.SelectContext(ctx, &later, `WITH mine AS (`+writtenKeys+`)
		SELECT l.run_id, count(DISTINCT (l.date, l.runn_person_id, l.runn_project_id, l.runn_role_id)) AS keys
		FROM audit.write_log AS l JOIN mine AS m ON l.date = m.date AND l.runn_person_id = m.runn_person_id
			AND l.runn_project_id = m.runn_project_id AND l.runn_role_id = m.runn_role_id
		WHERE l.run_id > ? AND l.kind = 'actual' AND l.status = 'confirmed'
		GROUP BY l.run_id ORDER BY l.run_id`, runID, runID); err != nil {
		return "", fmt.Errorf("look for later runs that wrote run %d's actuals: %w", runID, err)
	}
	parts := make([]string, len(later))
	for i, l := range later {
		parts[i] = fmt.Sprintf("run %d (%d actuals)", l.RunID, l.Keys)
	}
	return strings.Join(parts, ", "), nil
}

// createdRecords lists what a run's apply created in Runn.
func createdRecords(ctx context.Context, db *sqlx.DB, runID int64) ([]Created, error) {
	var out []struct {
		Kind   string  `db:"kind"`
		Key    string  `db:"target_key"`
		Label  *string `db:"label"`
		RunnID int64   `db:"runn_id"`
	}
	if err := db.SelectContext(ctx, &out, `SELECT kind, target_key, label, runn_id FROM audit.write_log
		WHERE run_id = ? AND mode = 'apply' AND kind <> 'actual' AND status = 'confirmed'
		  AND request_id IS NOT NULL -- adopted records were in Runn already: the run did not create them
		ORDER BY write_id`, runID); err != nil {
		return nil, fmt.Errorf("list the records run %d created: %w", runID, err)
	}
	created := make([]Created, len(out))
	for i, c := range out {
		created[i] = Created{Kind: c.Kind, Key: c.Key, RunnID: c.RunnID}
		if c.Label != nil {
			created[i].Label = *c.Label
		}
	}
	return created, nil
}
