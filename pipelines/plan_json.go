package pipelines

import (
	"encoding/json"
)

// syncExtractJSON is an extract as a sync's JSON shows it: as extract's own JSON does, with the
// run's window when the extract has one.
type syncExtractJSON struct {
	*ManifestJSON
	Window *WindowJSON `json:"window"`
}

// MarshalJSON writes a sync's result in the output contract's shape (its extracts included).
func (r SyncResult) MarshalJSON() ([]byte, error) {
	type plain SyncResult
	out := struct {
		plain
		Extracts      []syncExtractJSON `json:"extracts"`
		Rejected      []problemJSON     `json:"rejected"`
		RejectedCount int               `json:"rejected_count"`
	}{plain: plain(r), Extracts: []syncExtractJSON{}, Rejected: problemsJSON(r.Rejected), RejectedCount: len(r.Rejected)}
	for _, m := range r.Extracts {
		x := syncExtractJSON{ManifestJSON: ManifestOf(m)}
		if m.Window != "" {
			x.Window = &r.Window
		}
		out.Extracts = append(out.Extracts, x)
	}
	return json.Marshal(out)
}
