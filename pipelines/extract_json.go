package pipelines

import (
	"encoding/json"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
)

// The JSON of extract follows the output contract (docs/schemas/extract.schema.json).

// WindowJSON is a window as every output gives it: from is null for the whole history.
type WindowJSON struct {
	From *string `json:"from"`
	To   string  `json:"to"`
}

// WindowOf is w as the output contract gives it.
func WindowOf(w extract.Window) WindowJSON {
	out := WindowJSON{To: w.To.Format(time.DateOnly)}
	if !w.From.IsZero() {
		f := w.From.Format(time.DateOnly)
		out.From = &f
	}
	return out
}

type extractJSON struct {
	RunID     int64         `json:"run_id"`
	Today     string        `json:"today"`
	Window    WindowJSON    `json:"window"`
	Warehouse string        `json:"warehouse"`
	Harvest   *ManifestJSON `json:"harvest"`
	Runn      *ManifestJSON `json:"runn"`
}

// ManifestJSON is one source's extract as every output gives it (extract, and sync's extracts).
type ManifestJSON struct {
	ExtractID          int64            `json:"extract_id"`
	Source             string           `json:"source"`
	Status             string           `json:"status"`
	RequestsCount      int64            `json:"requests_count"`
	RetriesCount       int64            `json:"retries_count"`
	RateLimitedCount   int64            `json:"rate_limited_count"`
	ServerErrorsCount  int64            `json:"server_errors_count"`
	NetworkErrorsCount int64            `json:"network_errors_count"`
	PagesCount         int64            `json:"pages_count"`
	RecordsCount       int64            `json:"records_count"`
	ReceivedBytes      int64            `json:"received_bytes"`
	StoredBytes        int64            `json:"stored_bytes"`
	DurationMS         int64            `json:"duration_ms"`
	RecordsPerResource map[string]int64 `json:"records_per_resource"`
	Notes              []string         `json:"notes"`
}

// ManifestOf is m as the output contract gives it; nil for nil.
func ManifestOf(m *extract.Manifest) *ManifestJSON {
	if m == nil {
		return nil
	}
	out := &ManifestJSON{ExtractID: m.ExtractID, Source: m.Source, Status: m.Status, RequestsCount: m.Requests,
		RetriesCount: m.Retries, RateLimitedCount: m.RateLimited, ServerErrorsCount: m.ServerErrors, NetworkErrorsCount: m.NetErrors,
		PagesCount: m.Pages, RecordsCount: m.Records, ReceivedBytes: m.Bytes, StoredBytes: m.StoredBytes,
		DurationMS: m.Duration.Milliseconds(), RecordsPerResource: m.PerResource, Notes: nonNil(m.Notes)}
	if out.RecordsPerResource == nil {
		out.RecordsPerResource = map[string]int64{}
	}
	return out
}

// MarshalJSON is extract's JSON output.
func (r ExtractResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(extractJSON{RunID: r.RunID, Today: r.Today, Window: WindowOf(r.Window), Warehouse: r.Warehouse,
		Harvest: ManifestOf(r.Harvest), Runn: ManifestOf(r.Runn)})
}
