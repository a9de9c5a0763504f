package load

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ErrRejected: the load finished, but Runn rejected some records (or changes depending on them
// could not be sent). Result.Rejected lists them with Runn's message.
var ErrRejected = errors.New("Runn rejected some records")

// Counts are the changes of one kind and rule, and what became of them.
type Counts struct {
	Kind        string `json:"kind"`
	Rule        string `json:"rule"`
	Planned     int    `json:"planned"`
	AlreadyDone int    `json:"already_done"` // confirmed by an earlier load of the run: not sent again
	Applied     int    `json:"applied"`      // confirmed by Runn's answer
	Reconciled  int    `json:"reconciled"`   // an unanswered create found in Runn by reading it
	Adopted     int    `json:"adopted"`      // a create not sent: Runn had the record already (R17, R1)
	Rejected    int    `json:"rejected"`     // refused by Runn
	Skipped     int    `json:"skipped"`      // not sent: a record it needs was not created
}

// Problem is a change that did not land: Runn refused it (status "rejected", Message is Runn's
// message) or it was not sent (status "skipped", Message says why).
type Problem struct {
	Kind    string `json:"kind"`
	Key     string `json:"target_key"`
	Label   string `json:"label,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// Created is a record a run created in Runn (a revert lists them; it deletes nothing).
type Created struct {
	Kind   string `json:"kind"`
	Key    string `json:"target_key"`
	Label  string `json:"label,omitempty"`
	RunnID int64  `json:"runn_id"`
}

// Progress reports how far one kind has got while applying.
type Progress struct {
	Kind     string
	Done     int // changes finished (landed, already done, rejected or skipped)
	Total    int
	Rejected int // rejected or skipped so far
}

// Result describes a load (or its dry run).
type Result struct {
	RunID  int64    `json:"run_id"`
	Mode   string   `json:"mode"`
	DryRun bool     `json:"dry_run"`
	LoadID int64    `json:"load_id,omitempty"`
	Counts []Counts `json:"counts"`
	// Samples holds the first changes of each kind (dry runs).
	Samples map[string]any `json:"samples,omitempty"`
	// Rejected lists the changes that did not land, and why.
	Rejected []Problem `json:"rejected"`
	// Created lists the records the run created (revert).
	Created []Created `json:"created,omitempty"`
	// SnapshotExtractID is the Runn extract a revert restores (the run's snapshot of Runn).
	SnapshotExtractID int64 `json:"snapshot_extract_id,omitempty"`
	// FoundEqual is the number of keys recorded as found equal (R11) at the end of an apply.
	FoundEqual int64 `json:"found_equal_recorded"`
	// MissingPlanTables are plan tables the warehouse lacks, read as no changes.
	MissingPlanTables []string      `json:"missing_plan_tables,omitempty"`
	Requests          int64         `json:"requests"`
	Retries           int64         `json:"retries"`
	RateLimited       int64         `json:"rate_limited"`
	ServerErrors      int64         `json:"server_errors"`
	NetworkErrors     int64         `json:"network_errors"`
	Duration          time.Duration `json:"duration_ns"`
	// WritesPerSecond is the changes that landed (applied or reconciled) per second of the load.
	WritesPerSecond float64 `json:"writes_per_second"`
	// TrailTime is the part of Duration spent writing the audit trail to the warehouse.
	TrailTime time.Duration `json:"trail_time_ns"`
}

// Totals adds up Counts over every kind and rule.
func (r *Result) Totals() Counts {
	var t Counts
	for _, c := range r.Counts {
		t.Planned += c.Planned
		t.AlreadyDone += c.AlreadyDone
		t.Applied += c.Applied
		t.Reconciled += c.Reconciled
		t.Adopted += c.Adopted
		t.Rejected += c.Rejected
		t.Skipped += c.Skipped
	}
	return t
}

// warehouseStatus is the meta.runs / audit.loads status a load ends with.
func warehouseStatus(res *Result, err error) string {
	switch {
	case err != nil && !errors.Is(err, ErrRejected):
		return warehouse.RunFailed
	case len(res.Rejected) > 0:
		return warehouse.RunPartial
	}
	return warehouse.RunSucceeded
}

// tally counts changes as they finish and reports progress. It is safe for concurrent use.
type tally struct {
	mu       sync.Mutex
	counts   map[[2]string]*Counts
	done     map[string]int
	total    map[string]int
	bad      map[string]int
	problems []Problem
	progress func(Progress)
}

func newTally(progress func(Progress)) *tally {
	return &tally{counts: map[[2]string]*Counts{}, done: map[string]int{}, total: map[string]int{}, bad: map[string]int{},
		progress: progress}
}

func (t *tally) get(kind, rule string) *Counts {
	k := [2]string{kind, rule}
	c, ok := t.counts[k]
	if !ok {
		c = &Counts{Kind: kind, Rule: rule}
		t.counts[k] = c
	}
	return c
}

func (t *tally) plan(kind, rule string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(kind, rule).Planned++
	t.total[kind]++
}

// finished counts one change of kind and rule as status ("already_done", "applied",
// "reconciled", "adopted", "rejected" or "skipped"); p is set for rejected and skipped ones.
func (t *tally) finished(kind, rule, status string, p *Problem) {
	t.mu.Lock()
	c := t.get(kind, rule)
	switch status {
	case "already_done":
		c.AlreadyDone++
	case "applied":
		c.Applied++
	case "reconciled":
		c.Reconciled++
	case "adopted":
		c.Adopted++
	case statusRejected:
		c.Rejected++
	case statusSkipped:
		c.Skipped++
	}
	if p != nil {
		t.problems = append(t.problems, *p)
		t.bad[kind]++
	}
	t.done[kind]++
	// Under the lock, so that the callback sees one report at a time, in order.
	if t.progress != nil {
		t.progress(Progress{Kind: kind, Done: t.done[kind], Total: t.total[kind], Rejected: t.bad[kind]})
	}
	t.mu.Unlock()
}

// into copies the counts (in the order of R15, then rule) and problems into res.
func (t *tally) into(res *Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	res.Counts = []Counts{}
	for _, c := range t.counts {
		res.Counts = append(res.Counts, *c)
	}
	order := map[string]int{}
	for i, k := range Kinds() {
		order[k] = i
	}
	slices.SortFunc(res.Counts, func(a, b Counts) int {
		if d := order[a.Kind] - order[b.Kind]; d != 0 {
			return d
		}
		switch {
		case a.Rule < b.Rule:
			return -1
		case a.Rule > b.Rule:
			return 1
		}
		return 0
	})
	res.Rejected = append([]Problem{}, t.problems...)
	// Changes of one kind land concurrently, in any order: list them in the plan's kind order,
	// then by key, so that two equal loads report alike.
	slices.SortStableFunc(res.Rejected, func(a, b Problem) int {
		if d := order[a.Kind] - order[b.Kind]; d != 0 {
			return d
		}
		return strings.Compare(a.Key, b.Key)
	})
}

// addStats puts the client's counters since before into res.
func addStats(res *Result, before, after runn.Stats) {
	res.Requests = after.Requests - before.Requests
	res.Retries = after.Retries - before.Retries
	res.RateLimited = after.RateLimited - before.RateLimited
	res.ServerErrors = after.ServerErrors - before.ServerErrors
	res.NetworkErrors = after.NetworkErrors - before.NetworkErrors
}
