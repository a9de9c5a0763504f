package harvest

import (
	"net/url"
	"testing"
)

func TestParseEnvelope(t *testing.T) {
	one, three := 1, 3
	for _, tc := range []struct {
		name string
		body string
		want envelope
	}{
		{"page mode", `{"time_entries":[{"id":1},{"id":2}],"per_page":2000,"total_pages":3,"total_entries":4001,"next_page":2,"page":1,
			"links":{"first":"f","next":"https://api.harvestapp.com/v2/time_entries?page=2&per_page=2000","previous":null,"last":"l"}}`,
			envelope{records: 2, page: &one, totalPages: 3, totalEntries: 4001, next: "https://api.harvestapp.com/v2/time_entries?page=2&per_page=2000"}},
		{"cursor middle page", `{"time_entries":[],"page":null,"next_page":null,"total_pages":3,"links":{"next":"n"}}`,
			envelope{next: "n", totalPages: 3}},
		{"last page, extra keys", `{"time_entries":[{}],"page":3,"links":{"next":null,"extra":1},"surprise":true}`,
			envelope{records: 1, page: &three}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseEnvelope([]byte(tc.body), "time_entries")
			if err != nil {
				t.Fatal(err)
			}
			if got.records != tc.want.records || got.totalPages != tc.want.totalPages || got.totalEntries != tc.want.totalEntries ||
				got.next != tc.want.next || (got.page == nil) != (tc.want.page == nil) || (got.page != nil && *got.page != *tc.want.page) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestAskedPage(t *testing.T) {
	for raw, want := range map[string]int{
		"https://h/v2/time_entries?page=2&per_page=2000":     2,
		"https://h/v2/time_entries?page=17":                  17,
		"https://h/v2/users?cursor=abc&per_page=2000":        0,
		"https://h/v2/users?cursor=abc&page=2":               0, // cursor wins, as on Harvest
		"https://h/v2/time_entries?per_page=2000":            0,
		"https://h/v2/time_entries?page=2x":                  0,
		"https://h/v2/time_entries?page=0":                   0,
		"https://h/v2/time_entries?from=2025-01-01&page=3&x": 3,
	} {
		u, _ := url.Parse(raw)
		if got := askedPage(u); got != want {
			t.Errorf("askedPage(%s) = %d, want %d", raw, got, want)
		}
	}
}

func TestWithPageKeepsTheRest(t *testing.T) {
	u, _ := url.Parse("https://api.harvestapp.com/v2/time_entries?from=2025-01-01&page=2&per_page=2000&to=2025-01-31")
	got := withPage(u, 7)
	q := got.Query()
	if q.Get("page") != "7" || q.Get("from") != "2025-01-01" || q.Get("to") != "2025-01-31" || q.Get("per_page") != "2000" ||
		got.Host != u.Host || got.Path != u.Path {
		t.Errorf("withPage = %s", got)
	}
	if u.Query().Get("page") != "2" {
		t.Error("withPage changed its argument")
	}
}

func TestSameOrigin(t *testing.T) {
	base, _ := url.Parse("https://api.harvestapp.com")
	for raw, want := range map[string]bool{
		"https://api.harvestapp.com/v2/users?cursor=x": true,
		"https://API.HarvestApp.com:443/v2/users":      true,
		"HTTPS://api.harvestapp.com/v2":                true,
		"http://api.harvestapp.com/v2/users":           false,
		"https://api.harvestapp.com:8443/v2/users":     false,
		"https://api.harvestapp.com.evil.example/v2":   false,
		"https://evil.example/v2/users":                false,
	} {
		u, _ := url.Parse(raw)
		if got := sameOrigin(u, base); got != want {
			t.Errorf("sameOrigin(%s) = %v, want %v", raw, got, want)
		}
	}
}
