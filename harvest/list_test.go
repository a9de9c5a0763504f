package harvest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestListSendsHeadersAndQuery(t *testing.T) {
	f := &fakeListing{t: t, key: "time_entries", pages: 3, perPage: 2}
	srv := serve(t, f)
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Concurrency = 1 })
	col := &collector{t: t}
	if err := c.List(context.Background(), TimeEntries, TimeEntryWindow("2025-01-01", "2025-01-31"), col.fn); err != nil {
		t.Fatal(err)
	}
	hits := f.requests()
	if len(hits) != 3 {
		t.Fatalf("%d requests, want 3", len(hits))
	}
	for i, h := range hits {
		for name, want := range map[string]string{
			"Authorization":      "Bearer " + testToken,
			"Harvest-Account-Id": "123456",
			"User-Agent":         DefaultUserAgent,
			"Accept":             "application/json",
		} {
			if got := h.header.Get(name); got != want {
				t.Errorf("request %d: %s = %q, want %q", i+1, name, got, want)
			}
		}
		if h.query.Get("from") != "2025-01-01" || h.query.Get("to") != "2025-01-31" || h.query.Get("per_page") != "2000" {
			t.Errorf("request %d: query %v lacks the window or per_page=2000", i+1, h.query)
		}
	}
	if hits[0].query.Has("page") || hits[0].query.Has("cursor") {
		t.Errorf("first request %v names a page", hits[0].query)
	}
}

func TestListCallerPerPageWins(t *testing.T) {
	f := &fakeListing{t: t, key: "users", pages: 1, perPage: 1, cursor: true}
	c := newTestClient(t, serve(t, f).URL)
	if err := c.List(context.Background(), Users, url.Values{"per_page": {"50"}, "is_active": {"true"}}, func(Page) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if q := f.requests()[0].query; q.Get("per_page") != "50" || q.Get("is_active") != "true" {
		t.Errorf("query %v, want per_page=50 and is_active=true", q)
	}
}

func TestListCursorMode(t *testing.T) {
	f := &fakeListing{t: t, key: "users", pages: 5, perPage: 3, cursor: true, delay: time.Millisecond}
	srv := serve(t, f)
	c := newTestClient(t, srv.URL)
	col := &collector{t: t}
	if err := c.List(context.Background(), Users, nil, col.fn); err != nil {
		t.Fatal(err)
	}
	if len(col.pages) != 5 {
		t.Fatalf("%d pages, want 5", len(col.pages))
	}
	for i, p := range col.pages {
		if p.Seq != i+1 {
			t.Errorf("page %d has Seq %d: cursor pages must come in order", i+1, p.Seq)
		}
		if !bytes.Equal(p.Body, f.sent(i+1)) {
			t.Errorf("page %d body differs from what the server sent", i+1)
		}
		if p.Resource != Users || p.Status != 200 || p.Records != 3 || p.TotalPages != 5 || p.TotalEntries != 15 || p.Attempts != 1 {
			t.Errorf("page %d = %+v", i+1, pageSummary(p))
		}
		if !strings.HasPrefix(p.URL, srv.URL+"/v2/users?") {
			t.Errorf("page %d URL %q", i+1, p.URL)
		}
	}
	if f.maxInFlight != 1 {
		t.Errorf("%d cursor requests in flight at once, want 1", f.maxInFlight)
	}
	for i, h := range f.requests()[1:] {
		if h.query.Get("cursor") == "" || h.query.Get("ref") != "next_cursor" {
			t.Errorf("request %d did not follow links.next: %v", i+2, h.query)
		}
	}
}

func pageSummary(p Page) Page {
	p.Body = nil
	return p
}

func TestListPageModeConcurrent(t *testing.T) {
	const pages = 20
	f := &fakeListing{t: t, key: "time_entries", pages: pages, perPage: 2, delay: 10 * time.Millisecond}
	c := newTestClient(t, serve(t, f).URL, func(cfg *Config) { cfg.Concurrency = 4 })
	col := &collector{t: t}
	if err := c.List(context.Background(), TimeEntries, nil, col.fn); err != nil {
		t.Fatal(err)
	}
	var seqs []int
	for _, p := range col.pages {
		seqs = append(seqs, p.Seq)
		var env struct{ Page int }
		if err := json.Unmarshal(p.Body, &env); err != nil || env.Page != p.Seq {
			t.Errorf("page with Seq %d holds page %d", p.Seq, env.Page)
		}
		if !bytes.Equal(p.Body, f.sent(p.Seq)) {
			t.Errorf("page %d body differs from what the server sent", p.Seq)
		}
	}
	slices.Sort(seqs)
	if want := seqRange(1, pages); !slices.Equal(seqs, want) {
		t.Errorf("pages %v, want each of 1..%d once", seqs, pages)
	}
	if n := len(f.requests()); n != pages {
		t.Errorf("%d requests, want %d", n, pages)
	}
	if f.maxInFlight < 2 || f.maxInFlight > 4 {
		t.Errorf("%d requests in flight at most, want 2..4 (Concurrency 4)", f.maxInFlight)
	}
	if st := c.Stats(); st.Pages != pages || st.Requests != pages || st.Retries != 0 {
		t.Errorf("stats %+v", st)
	}
}

func seqRange(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func TestListPageModeGrowsWhileRead(t *testing.T) {
	// Page 1 says 3 pages; by the time page 3 is read, a fourth exists.
	f := &fakeListing{t: t, key: "time_entries", pages: 4, perPage: 1}
	f.envelope = func(page int, env map[string]any) {
		if page == 1 {
			env["total_pages"] = 3
		}
	}
	c := newTestClient(t, serve(t, f).URL)
	col := &collector{t: t}
	if err := c.List(context.Background(), TimeEntries, nil, col.fn); err != nil {
		t.Fatal(err)
	}
	var seqs []int
	for _, p := range col.pages {
		seqs = append(seqs, p.Seq)
	}
	slices.Sort(seqs)
	if !slices.Equal(seqs, []int{1, 2, 3, 4}) {
		t.Errorf("pages %v, want 1..4", seqs)
	}
}

func TestListPageNumberMismatch(t *testing.T) {
	f := &fakeListing{t: t, key: "time_entries", pages: 5, perPage: 1}
	f.envelope = func(page int, env map[string]any) {
		if page == 4 {
			env["page"] = 3
		}
	}
	c := newTestClient(t, serve(t, f).URL)
	err := c.List(context.Background(), TimeEntries, nil, func(Page) error { return nil })
	var mal *MalformedPageError
	if !errors.As(err, &mal) || !strings.Contains(mal.Reason, "asked for page 4, got page 3") {
		t.Fatalf("err = %v, want a MalformedPageError about page 4", err)
	}
}

func TestListRefusesOffsiteLinks(t *testing.T) {
	other := &fakeListing{t: t, key: "users", pages: 2, perPage: 1, cursor: true}
	otherSrv := serve(t, other)
	for _, tc := range []struct {
		name string
		next func(self string) string
	}{
		{"other port", func(string) string { return otherSrv.URL + "/v2/users?cursor=c2" }},
		{"other scheme", func(self string) string {
			return strings.Replace(self, "http://", "https://", 1) + "/v2/users?cursor=c2"
		}},
		{"other host", func(self string) string {
			return strings.Replace(self, "127.0.0.1", "localhost", 1) + "/v2/users?cursor=c2"
		}},
		{"user info", func(self string) string {
			return strings.Replace(self, "http://", "http://u:p@", 1) + "/v2/users?cursor=c2"
		}},
		{"protocol-relative", func(string) string { return "//" + strings.TrimPrefix(otherSrv.URL, "http://") + "/v2/users" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeListing{t: t, key: "users", pages: 2, perPage: 1, cursor: true}
			srv := serve(t, f)
			f.envelope = func(_ int, env map[string]any) { env["links"].(map[string]any)["next"] = tc.next(srv.URL) }
			c := newTestClient(t, srv.URL)
			pages := 0
			err := c.List(context.Background(), Users, nil, func(Page) error { pages++; return nil })
			if !errors.Is(err, ErrOffsiteLink) {
				t.Fatalf("err = %v, want ErrOffsiteLink", err)
			}
			if n := len(f.requests()); n != 1 || pages != 0 {
				t.Errorf("%d requests and %d pages delivered, want 1 and 0", n, pages)
			}
			if n := len(other.requests()); n != 0 {
				t.Errorf("the other server got %d requests", n)
			}
		})
	}
}

func TestListRefusesLinkLoop(t *testing.T) {
	f := &fakeListing{t: t, key: "users", pages: 3, perPage: 1, cursor: true}
	srv := serve(t, f)
	f.envelope = func(page int, env map[string]any) {
		if page == 2 {
			env["links"].(map[string]any)["next"] = srv.URL + "/v2/users?cursor=c2&per_page=2000&ref=next_cursor"
		}
	}
	c := newTestClient(t, srv.URL)
	err := c.List(context.Background(), Users, nil, func(Page) error { return nil })
	var mal *MalformedPageError
	if !errors.As(err, &mal) {
		t.Fatalf("err = %v, want a MalformedPageError", err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListMalformedPages(t *testing.T) {
	for _, tc := range []struct {
		name, body, reason string
	}{
		{"not JSON", `<html>maintenance</html>`, "not a JSON object"},
		{"JSON null", `null`, "not a JSON object"},
		{"an array", `[]`, "not a JSON object"},
		{"no records key", `{"users":[],"links":{"next":null}}`, `no "time_entries" key`},
		{"records not an array", `{"time_entries":{},"links":{"next":null}}`, "not an array"},
		{"records null", `{"time_entries":null,"links":{"next":null}}`, "not an array"},
		{"no links", `{"time_entries":[]}`, `no "links" key`},
		{"links not an object", `{"time_entries":[],"links":[]}`, "not an object"},
		{"no links.next", `{"time_entries":[],"links":{"first":"x"}}`, `no "links.next" key`},
		{"links.next a number", `{"time_entries":[],"links":{"next":2}}`, "neither a URL nor null"},
		{"total_pages a string", `{"time_entries":[],"total_pages":"2","links":{"next":null}}`, "not an integer"},
		{"truncated JSON", `{"time_entries":[{"id":1}`, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				w.Write([]byte(tc.body))
			}))
			c := newTestClient(t, srv.URL)
			err := c.List(context.Background(), TimeEntries, nil, func(Page) error { return nil })
			var mal *MalformedPageError
			if !errors.As(err, &mal) {
				t.Fatalf("err = %v, want a MalformedPageError", err)
			}
			if !strings.Contains(mal.Reason, tc.reason) || !strings.Contains(mal.URL, "/v2/time_entries") {
				t.Errorf("error %q, want reason %q and the URL", err, tc.reason)
			}
			if calls != 1 {
				t.Errorf("%d requests: a malformed page must not be retried", calls)
			}
		})
	}
}

func TestListEmptyListing(t *testing.T) {
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"roles":[],"per_page":2000,"total_pages":0,"total_entries":0,"page":1,"links":{"next":null}}`))
	}))
	c := newTestClient(t, srv.URL)
	col := &collector{t: t}
	if err := c.List(context.Background(), Roles, nil, col.fn); err != nil {
		t.Fatal(err)
	}
	if len(col.pages) != 1 || col.pages[0].Records != 0 {
		t.Errorf("got %d pages, want the one empty page", len(col.pages))
	}
}

func TestListStopsOnCallbackError(t *testing.T) {
	stop := errors.New("warehouse full")
	for _, tc := range []struct {
		name   string
		res    Resource
		cursor bool
	}{
		{"cursor", Users, true},
		{"page numbers", TimeEntries, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeListing{t: t, key: string(tc.res), pages: 30, perPage: 1, cursor: tc.cursor}
			c := newTestClient(t, serve(t, f).URL, func(cfg *Config) { cfg.Concurrency = 3 })
			calls := 0
			err := c.List(context.Background(), tc.res, nil, func(p Page) error {
				calls++
				if calls == 3 {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) || err.Error() != stop.Error() {
				t.Fatalf("err = %v, want fn's error as it is", err)
			}
			if calls != 3 {
				t.Errorf("fn called %d times after failing", calls)
			}
			if n := len(f.requests()); n > 3+3+1 {
				t.Errorf("%d requests after fn failed on the third page", n)
			}
		})
	}
}

func TestListRejectsBadResource(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1")
	for _, res := range []Resource{"", "/users", "users/", "users?x=1", "../admin", "users//x", "a b"} {
		if err := c.List(context.Background(), res, nil, func(Page) error { return nil }); err == nil {
			t.Errorf("List(%q) succeeded", res)
		}
	}
	if err := c.List(context.Background(), Users, nil, nil); err == nil {
		t.Error("List without fn succeeded")
	}
}

func TestListNestedResourceUsesLastSegmentAsKey(t *testing.T) {
	f := &fakeListing{t: t, key: "cost_rates", pages: 1, perPage: 2, cursor: true}
	srv := serve(t, f)
	c := newTestClient(t, srv.URL+"/") // a trailing slash on the base URL is harmless
	col := &collector{t: t}
	if err := c.List(context.Background(), "users/42/cost_rates", nil, col.fn); err != nil {
		t.Fatal(err)
	}
	if len(col.pages) != 1 || col.pages[0].Records != 2 || !strings.HasPrefix(col.pages[0].URL, srv.URL+"/v2/users/42/cost_rates?") {
		t.Errorf("pages %+v", col.pages)
	}
}

// R17 a: paging stops at an empty page, at the announced total_entries, and before a page past
// the announced total_pages; a listing that sent fewer records than its first page announced,
// or an empty page before its announced last page, is incomplete.
func TestListIncompleteR17a(t *testing.T) {
	emptyPages := func(from int) func(int, map[string]any) {
		return func(page int, env map[string]any) {
			if page >= from {
				env["time_entries"] = []any{}
				env["users"] = []any{}
			}
		}
	}
	for _, tc := range []struct {
		name        string
		f           *fakeListing
		concurrency int
		wantErr     bool
		reason      string
		received    int
		maxRequests int
	}{
		{name: "page numbers: empty page mid-listing", f: &fakeListing{key: "time_entries", pages: 3, perPage: 2, envelope: func(page int, env map[string]any) {
			if page == 2 {
				env["time_entries"] = []any{}
			}
		}}, concurrency: 1, wantErr: true, reason: "page 2 was empty", received: 2, maxRequests: 2},
		{name: "page numbers: cut short after page 1", f: &fakeListing{key: "time_entries", pages: 2, perPage: 2, envelope: func(page int, env map[string]any) {
			if page == 1 {
				env["links"].(map[string]any)["next"] = nil
			}
		}}, wantErr: true, reason: "links.next ended the listing after page 1 of 2", received: 2, maxRequests: 1},
		{name: "page numbers: last page short", f: &fakeListing{key: "time_entries", pages: 3, perPage: 2, envelope: emptyPages(3)},
			wantErr: true, reason: "page 3 was empty", received: 4, maxRequests: 3},
		{name: "page numbers: 1,000,000 pages announced consistently, all empty after page 1",
			f: &fakeListing{key: "time_entries", pages: 1_000_000, perPage: 2, envelope: emptyPages(2)}, concurrency: 8,
			wantErr: true, reason: "was empty", received: 2, maxRequests: 1 + 2*8},
		{name: "page numbers: 1,000,000 pages announced for 5 entries", f: &fakeListing{key: "time_entries", pages: 3, perPage: 2, envelope: func(page int, env map[string]any) {
			env["total_pages"], env["total_entries"] = 1_000_000, 5
		}}, wantErr: true, reason: "5 entries of 2 per page fill 3 pages, not 1,000,000", received: 2, maxRequests: 1},
		{name: "page numbers: first page empty, entries announced", f: &fakeListing{key: "time_entries", pages: 2, perPage: 2, envelope: emptyPages(1)},
			wantErr: true, reason: "page 1 was empty", received: 0, maxRequests: 1},
		{name: "cursor: empty page mid-listing", f: &fakeListing{key: "users", cursor: true, pages: 4, perPage: 3, envelope: func(page int, env map[string]any) {
			if page == 2 {
				env["users"] = []any{}
			}
		}}, wantErr: true, reason: "page 2 was empty", received: 3, maxRequests: 2},
		{name: "cursor: cut short after page 2", f: &fakeListing{key: "users", cursor: true, pages: 4, perPage: 3, envelope: func(page int, env map[string]any) {
			if page == 2 {
				env["links"].(map[string]any)["next"] = nil
			}
		}}, wantErr: true, reason: "links.next ended the listing after page 2 of 4", received: 6, maxRequests: 2},
		{name: "cursor: links on after every announced entry came", f: &fakeListing{key: "users", cursor: true, pages: 5, perPage: 3, envelope: func(page int, env map[string]any) {
			env["total_pages"], env["total_entries"] = 3, 9
		}}, received: 9, maxRequests: 3},
		{name: "cursor: links past the announced total_pages, no total_entries", f: &fakeListing{key: "users", cursor: true, pages: 5, perPage: 3, envelope: func(page int, env map[string]any) {
			env["total_pages"] = 3
			delete(env, "total_entries")
		}}, received: 9, maxRequests: 3},
		{name: "cursor: more records than announced are fine", f: &fakeListing{key: "users", cursor: true, pages: 3, perPage: 3, envelope: func(page int, env map[string]any) {
			if page == 1 {
				env["total_entries"] = 8
			}
		}}, received: 9, maxRequests: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.t = t
			c := newTestClient(t, serve(t, f).URL, func(cfg *Config) { cfg.Concurrency = tc.concurrency })
			received := 0
			err := c.List(context.Background(), Resource(f.key), nil, func(p Page) error { received += p.Records; return nil })
			if n := len(f.requests()); n > tc.maxRequests {
				t.Errorf("%d requests, want at most %d", n, tc.maxRequests)
			}
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("List = %v, want no error", err)
				}
				if received != tc.received {
					t.Errorf("fn saw %d records, want %d", received, tc.received)
				}
				return
			}
			var inc *IncompleteListingError
			if !errors.As(err, &inc) || !errors.Is(err, ErrIncompleteListing) {
				t.Fatalf("List = %v, want an IncompleteListingError", err)
			}
			if !strings.Contains(inc.Reason, tc.reason) || inc.ReceivedEntries != tc.received || inc.ReceivedEntries != received ||
				inc.Resource != Resource(f.key) || !strings.Contains(inc.URL, "/v2/"+f.key) {
				t.Errorf("error %+v: want reason %q and %d received (fn saw %d)", inc, tc.reason, tc.received, received)
			}
			for _, w := range []string{"listing is incomplete", "R17 a", "run again later"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
			if strings.Contains(c.logs.String(), testToken) {
				t.Error("the token is in the log")
			}
		})
	}
}

func TestIncompleteListingMessage(t *testing.T) {
	err := &IncompleteListingError{Resource: TimeEntries, AnnouncedEntries: 2391, ReceivedEntries: 2000, AnnouncedPages: 2,
		PagesRead: 2, Reason: "page 2 was empty"}
	want := "harvest: time_entries listing is incomplete: it announced 2,391 entries in 2 pages and sent 2,000 (page 2 was empty); " +
		"nothing from this extract will be used (R17 a): run again later"
	if err.Error() != want {
		t.Errorf("message\n%s\nwant\n%s", err, want)
	}
	wrapped := fmt.Errorf("extract Harvest time_entries: %w", err)
	if !errors.Is(wrapped, ErrIncompleteListing) || errors.Is(wrapped, ErrRateLimited) {
		t.Error("errors.Is does not single out ErrIncompleteListing")
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1000000: "1,000,000", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
