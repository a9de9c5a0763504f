package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/internal/httpx"
	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// RunnAPI is what a sync needs of Runn: the snapshot's reads and the load's writes.
// *runn.API implements it.
type RunnAPI interface {
	extract.RunnAPI
	load.API
}

// Run kinds a sync registers in meta.runs.
const (
	KindSync   = "sync"
	KindImport = "import"
)

// DefaultRetentionDays is how long a sync keeps the raw extracts of earlier runs before it
// prunes them (the README states it; --retention-days changes it).
const DefaultRetentionDays = 90

// SyncOptions configure one run of extract (both APIs), transform and load.
type SyncOptions struct {
	WarehousePath string
	Kind          string // KindSync (default) or KindImport
	Today         time.Time
	Window        extract.Window
	Only          []string // kinds to sync (transform.Kinds); empty: all
	DryRun        bool     // extract and plan; send nothing to Runn
	Autofill      bool     // R13
	Harvest       extract.HarvestAPI
	Runn          RunnAPI
	Workers       int // the load's writes in flight (creates of one kind, bulk actuals calls); 0: its default
	// AllowLargeChanges lifts R17 (b) and (c) for this run: a real clean-up or mass deletion.
	AllowLargeChanges bool
	// RetentionDays > 0: after a sync that sent its plan, prune the raw extracts of runs started
	// more than this many days ago (never the last successful run's, never pinned runs').
	RetentionDays   int
	Now             func() time.Time // the retention's clock; default time.Now
	ExtractProgress extract.Progress
	LoadProgress    func(load.Progress)
	Logger          *slog.Logger
	// RunOptions are stored with the run, with the window, kinds and switches added.
	RunOptions map[string]any
}

// APIRequests are what a command asked of one API, preflight checks and retries included.
type APIRequests struct {
	Requests      int64 `json:"requests_count"`
	Retries       int64 `json:"retries_count"`
	RateLimited   int64 `json:"rate_limited_count"`
	ServerErrors  int64 `json:"server_errors_count"`
	NetworkErrors int64 `json:"network_errors_count"`
}

// StageTimes are how long each stage of a run took; JSON carries them as whole milliseconds
// (extract_ms, transform_ms, load_ms, total_ms: the output contract's durations).
type StageTimes struct {
	Extract   time.Duration
	Transform time.Duration
	Load      time.Duration
	Total     time.Duration
}

// MarshalJSON writes the durations in milliseconds.
func (t StageTimes) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Extract   int64 `json:"extract_ms"`
		Transform int64 `json:"transform_ms"`
		Load      int64 `json:"load_ms"`
		Total     int64 `json:"total_ms"`
	}{t.Extract.Milliseconds(), t.Transform.Milliseconds(), t.Load.Milliseconds(), t.Total.Milliseconds()})
}

// SyncResult is what a sync did. It is the one JSON object `sync --output json` prints.
type SyncResult struct {
	RunID     int64      `json:"run_id"`
	Kind      string     `json:"kind"`
	Today     string     `json:"today"`
	Window    WindowJSON `json:"window"`
	Only      []string   `json:"only"`
	DryRun    bool       `json:"dry_run"`
	Status    string     `json:"status"` // succeeded, partial (Runn rejected some records) or failed
	Stage     string     `json:"stage"`  // the stage it reached: extract, transform, load, done
	Error     string     `json:"error,omitempty"`
	Warehouse string     `json:"warehouse"`
	// Changes are the Runn writes per kind and rule: planned, and what became of them.
	Changes    []load.Counts            `json:"changes"`
	Exclusions []transform.ExclusionSum `json:"exclusions"`
	Rejected   []load.Problem           `json:"rejected"`
	// UnknownRoles is the one list of people whose role is Unknown (warehouse.PeopleWithRoleUnknown):
	// the same set as status and plan.rpt_unknown_roles.
	UnknownRoles       []warehouse.UnknownRolePerson `json:"people_with_role_unknown"`
	UnknownRolesCount  int                           `json:"people_with_role_unknown_count"`
	PossibleDuplicates int64                         `json:"possible_duplicates_count"`
	ReferenceConflicts int64                         `json:"reference_conflicts_count"`
	AuditFailures      []transform.AuditFailure      `json:"audit_failures,omitempty"`
	// SafetyStops are the R17 checks that tripped: the run stopped before load, or went on
	// because --allow-large-changes lifted them (lifted: true).
	SafetyStops       []SafetyStop `json:"safety_stops"`
	AllowLargeChanges bool         `json:"allow_large_changes"`
	MissingPlanTables []string     `json:"missing_plan_tables,omitempty"`
	// Plan is the plan record by record, with names (dry runs, and runs that stopped before load).
	Plan     *Plan                  `json:"plan,omitempty"`
	Requests map[string]APIRequests `json:"requests"`
	Extracts []*extract.Manifest    `json:"extracts"`
	Times    StageTimes             `json:"times"`
	// WritesPerSecond is the changes that landed per second of the load.
	WritesPerSecond float64 `json:"writes_per_second"`
	// Pruned is what the retention removed after the run (nil when it removed nothing).
	Pruned *PruneResult `json:"pruned,omitempty"`
}

// Sync runs extract, transform and load as one run: one run id, one hold of the warehouse. A
// sync that stops (interrupt, crash, an API failing for good) is failed; running it again starts
// a new run whose fresh snapshot of Runn holds everything the stopped one wrote, so nothing is
// created twice (R1: creates carry the Harvest reference) and nothing written is written again
// (R14: a key Runn already holds with the computed minutes is not planned). Within one run, the
// load's audit trail makes a write whose answer was lost safe (see load.Apply).
func Sync(ctx context.Context, opts SyncOptions) (res SyncResult, err error) {
	log := orDiscardLogger(opts.Logger)
	kind := cmpOr(opts.Kind, KindSync)
	only := slices.Clone(opts.Only)
	if len(only) == 0 {
		only = slices.Clone(transform.Kinds)
	}
	res = SyncResult{Kind: kind, Today: opts.Today.Format(time.DateOnly), Window: WindowOf(opts.Window), Only: only,
		DryRun: opts.DryRun, Status: warehouse.RunFailed, Stage: "extract", Changes: []load.Counts{},
		Exclusions: []transform.ExclusionSum{}, Rejected: []load.Problem{}, SafetyStops: []SafetyStop{},
		UnknownRoles:      []warehouse.UnknownRolePerson{},
		AllowLargeChanges: opts.AllowLargeChanges}
	for _, k := range only {
		if !slices.Contains(transform.Kinds, k) {
			return res, fmt.Errorf("unknown kind %q: use any of %s", k, strings.Join(transform.Kinds, ","))
		}
	}
	if opts.Harvest == nil || opts.Runn == nil {
		return res, errors.New("a sync needs both the Harvest and the Runn client")
	}
	started := time.Now()
	// Named results: the figures include everything the run did, the retention's pruning too.
	defer func() {
		res.Times.Total = time.Since(started)
		res.Requests = requestsOf(opts.Harvest, opts.Runn)
	}()
	w, err := warehouse.Open(ctx, opts.WarehousePath, warehouse.Options{Holder: "harvest2runn " + kind})
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := w.Close(); cerr != nil {
			err = errors.Join(err, cerr)
			res.Status, res.Error = warehouse.RunFailed, err.Error()
		}
	}()
	res.Warehouse = w.Path()
	// The Runn snapshot's actuals wait for their split: it is read while the run is registered.
	split := extract.StartRunnSplit(ctx, w, opts.Window, log)
	defer split.Wait()
	run, err := w.StartRun(ctx, kind, opts.Today, syncRunOptions(opts, only))
	if err != nil {
		return res, err
	}
	res.RunID = run.ID
	log.Info("run started", "run_id", run.ID, "kind", kind, "today", res.Today, "window", opts.Window.String(),
		"only", strings.Join(only, ","), "dry_run", opts.DryRun, "warehouse", w.Path())

	err = syncStages(ctx, w, opts, only, &res, split, log)
	switch {
	case err == nil:
		res.Status, res.Stage = warehouse.RunSucceeded, "done"
	case errors.Is(err, load.ErrRejected):
		res.Status, res.Stage = warehouse.RunPartial, "done"
	default:
		err = fmt.Errorf("run %d (%s stage): %w", run.ID, res.Stage, err)
		res.Error = err.Error()
	}
	if ferr := w.FinishRun(ctx, run.ID, res.Status, err); ferr != nil && err == nil {
		err = ferr
	}
	log.Info("run finished", "run_id", run.ID, "status", res.Status, "duration", time.Since(started).Round(time.Millisecond))
	if res.Status != warehouse.RunFailed && !opts.DryRun && opts.RetentionDays > 0 && ctx.Err() == nil {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		pr, perr := w.Prune(ctx, warehouse.PruneOptions{Cutoff: now().AddDate(0, 0, -opts.RetentionDays),
			Reason: fmt.Sprintf("retention of %d days after run %d", opts.RetentionDays, run.ID), Logger: log})
		if perr != nil {
			// The run did its work; a failed clean-up is retried after the next one.
			log.Warn("pruning old extracts failed; the next sync tries again", "error", perr)
		} else if len(pr.Pruned) > 0 {
			res.Pruned = &pr
		}
	}
	return res, err
}

// syncStages runs the three stages in order, recording each in the run lock for `status`.
func syncStages(ctx context.Context, w *warehouse.Warehouse, opts SyncOptions, only []string, res *SyncResult,
	split *extract.RunnSplit, log *slog.Logger) error {
	if err := w.SetStage("extract"); err != nil {
		return err
	}
	t0 := time.Now()
	var er ExtractResult
	err := extractBoth(ctx, w, res.RunID, ExtractOptions{Window: opts.Window, Harvest: opts.Harvest, Runn: opts.Runn,
		Progress: opts.ExtractProgress, runnSplit: split}, &er, log)
	res.Times.Extract = time.Since(t0)
	for _, m := range []*extract.Manifest{er.Harvest, er.Runn} {
		if m != nil {
			res.Extracts = append(res.Extracts, m)
		}
	}
	if err != nil {
		// R17 (a): an incomplete extract is never used, and no flag lifts it.
		res.SafetyStops, err = recordIncompleteExtract(ctx, w.DB, res.RunID, err)
		res.SafetyStops = nonNil(res.SafetyStops)
		return err
	}

	res.Stage = "transform"
	if err := w.SetStage("transform"); err != nil {
		return err
	}
	if err := planStage(ctx, w, opts, only, res, log); err != nil {
		return err
	}

	res.Stage = "load"
	if err := w.SetStage("load"); err != nil {
		return err
	}
	t0 = time.Now()
	lr, err := load.Apply(ctx, w, opts.Runn, load.Options{RunID: res.RunID, DryRun: opts.DryRun, Workers: opts.Workers,
		Progress: opts.LoadProgress, Logger: log})
	res.Times.Load = time.Since(t0)
	if lr.Counts != nil {
		res.Changes = lr.Counts
	}
	res.Rejected = nonNil(lr.Rejected)
	res.MissingPlanTables = lr.MissingPlanTables
	res.WritesPerSecond = lr.WritesPerSecond
	if ctx.Err() == nil {
		// The next sync's snapshot starts from these: worked out now, while nothing waits on them.
		if serr := extract.RecordRunnSizes(ctx, w, res.RunID, opts.Window); serr != nil {
			log.Debug("the next Runn snapshot will work out its sizes itself", "error", serr)
		}
	}
	return err
}

// planStage plans the run (transform), reads back its summary and, for a dry run or a run that
// may not go on (audits failed, R17 (b), (c)), its readable plan; it returns an error when the run
// must stop before load.
func planStage(ctx context.Context, w *warehouse.Warehouse, opts SyncOptions, only []string, res *SyncResult, log *slog.Logger) error {
	if err := reconcileLanded(ctx, w, res.RunID, log); err != nil {
		return err
	}
	t0 := time.Now()
	tr, err := transform.Run(ctx, w, transform.Options{RunID: res.RunID, Today: opts.Today, WindowFrom: opts.Window.From,
		Autofill: opts.Autofill, Only: only, Logger: log})
	res.Times.Transform = time.Since(t0)
	res.AuditFailures = tr.AuditFailures
	if err != nil && !errors.Is(err, transform.ErrAuditFailed) {
		return err
	}
	sum, serr := transform.Summarize(ctx, w.DB, res.RunID, 0)
	if serr != nil {
		return errors.Join(err, serr)
	}
	res.Exclusions = nonNil(sum.Exclusions)
	res.UnknownRoles, res.PossibleDuplicates, res.ReferenceConflicts = sum.UnknownRoles, sum.PossibleDupes, sum.ReferenceClashes
	res.UnknownRolesCount = len(res.UnknownRoles)
	if err == nil {
		// R17 (b), (c): a plan that trips them is shown like a plan whose audits failed.
		res.SafetyStops, err = checkSafety(ctx, w, res.RunID, opts.AllowLargeChanges, false)
	}
	if err != nil {
		// What was planned is shown, nothing of it may be sent.
		res.Changes = plannedCounts(sum)
	}
	if opts.DryRun || err != nil {
		// What a person decides on: the plan record by record, while the run's models are at hand.
		if res.Plan, serr = ReadPlan(ctx, w.DB, res.RunID, sum); serr != nil {
			return errors.Join(err, serr)
		}
	}
	return err
}

// plannedCounts are a plan's changes per kind and rule, none of them sent.
func plannedCounts(sum transform.Summary) []load.Counts {
	out := []load.Counts{}
	for _, c := range sum.Changes {
		out = append(out, load.Counts{Kind: c.Kind, Rule: c.Rule, Planned: int(c.Rows)})
	}
	return out
}

func syncRunOptions(opts SyncOptions, only []string) map[string]any {
	o := map[string]any{}
	for k, v := range opts.RunOptions {
		o[k] = v
	}
	w := WindowOf(opts.Window)
	o["window_from"], o["window_to"] = w.From, w.To
	o["only"], o["dry_run"], o["autofill"] = only, opts.DryRun, opts.Autofill
	if opts.AllowLargeChanges {
		o["allow_large_changes"] = true
	}
	return o
}

func requestsOf(h extract.HarvestAPI, r RunnAPI) map[string]APIRequests {
	out := map[string]APIRequests{}
	if h != nil {
		out["harvest"] = apiRequests(h.Stats().Stats)
	}
	if r != nil {
		out["runn"] = apiRequests(r.Stats())
	}
	return out
}

// apiRequests is the part of a client's request statistics a run reports.
func apiRequests(s httpx.Stats) APIRequests {
	return APIRequests{s.Requests, s.Retries, s.RateLimited, s.ServerErrors, s.NetworkErrors}
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDiscardLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
