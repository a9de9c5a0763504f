package pipelines

import (
	"encoding/json"
	"time"

	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// The JSON of status follows the output contract (docs/output.md, docs/schemas/status.schema.json):
// timestamps *_at in RFC 3339 UTC, durations *_ms, ids as numbers, lists under plural nouns with
// their *_count beside them.

type statusJSON struct {
	Warehouse               string            `json:"warehouse"`
	Busy                    bool              `json:"busy"`
	Running                 *runningJSON      `json:"running"`
	LastSync                []lastSyncJSON    `json:"last_sync"`
	LastRun                 *runJSON          `json:"last_run"`
	SafetyStops             []SafetyStop      `json:"safety_stops"`
	UnknownRoles            []unknownRoleJSON `json:"people_with_role_unknown"`
	UnknownRolesCount       int               `json:"people_with_role_unknown_count"`
	ExclusionsRun           *int64            `json:"exclusions_run_id"`
	Exclusions              []exclusionJSON   `json:"exclusions"`
	RejectedRun             *int64            `json:"rejected_run_id"`
	Rejected                []pendingJSON     `json:"rejected_pending"`
	RejectedCount           int               `json:"rejected_pending_count"`
	PrunedRunsCount         int64             `json:"pruned_runs_count"`
	PinnedRuns              []int64           `json:"pinned_runs"`
	PossibleDuplicatesCount int64             `json:"possible_duplicates_count"`
}

type runningJSON struct {
	PID     int    `json:"pid"`
	RunID   *int64 `json:"run_id"`
	Kind    string `json:"kind,omitempty"`
	Stage   string `json:"stage,omitempty"`
	Holder  string `json:"holder,omitempty"`
	SinceAt string `json:"since_at"`
}

type lastSyncJSON struct {
	Kind       string `json:"kind"`
	RunID      int64  `json:"run_id"`
	Today      string `json:"today"`
	FinishedAt string `json:"finished_at"`
}

type runJSON struct {
	RunID      int64   `json:"run_id"`
	Kind       string  `json:"kind"`
	Status     string  `json:"status"`
	Today      *string `json:"today"`
	StartedAt  string  `json:"started_at"`
	FinishedAt *string `json:"finished_at"`
	DurationMS *int64  `json:"duration_ms"`
	Error      *string `json:"error"`
}

type unknownRoleJSON struct {
	RunnPersonID  *int64 `json:"runn_person_id"`
	HarvestUserID *int64 `json:"harvest_user_id"`
	PersonName    string `json:"person_name"`
	Source        string `json:"source"`
	Why           string `json:"why,omitempty"`
}

type exclusionJSON struct {
	Reason       string `json:"reason"`
	EntriesCount int64  `json:"entries_count"`
	Minutes      int64  `json:"minutes"`
}

type pendingJSON struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
	Target
	Label   string `json:"label,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// MarshalJSON is status's JSON output.
func (s StatusResult) MarshalJSON() ([]byte, error) {
	out := statusJSON{Warehouse: s.Warehouse, Busy: s.Busy, LastSync: []lastSyncJSON{}, SafetyStops: nonNil(s.SafetyStops),
		UnknownRoles: []unknownRoleJSON{}, UnknownRolesCount: len(s.UnknownRoles), Exclusions: []exclusionJSON{},
		Rejected: []pendingJSON{}, RejectedCount: len(s.Rejected), PrunedRunsCount: s.PrunedRuns, PinnedRuns: nonNil(s.PinnedRuns),
		PossibleDuplicatesCount: s.PossibleDuplicates, ExclusionsRun: nonZero(s.ExclusionsRun), RejectedRun: nonZero(s.RejectedRun)}
	if r := s.Running; r != nil {
		out.Running = &runningJSON{PID: r.PID, RunID: nonZero(r.RunID), Kind: r.Kind, Stage: r.Stage, Holder: r.Holder, SinceAt: timeAt(r.Since)}
	}
	for _, l := range s.LastSync {
		out.LastSync = append(out.LastSync, lastSyncJSON{Kind: l.Kind, RunID: l.RunID, Today: l.Today, FinishedAt: timeAt(l.FinishedAt)})
	}
	if r := s.LastRun; r != nil {
		out.LastRun = runInfoJSON(*r)
	}
	for _, p := range s.UnknownRoles {
		out.UnknownRoles = append(out.UnknownRoles, unknownRoleJSON{RunnPersonID: p.RunnPersonID, HarvestUserID: p.HarvestUserID,
			PersonName: p.Name, Source: p.Source, Why: p.Why})
	}
	for _, x := range s.Exclusions {
		out.Exclusions = append(out.Exclusions, exclusionJSONOf(x))
	}
	for _, p := range s.Rejected {
		out.Rejected = append(out.Rejected, pendingJSON{Kind: p.Kind, Key: p.Key, Target: ParseTarget(p.Kind, p.Key), Label: p.Label,
			Rule: p.Rule, Status: p.Status, Message: p.Message})
	}
	return json.Marshal(out)
}

func runInfoJSON(r warehouse.RunInfo) *runJSON {
	out := &runJSON{RunID: r.RunID, Kind: r.Kind, Status: r.Status, StartedAt: timeAt(r.StartedAt)}
	if r.Today != "" {
		out.Today = &r.Today
	}
	if r.FinishedAt != nil {
		f, ms := timeAt(*r.FinishedAt), r.FinishedAt.Sub(r.StartedAt).Milliseconds()
		out.FinishedAt, out.DurationMS = &f, &ms
	}
	if r.Error != "" {
		out.Error = &r.Error
	}
	return out
}

func exclusionJSONOf(x transform.ExclusionSum) exclusionJSON {
	return exclusionJSON{Reason: x.Reason, EntriesCount: x.Entries, Minutes: x.Minutes}
}

// timeAt is a timestamp as the contract gives it: RFC 3339 in UTC.
func timeAt(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func nonZero(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}
