package pipelines

import (
	"encoding/json"

	"github.com/harvest2runn/harvest2runn/extract"
)

// extractJSON is an extract as a sync's JSON shows it, in the output contract's shape: the
// window as {"from", "to"}, the duration in milliseconds.
type extractJSON struct {
	ExtractID          int64            `json:"extract_id"`
	Source             string           `json:"source"`
	Status             string           `json:"status"`
	Window             *SyncWindow      `json:"window"`
	Requests           int64            `json:"requests"`
	Retries            int64            `json:"retries"`
	RateLimited        int64            `json:"rate_limited"`
	ServerErrors       int64            `json:"server_errors"`
	NetworkErrors      int64            `json:"network_errors"`
	Pages              int64            `json:"pages_count"`
	Records            int64            `json:"records_count"`
	Bytes              int64            `json:"bytes"`
	StoredBytes        int64            `json:"stored_bytes"`
	DurationMS         int64            `json:"duration_ms"`
	RecordsPerResource map[string]int64 `json:"records_per_resource"`
	Notes              []string         `json:"notes"`
}

// MarshalJSON writes a sync's result in the output contract's shape (its extracts included).
func (r SyncResult) MarshalJSON() ([]byte, error) {
	type plain SyncResult
	out := struct {
		plain
		Extracts []extractJSON `json:"extracts"`
	}{plain: plain(r), Extracts: []extractJSON{}}
	for _, m := range r.Extracts {
		out.Extracts = append(out.Extracts, extractOf(m, r.Window))
	}
	return json.Marshal(out)
}

// extractOf is m in the contract's shape; window is the run's (an extract's window, when it has
// one, is the run's).
func extractOf(m *extract.Manifest, window SyncWindow) extractJSON {
	x := extractJSON{ExtractID: m.ExtractID, Source: m.Source, Status: m.Status, Requests: m.Requests, Retries: m.Retries,
		RateLimited: m.RateLimited, ServerErrors: m.ServerErrors, NetworkErrors: m.NetErrors, Pages: m.Pages,
		Records: m.Records, Bytes: m.Bytes, StoredBytes: m.StoredBytes, DurationMS: m.Duration.Milliseconds(),
		RecordsPerResource: m.PerResource, Notes: m.Notes}
	if m.Window != "" {
		x.Window = &window
	}
	if x.RecordsPerResource == nil {
		x.RecordsPerResource = map[string]int64{}
	}
	if x.Notes == nil {
		x.Notes = []string{}
	}
	return x
}
