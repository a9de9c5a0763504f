package harvesttest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
)

const (
	testToken   = "hv-test-token-3f9a"
	testAccount = "1234567"
)

// newTestServer starts a server with the test credentials unless opts names others.
func newTestServer(t testing.TB, acct *Account, opts Options) *Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.AccountID == "" {
		opts.AccountID = testAccount
	}
	s := NewServer(acct, opts)
	t.Cleanup(s.Close)
	return s
}

// newFakeClock returns the shared fake clock, which tests move by hand (Advance).
func newFakeClock(t time.Time) *testkit.FakeClock { return testkit.NewFakeClock(t) }

// goodHeaders are the headers Harvest requires.
func goodHeaders() http.Header {
	return http.Header{
		"User-Agent":         {"harvest2runn-tests (ops@example.com)"},
		"Authorization":      {"Bearer " + testToken},
		"Harvest-Account-Id": {testAccount},
	}
}

// fetch sends a GET with the given headers to url and returns the status, headers and body.
func fetch(t testing.TB, client *http.Client, url string, h http.Header) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	if _, ok := h["User-Agent"]; !ok {
		req.Header.Set("User-Agent", "") // stop net/http adding its own
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, body
}

// get fetches path (with query) from s with good headers and fails unless the answer is 200.
func get(t testing.TB, s *Server, path string) []byte {
	t.Helper()
	status, _, body := fetch(t, http.DefaultClient, s.URL()+path, goodHeaders())
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", path, status, body)
	}
	return body
}

// page is a decoded listing envelope.
type page struct {
	Records      []json.RawMessage
	PerPage      int  `json:"per_page"`
	TotalPages   int  `json:"total_pages"`
	TotalEntries int  `json:"total_entries"`
	NextPage     *int `json:"next_page"`
	PreviousPage *int `json:"previous_page"`
	Page         *int `json:"page"`
	Links        struct {
		First, Next, Previous, Last *string
	} `json:"links"`
}

func decodePage(t testing.TB, key string, body []byte) page {
	t.Helper()
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decoding page: %v\n%s", err, body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	recs, ok := raw[key]
	if !ok {
		t.Fatalf("page has no %q key: %.300s", key, body)
	}
	if err := json.Unmarshal(recs, &p.Records); err != nil {
		t.Fatal(err)
	}
	return p
}

func recordIDs(t testing.TB, recs []json.RawMessage) []int64 {
	t.Helper()
	ids := make([]int64, len(recs))
	for i, r := range recs {
		var v struct{ ID int64 }
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatal(err)
		}
		ids[i] = v.ID
	}
	return ids
}

// walk follows links.next from path until it is null, returning every id seen in order and
// every page. between, when set, runs after each page.
func walk(t testing.TB, s *Server, key, path string, between func(n int)) ([]int64, []page) {
	t.Helper()
	var ids []int64
	var pages []page
	url := s.URL() + path
	for n := 1; ; n++ {
		status, _, body := fetch(t, http.DefaultClient, url, goodHeaders())
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d, body %s", url, status, body)
		}
		p := decodePage(t, key, body)
		pages = append(pages, p)
		ids = append(ids, recordIDs(t, p.Records)...)
		if p.Links.Next == nil {
			return ids, pages
		}
		if !strings.HasPrefix(*p.Links.Next, s.URL()+"/v2/") {
			t.Fatalf("links.next %q is not on the server's base URL %s", *p.Links.Next, s.URL())
		}
		if n > 10000 {
			t.Fatal("walk does not end")
		}
		if between != nil {
			between(n)
		}
		url = *p.Links.Next
	}
}

// smallAccount is a generated account small enough to page through quickly.
func smallAccount() *Account {
	return Generate(GenerateOptions{Seed: 42, People: 30, Clients: 6, Projects: 25, TimeEntries: 600})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// httpClient is a plain client that keeps no connection between tests.
func httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}
