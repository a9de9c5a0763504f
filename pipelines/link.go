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

// RunnLinkAPI is what a link needs of Runn: the snapshot's reads, and reading and changing one
// record's references. *runn.API implements it.
type RunnLinkAPI interface {
	extract.RunnAPI
	load.LinkAPI
}

// LinkKinds are the kinds link may be limited to (--only), as sync names them.
var LinkKinds = []string{"clients", "projects", "people"}

// ErrBadPair: a pair the user named cannot be linked as named (a record that does not exist, or
// one side already matched). Nothing was written.
var ErrBadPair = errors.New("a pair cannot be linked")

// ErrOtherPairs: a link run was resumed with pairs other than those it was started with.
// Nothing was written: a resumed run links what it was asked to, and nothing else.
var ErrOtherPairs = errors.New("a link run resumes with the pairs it was started with")

// Pair is a link the user named (--pair, --from): a Harvest record and a Runn record of a kind.
type Pair struct {
	Kind      string `db:"kind"` // client, project or person
	HarvestID int64  `db:"harvest_id"`
	RunnID    int64  `db:"runn_id"`
}

// LinkOptions configure one link run (R16).
type LinkOptions struct {
	WarehousePath string
	Today         time.Time
	// FromRun > 0 reuses that run's extracts instead of reading both APIs; when it is a link run
	// and this is no dry run, it is resumed (same run id, the pairs it was started with, its
	// trail's confirmed links not sent again). A dry run is a new run that only reads.
	FromRun int64
	Only    []string // LinkKinds; empty: all
	DryRun  bool     // list the pairs; write nothing
	// Pairs, when given, are exactly the links written (the user's decisions); otherwise the
	// proposed pairs are.
	Pairs   []Pair
	Named   bool // Pairs were given (an empty --from file links nothing)
	Harvest extract.HarvestAPI
	Runn    RunnLinkAPI
	Logger  *slog.Logger
	// RunOptions are stored with the run.
	RunOptions map[string]any
}

// LinkEvidence is what made a pair a candidate: the values compared on each side.
type LinkEvidence struct {
	ComparedOn   string `json:"compared_on"` // name, email, "first and last name", or "named by the user"
	HarvestValue string `json:"harvest_value"`
	RunnValue    string `json:"runn_value"`
}

// LinkEntry is a pair: proposed, or linked.
type LinkEntry struct {
	Kind        string       `json:"kind"`
	HarvestID   int64        `json:"harvest_id"`
	HarvestName string       `json:"harvest_name"`
	RunnID      int64        `json:"runn_id"`
	RunnName    string       `json:"runn_name"`
	Evidence    LinkEvidence `json:"evidence"`
}

// LinkCandidate is one candidate of an ambiguous record: a Runn record (RunnID) for a Harvest
// record, or a Harvest record (HarvestID) for a Runn record.
type LinkCandidate struct {
	RunnID    *int64
	HarvestID *int64
	Name      string // the record's name: harvest_name beside harvest_id, runn_name beside runn_id
	Evidence  LinkEvidence
}

// MarshalJSON names the candidate's name after its id, as the output contract names a name
// beside an id: harvest_name beside harvest_id, runn_name beside runn_id.
func (c LinkCandidate) MarshalJSON() ([]byte, error) {
	h, r := sideNames(c.HarvestID, c.RunnID, c.Name)
	return json.Marshal(struct {
		RunnID      *int64       `json:"runn_id,omitempty"`
		RunnName    *string      `json:"runn_name,omitempty"`
		HarvestID   *int64       `json:"harvest_id,omitempty"`
		HarvestName *string      `json:"harvest_name,omitempty"`
		Evidence    LinkEvidence `json:"evidence"`
	}{c.RunnID, r, c.HarvestID, h, c.Evidence})
}

// sideNames puts name on the side whose id is set.
func sideNames(harvestID, runnID *int64, name string) (harvestName, runnName *string) {
	if harvestID != nil {
		return &name, nil
	}
	if runnID != nil {
		return nil, &name
	}
	return nil, nil
}

// LinkAmbiguous is one record with several candidates: a Harvest record (HarvestID set, the
// candidates are Runn records) or, where several Harvest records point at one Runn record, that
// Runn record (RunnID set, the candidates are Harvest records).
type LinkAmbiguous struct {
	Kind       string
	HarvestID  *int64
	RunnID     *int64
	Name       string // the record's name: harvest_name beside harvest_id, runn_name beside runn_id
	Candidates []LinkCandidate
}

// MarshalJSON names the record's name after its id (see LinkCandidate.MarshalJSON).
func (a LinkAmbiguous) MarshalJSON() ([]byte, error) {
	h, r := sideNames(a.HarvestID, a.RunnID, a.Name)
	return json.Marshal(struct {
		Kind        string          `json:"kind"`
		HarvestID   *int64          `json:"harvest_id,omitempty"`
		HarvestName *string         `json:"harvest_name,omitempty"`
		RunnID      *int64          `json:"runn_id,omitempty"`
		RunnName    *string         `json:"runn_name,omitempty"`
		Candidates  []LinkCandidate `json:"candidates"`
	}{a.Kind, a.HarvestID, h, a.RunnID, r, a.Candidates})
}

// LinkProblem is a pair that was not linked, and why (Runn's message, or what stopped it), as
// load's rejected records are written: the audit trail's key beside the ids.
type LinkProblem struct {
	Kind        string `json:"kind"`
	Key         string `json:"key"` // the audit trail's target key, harvest:ID=runn:ID
	HarvestID   int64  `json:"harvest_id"`
	HarvestName string `json:"harvest_name"`
	RunnID      int64  `json:"runn_id"`
	RunnName    string `json:"runn_name"`
	Rule        string `json:"rule"`
	Status      string `json:"status"` // rejected (Runn refused it) or skipped (not sent)
	Message     string `json:"message"`
}

// LinkResult is what `link --output json` prints: one object, each list with its count.
type LinkResult struct {
	RunID     int64           `json:"run_id"`
	DryRun    bool            `json:"dry_run"`
	Status    string          `json:"status"`
	Proposed  []LinkEntry     `json:"proposed"`
	Ambiguous []LinkAmbiguous `json:"ambiguous"`
	Linked    []LinkEntry     `json:"linked"`
	NotLinked []LinkProblem   `json:"not_linked"`
	Warehouse string          `json:"warehouse"`
}

// MarshalJSON adds each list's <noun>_count, as the output contract has it.
func (r LinkResult) MarshalJSON() ([]byte, error) {
	type plain LinkResult // without this method
	return json.Marshal(struct {
		plain
		ProposedCount  int `json:"proposed_count"`
		AmbiguousCount int `json:"ambiguous_count"`
		LinkedCount    int `json:"linked_count"`
		NotLinkedCount int `json:"not_linked_count"`
	}{plain(r), len(r.Proposed), len(r.Ambiguous), len(r.Linked), len(r.NotLinked)})
}

// Link runs one link run: both extracts (or a run's), the candidate pairs (the model
// report.rpt_link_candidates), and, unless a dry run, the links written in R15's kind order, each
// audited and resumable (load.Link). It returns load.ErrRejected (wrapped) when some pairs were
// not linked.
func Link(ctx context.Context, opts LinkOptions) (res LinkResult, err error) {
	res = LinkResult{DryRun: opts.DryRun, Status: warehouse.RunFailed, Proposed: []LinkEntry{}, Ambiguous: []LinkAmbiguous{},
		Linked: []LinkEntry{}, NotLinked: []LinkProblem{}}
	log := orDiscardLogger(opts.Logger)
	for _, k := range opts.Only {
		if !slices.Contains(LinkKinds, k) {
			return res, fmt.Errorf("unknown kind %q: link takes any of clients, projects, people", k)
		}
	}
	w, err := warehouse.Open(ctx, opts.WarehousePath, warehouse.Options{Holder: "harvest2runn link"})
	if err != nil {
		return res, err
	}
	defer closeInto(w, &err)
	res.Warehouse = w.Path()
	run, resumed, err := linkRun(ctx, w, &opts)
	if err != nil {
		return res, err
	}
	res.RunID = run.ID
	log.Info("run started", "run_id", run.ID, "kind", load.KindLinkRun, "resumed", resumed, "dry_run", opts.DryRun)
	err = linkStages(ctx, w, opts, run, resumed, &res, log)
	switch {
	case err == nil:
		res.Status = warehouse.RunSucceeded
	case errors.Is(err, load.ErrRejected):
		res.Status = warehouse.RunPartial
	default:
		err = fmt.Errorf("run %d: %w", run.ID, err)
	}
	if ferr := w.FinishRun(ctx, run.ID, res.Status, err); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

// linkRun starts the link run, or resumes the link run opts.FromRun names. A resumed run links
// the pairs it was started with (opts gets them when none were given; others are refused,
// ErrOtherPairs), so that a resume never links a pair the user left out. A dry run never
// resumes: it would rewrite run N's pairs and status; it is a new run reading N's extracts.
func linkRun(ctx context.Context, w *warehouse.Warehouse, opts *LinkOptions) (warehouse.Run, bool, error) {
	if opts.FromRun > 0 {
		from, err := w.GetRun(ctx, opts.FromRun)
		if err != nil {
			return warehouse.Run{}, false, err
		}
		switch {
		case from.Kind == load.KindLinkRun && opts.DryRun:
			opts.FromRun = extractsOf(from)
		case from.Kind == load.KindLinkRun:
			// Resumed: its status is set again when it finishes.
			return from, true, resumePairs(ctx, w.DB, from, opts)
		}
	}
	o := map[string]any{}
	for k, v := range opts.RunOptions {
		o[k] = v
	}
	o["dry_run"], o["only"], o["named"] = opts.DryRun, opts.Only, opts.Named
	if opts.FromRun > 0 {
		o["extracts_of_run"] = opts.FromRun
	}
	run, err := w.StartRun(ctx, load.KindLinkRun, opts.Today, o)
	return run, false, err
}

// linkStages extracts (unless reusing a run's extracts), builds the candidates, and links.
func linkStages(ctx context.Context, w *warehouse.Warehouse, opts LinkOptions, run warehouse.Run, resumed bool, res *LinkResult, log *slog.Logger) error {
	build, err := linkExtracts(ctx, w, opts, run, log)
	if err != nil {
		return err
	}
	if err := w.SetStage("transform"); err != nil {
		return err
	}
	if !resumed {
		// A resumed run keeps the pairs it recorded when it started (they are opts.Pairs).
		if err := recordNamedPairs(ctx, w.DB, run.ID, opts.Pairs); err != nil {
			return err
		}
	}
	if err := transform.Build(ctx, w, build, transform.LinkCandidates); err != nil {
		return fmt.Errorf("compute the candidate pairs: %w", err)
	}
	cands, err := readCandidates(ctx, w.DB, linkKindsOf(opts.Only))
	if err != nil {
		return err
	}
	res.Proposed, res.Ambiguous = groupCandidates(cands)
	entries := res.Proposed
	if opts.Named {
		if entries, err = namedPairs(ctx, w.DB, opts.Pairs, cands); err != nil {
			return err
		}
	}
	if opts.DryRun || len(entries) == 0 {
		return nil
	}
	if err := w.SetStage("load"); err != nil {
		return err
	}
	pairs := make([]load.LinkPair, len(entries))
	for i, e := range entries {
		pairs[i] = linkPair(e)
	}
	lr, err := load.Link(ctx, w, opts.Runn, load.LinkOptions{RunID: run.ID, Pairs: pairs, Logger: log})
	if ferr := fillLinked(ctx, w.DB, res, entries, lr); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// linkExtracts reads both APIs into the run (R17 a applies), or finds the extracts to reuse.
func linkExtracts(ctx context.Context, w *warehouse.Warehouse, opts LinkOptions, run warehouse.Run, log *slog.Logger) (transform.BuildOptions, error) {
	b := transform.BuildOptions{RunID: run.ID, Today: opts.Today}
	source := opts.FromRun
	if source == 0 {
		if err := w.SetStage("extract"); err != nil {
			return b, err
		}
		if opts.Harvest == nil || opts.Runn == nil {
			return b, errors.New("a link that reads both APIs needs the Harvest and the Runn client")
		}
		var er ExtractResult
		// Records only: the window is today, so that almost no time is read.
		win := extract.Window{From: opts.Today, To: opts.Today}
		err := extractBoth(ctx, w, run.ID, ExtractOptions{Window: win, Harvest: opts.Harvest, Runn: opts.Runn}, &er, log)
		if err != nil {
			_, err = recordIncompleteExtract(ctx, w.DB, run.ID, err)
			return b, err
		}
		source = run.ID
	}
	if run.ID == opts.FromRun {
		// A resumed link run that had reused another run's extracts reuses them again.
		source = extractsOf(run)
	}
	var err error
	if b.HarvestExtractID, err = w.UsableExtract(ctx, source, "harvest"); err != nil {
		return b, err
	}
	if b.RunnExtractID, err = w.UsableExtract(ctx, source, "runn"); err != nil {
		return b, err
	}
	if opts.FromRun > 0 && opts.Today.IsZero() {
		if r, err := w.GetRun(ctx, source); err == nil && r.Today.Valid {
			b.Today = r.Today.Time
		}
	}
	return b, nil
}

// linkKindsOf maps --only's kinds to the candidates' kinds.
func linkKindsOf(only []string) []string {
	if len(only) == 0 {
		only = LinkKinds
	}
	out := []string{}
	for _, k := range only {
		switch k {
		case "clients":
			out = append(out, load.KindClient)
		case "projects":
			out = append(out, load.KindProject)
		case "people":
			out = append(out, load.KindPerson)
		}
	}
	return out
}

// extractsOf is the run whose extracts a link run paired from: the one it reused, or its own.
func extractsOf(run warehouse.Run) int64 {
	var o struct {
		From int64 `json:"extracts_of_run"`
	}
	if run.Options.Valid && json.Unmarshal([]byte(run.Options.String), &o) == nil && o.From > 0 {
		return o.From
	}
	return run.ID
}
