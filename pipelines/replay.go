package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ReplayOptions configure a replay of a run.
type ReplayOptions struct {
	WarehousePath string
	RunID         int64
	Autofill      *bool    // nil: as the run was asked (on when it did not say)
	Only          []string // nil: as the run was asked (all kinds when it did not say)
	// Apply sends the replayed plan to Runn as the run's plan: its plan in plan.* is replaced by
	// the replay's when they differ, and the run's load resumes (what it confirmed is not sent
	// again). The load refuses a run older than one already loaded.
	Apply bool
	// AllowLargeChanges lifts the replayed plan's R17 (b) and (c) stops when it is applied.
	AllowLargeChanges bool
	Runn              load.API // required with Apply
	Workers           int
	Progress          func(load.Progress)
	Logger            *slog.Logger
}

// ReplayResult is a run planned again, and how the new plan compares with the run's own: the one
// JSON object `replay --output json` prints (docs/schemas/replay.schema.json).
type ReplayResult struct {
	RunID    int64      `json:"run_id"`
	Kind     string     `json:"kind"`
	Today    string     `json:"today"`
	Window   WindowJSON `json:"window"`
	Only     []string   `json:"only"`
	Autofill bool       `json:"autofill"`
	// OriginalPlanned: the run had a plan to compare with (a run that was only extracted has none).
	OriginalPlanned bool              `json:"original_planned"`
	Transform       transform.Result  `json:"transform"`
	Summary         transform.Summary `json:"summary"`
	// Plan is the replayed plan record by record, with names.
	Plan *Plan       `json:"plan"`
	Diff []TableDiff `json:"diff"`
	// Identical: the replay planned exactly what the run planned, table by table, row by row.
	Identical bool `json:"identical"`
	// Applied is the load of the replayed plan (replay --apply), in load's JSON shape.
	Applied *LoadResult `json:"applied,omitempty"`
	// SafetyStops are the replayed plan's R17 checks that tripped when it was to be applied: the
	// load stopped before sending anything, or went on because they were lifted.
	SafetyStops []SafetyStop  `json:"safety_stops"`
	Duration    time.Duration `json:"-"`
}

// MarshalJSON writes the duration in milliseconds (duration_ms), as every JSON output does.
func (r ReplayResult) MarshalJSON() ([]byte, error) {
	type plain ReplayResult
	return json.Marshal(struct {
		plain
		DurationMS int64 `json:"duration_ms"`
	}{plain(r), r.Duration.Milliseconds()})
}

// Replay transforms a run again from its stored extracts, with its own today, window and
// switches, in a scratch copy of its inputs, and compares the result with the plan the run
// kept: the run's plan in the warehouse is left as it was (unless Apply). A pruned run cannot be
// replayed (warehouse.ErrPruned).
func Replay(ctx context.Context, opts ReplayOptions) (_ ReplayResult, err error) {
	log := orDiscardLogger(opts.Logger)
	started := time.Now()
	res := ReplayResult{RunID: opts.RunID, Diff: []TableDiff{}, SafetyStops: []SafetyStop{}}
	if opts.Apply && opts.Runn == nil {
		return res, errors.New("replay: applying needs a Runn client")
	}
	w, err := warehouse.Open(ctx, opts.WarehousePath, warehouse.Options{Holder: "harvest2runn replay"})
	if err != nil {
		return res, err
	}
	defer closeInto(w, &err)
	if err := w.SetStage("replay"); err != nil {
		return res, err
	}
	run, err := w.GetRun(ctx, opts.RunID)
	if err != nil {
		return res, err
	}
	res.Kind = run.Kind
	extracts, err := replayExtracts(ctx, w, run.ID)
	if err != nil {
		return res, err
	}
	today, from, err := runWindow(run)
	if err != nil {
		return res, err
	}
	res.Today, res.Window = today.Format(time.DateOnly), WindowOf(extract.Window{From: from, To: today})
	res.Only, res.Autofill = runSwitches(run, opts)
	if res.OriginalPlanned, err = w.HasPlan(ctx, run.ID); err != nil {
		return res, err
	}

	sc, err := newScratch(ctx, w)
	if err != nil {
		return res, err
	}
	defer sc.remove()
	if err := sc.copyRun(ctx, w, run.ID, extracts); err != nil {
		return res, err
	}
	log.Info("replaying run", "run_id", run.ID, "today", res.Today, "window_from", valueOr(res.Window.From, "all history"), "scratch", sc.path)
	terr := replan(ctx, sc, transform.Options{RunID: run.ID, Today: today, WindowFrom: from, Autofill: res.Autofill,
		Only: res.Only, Logger: log}, &res)
	if terr != nil && !errors.Is(terr, transform.ErrAuditFailed) {
		return res, terr
	}
	apply := opts.Apply && terr == nil
	if err := compareReplay(ctx, w, sc, apply, started, &res); err != nil {
		return res, err
	}
	if !apply {
		return res, terr
	}
	return res, applyReplay(ctx, w, opts, &res)
}

// replayExtracts are the extracts a replay of runID copies: its own two, refused when pruned or
// unusable, and the ones before them, which R17 (b) compares them with.
func replayExtracts(ctx context.Context, w *warehouse.Warehouse, runID int64) ([]int64, error) {
	if at, why, pruned, err := w.PrunedAt(ctx, runID); err != nil {
		return nil, err
	} else if pruned {
		return nil, fmt.Errorf("run %d cannot be replayed: %w on %s (%s); pin the runs you may want to replay with `harvest2runn prune --keep RUN_ID`",
			runID, warehouse.ErrPruned, at.Format(time.DateOnly), why)
	}
	var extracts []int64
	for _, src := range []string{"harvest", "runn"} {
		id, err := w.UsableExtract(ctx, runID, src)
		if err != nil {
			return nil, fmt.Errorf("run %d cannot be replayed: %w", runID, err)
		}
		extracts = append(extracts, id)
		previous, err := w.PreviousExtract(ctx, src, id)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", runID, err)
		}
		if previous > 0 {
			extracts = append(extracts, previous)
		}
	}
	return extracts, nil
}

// compareReplay attaches the scratch warehouse once, for as long as it is needed: to compare
// the replay's plan with the run's and, when adopt, to make it the run's plan when they differ.
func compareReplay(ctx context.Context, w *warehouse.Warehouse, sc *scratch, adopt bool, started time.Time, res *ReplayResult) (err error) {
	detach, err := sc.attach(ctx, w, true)
	if err != nil {
		return err
	}
	defer detach()
	if res.Diff, err = diffPlans(ctx, w.DB, res.RunID); err != nil {
		return err
	}
	res.Identical = res.OriginalPlanned
	for _, d := range res.Diff {
		res.Identical = res.Identical && d.Same()
	}
	res.Duration = time.Since(started)
	if adopt && !res.Identical {
		return w.AdoptPlan(ctx, scratchAlias, res.RunID, res.Transform.Duration)
	}
	return nil
}

// runSwitches are the kinds and autofill the run was planned with, unless opts overrides them.
func runSwitches(run warehouse.Run, opts ReplayOptions) ([]string, bool) {
	var o struct {
		Only     []string `json:"only"`
		Autofill *bool    `json:"autofill"`
	}
	if run.Options.Valid {
		_ = json.Unmarshal([]byte(run.Options.String), &o)
	}
	only, autofill := o.Only, true
	if o.Autofill != nil {
		autofill = *o.Autofill
	}
	if opts.Only != nil {
		only = opts.Only
	}
	if opts.Autofill != nil {
		autofill = *opts.Autofill
	}
	if len(only) == 0 {
		only = slices.Clone(transform.Kinds)
	}
	return only, autofill
}

// replan runs the transform in the scratch warehouse and reads back its plan.
func replan(ctx context.Context, sc *scratch, topts transform.Options, res *ReplayResult) (err error) {
	sw, err := warehouse.Open(ctx, sc.path, warehouse.Options{Holder: "harvest2runn replay (scratch)"})
	if err != nil {
		return err
	}
	defer closeInto(sw, &err)
	res.Transform, err = transform.Run(ctx, sw, topts)
	if err != nil && !errors.Is(err, transform.ErrAuditFailed) {
		return fmt.Errorf("replay run %d: %w", topts.RunID, err)
	}
	sum, serr := transform.Summarize(ctx, sw.DB, topts.RunID, 0)
	res.Summary = sum
	if serr == nil {
		// The names come from the scratch warehouse's models: read the plan while they are there.
		res.Plan, serr = ReadPlan(ctx, sw.DB, topts.RunID, sum)
	}
	if serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// applyReplay loads the run's (now replayed) plan, resuming its earlier loads, and records the
// outcome on the run as Load does.
func applyReplay(ctx context.Context, w *warehouse.Warehouse, opts ReplayOptions, res *ReplayResult) error {
	if err := w.SetStage("load"); err != nil {
		return err
	}
	var err error
	if res.SafetyStops, err = checkSafety(ctx, w, opts.RunID, opts.AllowLargeChanges, false); err != nil {
		return err
	}
	lr, err := load.Apply(ctx, w, opts.Runn, load.Options{RunID: opts.RunID, Workers: opts.Workers, Progress: opts.Progress, Logger: opts.Logger, OldData: true})
	res.Applied = &LoadResult{Result: lr, Warehouse: w.Path()}
	if lr.LoadID != 0 {
		if ferr := w.FinishRun(ctx, opts.RunID, loadStatus(err), err); ferr != nil && err == nil {
			err = ferr
		}
	}
	return err
}
