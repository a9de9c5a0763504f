package pipelines

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/harvest2runn/harvest2runn/load"
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
	LastSync []LastSyncOfKind   `json:"last_sync"`
	LastRun  *warehouse.RunInfo `json:"last_run"`
	// SafetyStops are the R17 checks that tripped in the last run: it stopped before load, or
	// went on because --allow-large-changes lifted them.
	SafetyStops []SafetyStop `json:"safety_stops"`
	// UnknownRoles are people whose role is Unknown: their time is blocked until it is fixed in
	// Runn (R6, R8).
	UnknownRoles []warehouse.UnknownRolePerson `json:"people_with_role_unknown"`
	// Exclusions are the minutes the latest planned run did not send, by reason (R9).
	ExclusionsRun int64                    `json:"exclusions_run_id,omitempty"`
	Exclusions    []transform.ExclusionSum `json:"exclusions"`
	// Rejected are the changes of the latest loaded run that did not land.
	RejectedRun int64          `json:"rejected_run_id,omitempty"`
	Rejected    []PendingWrite `json:"rejected_pending"`
	PrunedRuns  int64          `json:"pruned_runs"`
	PinnedRuns  []int64        `json:"pinned_runs"`
	// PossibleDuplicates is the rows of plan.rpt_possible_duplicates for the latest planned run:
	// Runn records that look like Harvest ones but carry no reference (R1a); link adds them.
	PossibleDuplicates int64 `json:"possible_duplicates_count"`
}

// LastRunFailed reports whether the last run failed (status exits 1 then).
func (s StatusResult) LastRunFailed() bool {
	return s.LastRun != nil && s.LastRun.Status == warehouse.RunFailed
}

// LastSyncOfKind is the last successful sync of one entity kind.
type LastSyncOfKind struct {
	Kind       string    `json:"kind"`
	RunID      int64     `json:"run_id"`
	Today      string    `json:"today"`
	FinishedAt time.Time `json:"finished_at"`
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
	res := StatusResult{Warehouse: path, LastSync: []LastSyncOfKind{}, UnknownRoles: []warehouse.UnknownRolePerson{},
		Exclusions: []transform.ExclusionSum{}, Rejected: []PendingWrite{}, PinnedRuns: []int64{},
		SafetyStops: []SafetyStop{}}
	r, err := warehouse.OpenReadOnly(ctx, path)
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
	for _, step := range []func(context.Context, *warehouse.Reader, *StatusResult) error{
		lastRun, lastRunStops, lastSyncs, unknownRoles, exclusions, pendingRejections, pruneState, possibleDuplicates,
	} {
		if err := step(ctx, r, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func lastRun(ctx context.Context, r *warehouse.Reader, res *StatusResult) error {
	run, ok, err := r.LastRun(ctx)
	if err != nil || !ok {
		return err
	}
	info := run.Info()
	res.LastRun = &info
	return nil
}

// lastRunStops lists the R17 stops of the last run (a warehouse older than the stops has none).
func lastRunStops(ctx context.Context, r *warehouse.Reader, res *StatusResult) error {
	if res.LastRun == nil {
		return nil
	}
	ok, err := r.HasTable(ctx, "meta", "safety_stops")
	if err != nil || !ok {
		return err
	}
	res.SafetyStops, err = runStops(ctx, r.DB, res.LastRun.RunID)
	return err
}

// lastSyncs finds, per entity kind, the newest run whose load succeeded and that synced that
// kind (its --only; all kinds when it had none).
func lastSyncs(ctx context.Context, r *warehouse.Reader, res *StatusResult) error {
	var loads []struct {
		RunID    int64          `db:"run_id"`
		Today    sql.NullTime   `db:"today"`
		Finished time.Time      `db:"finished_at"`
		Options  sql.NullString `db:"options"`
	}
	if err := r.DB.SelectContext(ctx, &loads, `SELECT l.run_id, r.today, l.finished_at, r.options::VARCHAR AS options
		FROM audit.loads AS l JOIN meta.runs AS r USING (run_id)
		WHERE l.mode = 'apply' AND l.status = 'succeeded' AND l.finished_at IS NOT NULL AND r.kind <> ?
		ORDER BY l.run_id DESC, l.finished_at DESC`, load.KindLinkRun); err != nil {
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

// unknownRoles lists the people of the latest Runn snapshot whose role is Unknown, and the people
// the latest planned run creates with Unknown (they are not in a snapshot yet).
func unknownRoles(ctx context.Context, r *warehouse.Reader, res *StatusResult) error {
	var err error
	if res.UnknownRoles, err = r.UnknownRolesInRunn(ctx); err != nil {
		return err
	}
	run, err := r.LatestPlannedRun(ctx)
	if err != nil || run == 0 {
		return err
	}
	created, err := r.CreatedWithUnknownRole(ctx, run)
	if err != nil {
		return err
	}
	for _, c := range created {
		if !slices.ContainsFunc(res.UnknownRoles, func(p warehouse.UnknownRolePerson) bool {
			return p.HarvestUserID != nil && c.HarvestUserID != nil && *p.HarvestUserID == *c.HarvestUserID
		}) {
			res.UnknownRoles = append(res.UnknownRoles, c)
		}
	}
	return nil
}

func exclusions(ctx context.Context, r *warehouse.Reader, res *StatusResult) error {
	run, err := r.LatestPlannedRun(ctx)
	if err != nil || run == 0 {
		return err
	}
	s, err := transform.Summarize(ctx, r.DB, run, 0)
	if err != nil {
		return err
	}
	res.ExclusionsRun, res.Exclusions = run, nonNil(s.Exclusions)
	return nil
}

func pendingRejections(ctx context.Context, r *warehouse.Reader, res *StatusResult) error {
	db := r.DB
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

func pruneState(ctx context.Context, r *warehouse.Reader, res *StatusResult) error {
	var err error
	res.PrunedRuns, res.PinnedRuns, err = r.PruneState(ctx)
	return err
}

// possibleDuplicates counts the latest planned run's possible duplicates (a warehouse planned
// before the report existed has none).
func possibleDuplicates(ctx context.Context, r *warehouse.Reader, res *StatusResult) error {
	run, err := r.LatestPlannedRun(ctx)
	if err != nil || run == 0 {
		return err
	}
	ok, err := r.HasTable(ctx, "plan", "rpt_possible_duplicates")
	if err != nil || !ok {
		return err
	}
	if err := r.DB.GetContext(ctx, &res.PossibleDuplicates, `SELECT count(*) FROM plan.rpt_possible_duplicates WHERE run_id = ?`, run); err != nil {
		return fmt.Errorf("count the possible duplicates of run %d: %w", run, err)
	}
	return nil
}
