package pipelines

import (
	"encoding/json"

	"github.com/harvest2runn/harvest2runn/load"
)

// The JSON of load and revert follows the output contract (docs/schemas/load.schema.json):
// durations *_ms, counts *_count, ids as numbers beside each change's key.

type loadJSON struct {
	RunID              int64          `json:"run_id"`
	Mode               string         `json:"mode"`
	DryRun             bool           `json:"dry_run"`
	LoadID             *int64         `json:"load_id"`
	Changes            []load.Counts  `json:"changes"`
	Samples            map[string]any `json:"samples,omitempty"`
	Rejected           []problemJSON  `json:"rejected"`
	RejectedCount      int            `json:"rejected_count"`
	Created            []createdJSON  `json:"created"`
	CreatedCount       int            `json:"created_count"`
	SnapshotExtractID  *int64         `json:"snapshot_extract_id"`
	FoundEqualCount    int64          `json:"found_equal_count"`
	MissingPlanTables  []string       `json:"missing_plan_tables"`
	RequestsCount      int64          `json:"requests_count"`
	RetriesCount       int64          `json:"retries_count"`
	RateLimitedCount   int64          `json:"rate_limited_count"`
	ServerErrorsCount  int64          `json:"server_errors_count"`
	NetworkErrorsCount int64          `json:"network_errors_count"`
	DurationMS         int64          `json:"duration_ms"`
	WritesPerSecond    float64        `json:"writes_per_second"`
	TrailTimeMS        int64          `json:"trail_time_ms"`
	Warehouse          string         `json:"warehouse"`
	WarehouseHeldMS    int64          `json:"warehouse_held_ms"`
	SafetyStops        []SafetyStop   `json:"safety_stops"`
}

type problemJSON struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
	Target
	Label   string `json:"label,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

type createdJSON struct {
	Kind string `json:"kind"`
	Key  string `json:"key"`
	Target
	Label  string `json:"label,omitempty"`
	RunnID int64  `json:"runn_id"`
}

// MarshalJSON is load's and revert's JSON output.
func (r LoadResult) MarshalJSON() ([]byte, error) {
	out := loadJSON{RunID: r.RunID, Mode: r.Mode, DryRun: r.DryRun, LoadID: nonZero(r.LoadID), Changes: nonNil(r.Counts),
		Samples: r.Samples, RejectedCount: len(r.Rejected), Created: []createdJSON{},
		CreatedCount: len(r.Created), SnapshotExtractID: nonZero(r.SnapshotExtractID), FoundEqualCount: r.FoundEqual,
		MissingPlanTables: nonNil(r.MissingPlanTables), RequestsCount: r.Requests, RetriesCount: r.Retries,
		RateLimitedCount: r.RateLimited, ServerErrorsCount: r.ServerErrors, NetworkErrorsCount: r.NetworkErrors,
		DurationMS: r.Duration.Milliseconds(), WritesPerSecond: r.WritesPerSecond, TrailTimeMS: r.TrailTime.Milliseconds(),
		Warehouse: r.Warehouse, WarehouseHeldMS: r.WarehouseHeld.Milliseconds(), SafetyStops: nonNil(r.SafetyStops)}
	if out.Mode == "" {
		out.Mode = load.ModeApply
	}
	out.Rejected = problemsJSON(r.Rejected)
	for _, c := range r.Created {
		out.Created = append(out.Created, createdJSON{Kind: c.Kind, Key: c.Key, Target: ParseTarget(c.Kind, c.Key), Label: c.Label, RunnID: c.RunnID})
	}
	return json.Marshal(out)
}

// problemsJSON is the records Runn refused as every output gives them: the key, and its ids as
// numbers.
func problemsJSON(ps []load.Problem) []problemJSON {
	out := []problemJSON{}
	for _, p := range ps {
		out = append(out, problemJSON{Kind: p.Kind, Key: p.Key, Target: ParseTarget(p.Kind, p.Key), Label: p.Label,
			Rule: p.Rule, Status: p.Status, Message: p.Message})
	}
	return out
}
