package harvesttest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

func TestQueryValidation(t *testing.T) {
	s := newTestServer(t, smallAccount(), Options{})
	cursor := func(js string) string { return url.QueryEscape(base64.URLEncoding.EncodeToString([]byte(js))) }
	tests := []struct {
		path string
		want int
	}{
		{"/v2/users?per_page=1", 200},
		{"/v2/users?per_page=2000", 200},
		{"/v2/users?per_page=", 200}, // empty is absent
		{"/v2/users?per_page=0", 422},
		{"/v2/users?per_page=-5", 422},
		{"/v2/users?per_page=2001", 422},
		{"/v2/time_entries?per_page=5000", 422},
		{"/v2/time_entries?per_page=ten", 422},
		{"/v2/projects?per_page=1.5", 422},
		{"/v2/time_entries?page=0", 422},
		{"/v2/time_entries?page=x", 422},
		{"/v2/users?is_active=true", 200},
		{"/v2/users?is_active=false", 200},
		{"/v2/users?is_active=yes", 422},
		{"/v2/clients?is_active=maybe", 422},
		{"/v2/projects?is_active=2", 422},
		{"/v2/tasks?is_active=on", 422},
		{"/v2/user_assignments?is_active=nope", 422},
		{"/v2/users?updated_since=2024-01-31T17:00:00Z", 200},
		{"/v2/users?updated_since=2024-01-31T17:00:00%2B02:00", 200},
		{"/v2/users?updated_since=2024-01-31", 200},
		{"/v2/users?updated_since=yesterday", 422},
		{"/v2/roles?updated_since=31/01/2024", 422},
		{"/v2/time_entries?updated_since=2024-13-01T00:00:00Z", 422},
		{"/v2/time_entries?from=2024-01-31&to=2024-02-29", 200},
		{"/v2/time_entries?from=2024-02-30", 422},
		{"/v2/time_entries?to=20240131", 422},
		{"/v2/time_entries?from=2024-1-5", 422},
		{"/v2/time_entries?user_id=abc", 422},
		{"/v2/time_entries?project_id=0", 422},
		{"/v2/time_entries?client_id=-3", 422},
		{"/v2/time_entries?task_id=1e3", 422},
		{"/v2/time_entries?is_running=sometimes", 422},
		{"/v2/time_entries?is_billed=invoiced", 422},
		{"/v2/projects?client_id=x", 422},
		{"/v2/user_assignments?user_id=me", 422},
		{"/v2/users?from=garbage", 200},           // users take no from: ignored, as Harvest ignores unknown parameters
		{"/v2/time_entries?is_active=maybe", 200}, // likewise
		{"/v2/users?cursor=not-a-cursor", 422},
		{"/v2/users?cursor=" + cursor(`{"after":{"id":1}}`), 422},    // no such record
		{"/v2/users?cursor=" + cursor(`{"sideways":{"id":1}}`), 422}, // not a cursor shape
		{"/v2/time_entries?cursor=whatever", 200},                    // time entries page by number
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, _, body := fetch(t, http.DefaultClient, s.URL()+tt.path, goodHeaders())
			if status != tt.want {
				t.Fatalf("status %d, want %d; body %.200s", status, tt.want, body)
			}
			if status == 422 {
				var e struct{ Message string }
				if err := json.Unmarshal(body, &e); err != nil || e.Message == "" {
					t.Errorf("422 body is not a JSON error with a message: %s", body)
				}
			}
		})
	}
}

func TestCursorCodec(t *testing.T) {
	tests := []struct {
		in      string
		want    cursor
		wantErr bool
	}{
		{"eyJhZnRlciI6eyJpZCI6MzAwN319", cursor{after: 3007}, false}, // Harvest's documented example
		{base64.URLEncoding.EncodeToString([]byte(`{"before":{"id":6006}}`)), cursor{before: 6006}, false},
		{base64.RawURLEncoding.EncodeToString([]byte(`{"after":{"id":12}}`)), cursor{after: 12}, false},
		{encodeCursor(cursor{after: 2417765031}), cursor{after: 2417765031}, false},
		{encodeCursor(cursor{before: 5}), cursor{before: 5}, false},
		{base64.URLEncoding.EncodeToString([]byte(`{"after":{"id":0}}`)), cursor{}, true},
		{base64.URLEncoding.EncodeToString([]byte(`{"after":{"id":1},"before":{"id":2}}`)), cursor{}, true},
		{base64.URLEncoding.EncodeToString([]byte(`{"after":{"id":1},"x":1}`)), cursor{}, true},
		{"!!!", cursor{}, true},
	}
	for _, tt := range tests {
		got, err := decodeCursor(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("decodeCursor(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
