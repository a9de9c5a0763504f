package pipelines

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// StatusResult is the state of a warehouse: what runs now, how the last runs went, and what
// needs a person's attention.
type StatusResult struct {
	Warehouse string `json:"warehouse"`
	// Running is the run holding the warehouse now (nil: none). While one does, DuckDB lets no
	// other process open the file, so the rest is empty and Busy says so.
	Running *warehouse.LockInfo `json:"running"`
	Busy    bool                `json:"busy"`
	// LastSync is the last run whose load into Runn succeeded, per entity kind (the "last sync
	// date"); a kind never synced has no entry.
	LastSync []LastSyncOfKind `json:"last_sync"`
	LastRun  *RunInfo         `json:"last_run"`
	// SafetyStops are the R17 checks that tripped in the last run: it stopped before load, or
	// went on because --allow-large-changes lifted them.
	SafetyStops []SafetyStop `json:"safety_stops"`
	// UnknownRoles are people whose role is Unknown: their time is blocked until it is fixed in
	// Runn (R6, R8).
	UnknownRoles []UnknownRolePerson `json:"people_with_role_unknown"`
	// Exclusions are the minutes the latest planned run did not send, by reason (R9).
	ExclusionsRun int64                    `json:"exclusions_run_id,omitempty"`
	Exclusions    []transform.ExclusionSum `json:"exclusions"`
	// Rejected are the changes of the latest loaded run that did not land.
	RejectedRun int64          `json:"rejected_run_id,omitempty"`
	Rejected    []PendingWrite `json:"rejected_pending"`
	PrunedRuns  int64          `json:"pruned_runs"`
	PinnedRuns  []int64        `json:"pinned_runs"`
}

// LastSyncOfKind is the last successful sync of one entity kind.
type LastSyncOfKind struct {
	Kind       string    `json:"kind"`
	RunID      int64     `json:"run_id"`
	Today      string    `json:"today"`
	FinishedAt time.Time `json:"finished_at"`
}

// RunInfo is a row of meta.runs.
type RunInfo struct {
	RunID      int64      `json:"run_id"`
	Kind       string     `json:"kind"`
	Status     string     `json:"status"`
	Today      string     `json:"today,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// UnknownRolePerson is a person whose role is Unknown.
type UnknownRolePerson struct {
	RunnPersonID  *int64 `json:"runn_person_id" db:"runn_person_id"`
	HarvestUserID *int64 `json:"harvest_user_id" db:"harvest_user_id"`
	Name          string `json:"name" db:"name"`
	// Source: "runn" (in Runn's snapshot with a contract whose role is Unknown) or "created"
	// (created with Unknown by the latest planned run).
	Source string `json:"source" db:"source"`
	Why    string `json:"why,omitempty" db:"why"`
}

// PendingWrite is a change whose latest attempt Runn rejected (or that was skipped).
type PendingWrite struct {
	Kind    string `json:"kind" db:"kind"`
	Key     string `json:"target_key" db:"target_key"`
	Label   string `json:"label,omitempty" db:"label"`
	Rule    string `json:"rule,omitempty" db:"rule"`
	Status  string `json:"status" db:"status"`
	Message string `json:"message,omitempty" db:"error"`
}

// Status reads the state of the warehouse at path without taking it from anyone: while a run
// holds it, Status says which run, in which stage, since when, from the run lock file alone.
func Status(ctx context.Context, path string) (StatusResult, error) {
	res := StatusResult{Warehouse: path, LastSync: []LastSyncOfKind{}, UnknownRoles: []UnknownRolePerson{},
		Exclusions: []transform.ExclusionSum{}, Rejected: []PendingWrite{}, PinnedRuns: []int64{},
		SafetyStops: []SafetyStop{}}
	r, err := openReader(ctx, path)
	var busy *warehouse.BusyError
	if errors.As(err, &busy) {
		res.Warehouse, res.Busy = busy.Path, true
		if busy.Info.PID != 0 {
			info := busy.Info
			res.Running = &info
		}
		return res, nil
	}
	if err != nil {
		return res, err
	}
	defer r.Close()
	res.Warehouse = r.Path()
	for _, step := range []func(context.Context, *sqlx.DB, *StatusResult) error{
		lastRun, lastRunStops, lastSyncs, unknownRoles, exclusions, pendingRejections, pruneState,
	} {
		if err := step(ctx, r.DB, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func lastRun(ctx context.Context, db *sqlx.DB, res *StatusResult) error {
	var r struct {
		ID       int64          `db:"run_id"`
		Kind     string         `db:"kind"`
		Status   string         `db:"status"`
		Today    sql.NullTime   `db:"today"`
		Started  time.Time      `db:"started_at"`
		Finished sql.NullTime   `db:"finished_at"`
		Error    sql.NullString `db:"error"`
	}
	err := db.GetContext(ctx, &r, `SELECT run_id, kind, status, today, started_at, finished_at, error FROM meta.runs ORDER BY run_id DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the last run: %w", err)
	}
	res.LastRun = &RunInfo{RunID: r.ID, Kind: r.Kind, Status: r.Status, StartedAt: r.Started, Error: r.Error.String}
	if r.Status == warehouse.RunRunning {
		// The reader's lock proves no process holds the warehouse: the run died (crash or kill).
		// The next run that opens the warehouse records it so; say it now.
		res.LastRun.Status = warehouse.RunFailed
		res.LastRun.Error = "the process running it stopped before it finished (crash or kill); run the command again"
	}
	if r.Today.Valid {
		res.LastRun.Today = r.Today.Time.Format(time.DateOnly)
	}
	if r.Finished.Valid {
		res.LastRun.FinishedAt = &r.Finished.Time
	}
	return nil
}

// lastRunStops lists the R17 stops of the last run (a warehouse older than the stops has none).
func lastRunStops(ctx context.Context, db *sqlx.DB, res *StatusResult) error {
	if res.LastRun == nil {
		return nil
	}
	ok, err := hasTable(ctx, db, "meta", "safety_stops")
	if err != nil || !ok {
		return err
	}
	res.SafetyStops, err = runStops(ctx, db, res.LastRun.RunID)
	return err
}

// lastSyncs finds, per entity kind, the newest run whose load succeeded and that synced that
// kind (its --only; all kinds when it had none).
func lastSyncs(ctx context.Context, db *sqlx.DB, res *StatusResult) error {
	var loads []struct {
		RunID    int64          `db:"run_id"`
		Today    sql.NullTime   `db:"today"`
		Finished time.Time      `db:"finished_at"`
		Options  sql.NullString `db:"options"`
	}
	if err := db.SelectContext(ctx, &loads, `SELECT l.run_id, r.today, l.finished_at, r.options::VARCHAR AS options
		FROM audit.loads AS l JOIN meta.runs AS r USING (run_id)
		WHERE l.mode = 'apply' AND l.status = 'succeeded' AND l.finished_at IS NOT NULL
		ORDER BY l.run_id DESC, l.finished_at DESC`); err != nil {
		return fmt.Errorf("read the loads: %w", err)
	}
	for _, l := range loads {
		var o struct {
			Only []string `json:"only"`
		}
		if l.Options.Valid {
			_ = json.Unmarshal([]byte(l.Options.String), &o)
		}
		if len(o.Only) == 0 {
			o.Only = transform.Kinds
		}
		for _, k := range transform.Kinds {
			if !slices.Contains(o.Only, k) || slices.ContainsFunc(res.LastSync, func(s LastSyncOfKind) bool { return s.Kind == k }) {
				continue
			}
			s := LastSyncOfKind{Kind: k, RunID: l.RunID, FinishedAt: l.Finished}
			if l.Today.Valid {
				s.Today = l.Today.Time.Format(time.DateOnly)
			}
			res.LastSync = append(res.LastSync, s)
		}
	}
	slices.SortFunc(res.LastSync, func(a, b LastSyncOfKind) int {
		return slices.Index(transform.Kinds, a.Kind) - slices.Index(transform.Kinds, b.Kind)
	})
	return nil
}

// unknownRoles lists the people of the latest Runn snapshot whose contract (in force on the
// run's today, else the latest) has the role Unknown, and the people the latest planned run
// creates with Unknown (they are not in a snapshot yet).
func unknownRoles(ctx context.Context, db *sqlx.DB, res *StatusResult) error {
	if err := db.SelectContext(ctx, &res.UnknownRoles, `WITH ex AS (
			SELECT e.extract_id, coalesce(r.today, current_date) AS today FROM meta.usable_extracts AS e JOIN meta.runs AS r USING (run_id)
			WHERE e.source = 'runn' ORDER BY e.extract_id DESC LIMIT 1),
		people AS (SELECT p.* FROM raw.runn_people AS p, ex WHERE p.extract_id = ex.extract_id
			QUALIFY row_number() OVER (PARTITION BY p.id ORDER BY p.page_seq DESC) = 1),
		roles AS (SELECT r.* FROM raw.runn_roles AS r, ex WHERE r.extract_id = ex.extract_id
			QUALIFY row_number() OVER (PARTITION BY r.id ORDER BY r.page_seq DESC) = 1),
		current AS (SELECT c.person_id, c.role_id FROM raw.runn_contracts AS c, ex WHERE c.extract_id = ex.extract_id
			QUALIFY row_number() OVER (PARTITION BY c.person_id ORDER BY
				(c.start_date <= ex.today AND (c.end_date IS NULL OR c.end_date >= ex.today)) DESC, c.start_date DESC, c.id DESC) = 1)
		SELECT p.id AS runn_person_id,
			(SELECT try_cast(min(x.external_id) AS BIGINT) FROM unnest(p."references") AS u(x) WHERE lower(x.reference_name) = 'harvest') AS harvest_user_id,
			trim(concat_ws(' ', p.first_name, p.last_name)) AS name, 'runn' AS source, 'the role of their contract in Runn is Unknown' AS why
		FROM people AS p JOIN current AS c ON c.person_id = p.id JOIN roles AS ro ON ro.id = c.role_id
		WHERE NOT coalesce(p.is_archived, false) AND lower(regexp_replace(trim(ro.name), '\s+', ' ', 'g')) = 'unknown'
		ORDER BY name, runn_person_id`); err != nil {
		return fmt.Errorf("find people whose role is Unknown: %w", err)
	}
	res.UnknownRoles = nonNil(res.UnknownRoles)
	ok, err := hasTable(ctx, db, "plan", "rpt_unknown_roles")
	if err != nil || !ok {
		return err
	}
	run, err := latestPlanned(ctx, db)
	if err != nil || run == 0 {
		return err
	}
	var created []UnknownRolePerson
	if err := db.SelectContext(ctx, &created, `SELECT NULL::BIGINT AS runn_person_id, harvest_user_id::BIGINT AS harvest_user_id,
			trim(concat_ws(' ', first_name, last_name)) AS name, 'created' AS source, reason AS why
		FROM plan.rpt_unknown_roles WHERE run_id = ? ORDER BY name, harvest_user_id`, run); err != nil {
		return fmt.Errorf("read plan.rpt_unknown_roles: %w", err)
	}
	for _, c := range created {
		if !slices.ContainsFunc(res.UnknownRoles, func(p UnknownRolePerson) bool {
			return p.HarvestUserID != nil && c.HarvestUserID != nil && *p.HarvestUserID == *c.HarvestUserID
		}) {
			res.UnknownRoles = append(res.UnknownRoles, c)
		}
	}
	return nil
}

// latestPlanned is the newest run whose latest transform made a plan (0: none).
func latestPlanned(ctx context.Context, db *sqlx.DB) (int64, error) {
	var id sql.NullInt64
	if err := db.GetContext(ctx, &id, `SELECT max(run_id) FROM (SELECT run_id FROM meta.transforms GROUP BY run_id
		HAVING arg_max(status, transformed_at) = 'planned')`); err != nil {
		return 0, fmt.Errorf("find the latest planned run: %w", err)
	}
	return id.Int64, nil
}

func exclusions(ctx context.Context, db *sqlx.DB, res *StatusResult) error {
	run, err := latestPlanned(ctx, db)
	if err != nil || run == 0 {
		return err
	}
	s, err := transform.Summarize(ctx, db, run, 0)
	if err != nil {
		return err
	}
	res.ExclusionsRun, res.Exclusions = run, nonNil(s.Exclusions)
	return nil
}

func pendingRejections(ctx context.Context, db *sqlx.DB, res *StatusResult) error {
	var run sql.NullInt64
	if err := db.GetContext(ctx, &run, `SELECT max(run_id) FROM audit.loads WHERE mode = 'apply'`); err != nil {
		return fmt.Errorf("find the latest loaded run: %w", err)
	}
	if !run.Valid {
		return nil
	}
	res.RejectedRun = run.Int64
	if err := db.SelectContext(ctx, &res.Rejected, `SELECT kind, target_key, coalesce(label, '') AS label, coalesce(rule, '') AS rule,
			status, coalesce(error, '') AS error FROM (
			SELECT * FROM audit.write_log WHERE run_id = ? AND mode = 'apply'
			QUALIFY row_number() OVER (PARTITION BY kind, target_key ORDER BY write_id DESC) = 1
		) WHERE status IN ('rejected', 'skipped') ORDER BY write_id`, run.Int64); err != nil {
		return fmt.Errorf("read the rejected writes of run %d: %w", run.Int64, err)
	}
	res.Rejected = nonNil(res.Rejected)
	return nil
}

func pruneState(ctx context.Context, db *sqlx.DB, res *StatusResult) error {
	ok, err := hasTable(ctx, db, "meta", "pruned")
	if err != nil || !ok {
		return err
	}
	if err := db.GetContext(ctx, &res.PrunedRuns, `SELECT count(DISTINCT run_id) FROM meta.pruned`); err != nil {
		return fmt.Errorf("read meta.pruned: %w", err)
	}
	if err := db.SelectContext(ctx, &res.PinnedRuns, `SELECT DISTINCT run_id FROM meta.pinned_runs ORDER BY run_id`); err != nil {
		return fmt.Errorf("read meta.pinned_runs: %w", err)
	}
	res.PinnedRuns = nonNil(res.PinnedRuns)
	return nil
}
