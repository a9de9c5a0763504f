package harvesttest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// listingOrder is what a full walk of the listing key must return for acct, computed from
// the account independently of the server.
func listingOrder(acct *Account, key string) []int64 {
	switch key {
	case "users":
		return byCreation(acct.Users, func(u *harvest.User) (int64, time.Time) { return u.ID, u.CreatedAt }, func(*harvest.User) bool { return true })
	case "roles":
		return byCreation(acct.Roles, func(r *harvest.Role) (int64, time.Time) { return r.ID, r.CreatedAt }, func(*harvest.Role) bool { return true })
	case "clients":
		return byCreation(acct.Clients, func(c *harvest.Client) (int64, time.Time) { return c.ID, c.CreatedAt }, func(*harvest.Client) bool { return true })
	case "projects":
		return byCreation(acct.Projects, func(p *harvest.Project) (int64, time.Time) { return p.ID, p.CreatedAt }, func(*harvest.Project) bool { return true })
	case "tasks":
		return byCreation(acct.Tasks, func(x *harvest.Task) (int64, time.Time) { return x.ID, x.CreatedAt }, func(*harvest.Task) bool { return true })
	case "user_assignments":
		return byCreation(acct.UserAssignments, func(a *harvest.UserAssignment) (int64, time.Time) { return a.ID, a.CreatedAt }, func(*harvest.UserAssignment) bool { return true })
	case "time_entries":
		return byDate(acct.TimeEntries, func(*harvest.TimeEntry) bool { return true })
	}
	panic(key)
}

func intp(n int) *int { return &n }

func pageNumber(p *int) string {
	if p == nil {
		return "null"
	}
	return strconv.Itoa(*p)
}

func TestCursorWalk(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	const perPage = 3
	for _, key := range []string{"users", "roles", "clients", "projects", "tasks", "user_assignments"} {
		t.Run(key, func(t *testing.T) {
			want := listingOrder(acct, key)
			got, pages := walk(t, s, key, "/v2/"+key+"?per_page="+strconv.Itoa(perPage), nil)
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Fatalf("walk (-want +got):\n%s", diff)
			}
			n := len(pages)
			if wantPages := (len(want) + perPage - 1) / perPage; n != wantPages {
				t.Fatalf("%d pages, want %d", n, wantPages)
			}
			first := s.URL() + "/v2/" + key + "?page=1&per_page=3&ref=first"
			last := s.URL() + "/v2/" + key + "?page=" + strconv.Itoa(n) + "&per_page=3&ref=last"
			for i, p := range pages {
				num := i + 1
				// Page numbers appear on the first and last pages only, as Harvest's cursor mode.
				wantPage, wantNext, wantPrev := "null", "null", "null"
				switch {
				case num == 1:
					wantPage, wantNext = "1", strconv.Itoa(min(2, n))
					if n == 1 {
						wantNext = "null"
					}
				case num == n:
					wantPage, wantPrev = strconv.Itoa(n), strconv.Itoa(n-1)
				}
				gotNums := [3]string{pageNumber(p.Page), pageNumber(p.NextPage), pageNumber(p.PreviousPage)}
				if gotNums != [3]string{wantPage, wantNext, wantPrev} {
					t.Errorf("page %d: page, next_page, previous_page = %v, want %v", num, gotNums, [3]string{wantPage, wantNext, wantPrev})
				}
				if p.PerPage != perPage || p.TotalEntries != len(want) || p.TotalPages != n {
					t.Errorf("page %d: per_page %d, total_entries %d, total_pages %d", num, p.PerPage, p.TotalEntries, p.TotalPages)
				}
				if *p.Links.First != first || *p.Links.Last != last {
					t.Errorf("page %d: links.first %s, links.last %s", num, *p.Links.First, *p.Links.Last)
				}
				if (p.Links.Previous == nil) != (num == 1) {
					t.Errorf("page %d: links.previous %v", num, p.Links.Previous)
				}
				if num < n {
					checkNextCursor(t, *p.Links.Next, key, recordIDs(t, p.Records)[perPage-1])
				}
			}
		})
	}
}

// checkNextCursor checks a cursor-mode links.next against Harvest's documented shape.
func checkNextCursor(t *testing.T, next, key string, lastID int64) {
	t.Helper()
	u, err := url.Parse(next)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/v2/"+key || q.Get("per_page") != "3" || q.Get("ref") != "next_cursor" || len(q) != 3 {
		t.Errorf("links.next %s: want /v2/%s?cursor=...&per_page=3&ref=next_cursor", next, key)
	}
	raw, err := base64.URLEncoding.DecodeString(q.Get("cursor"))
	if err != nil {
		t.Fatalf("cursor %q is not url-safe base64: %v", q.Get("cursor"), err)
	}
	if want := `{"after":{"id":` + itoa(lastID) + `}}`; string(raw) != want {
		t.Errorf("cursor decodes to %s, want %s", raw, want)
	}
}

func TestPageNumberWalk(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	from, to := acct.TimeEntries[50].SpentDate, acct.TimeEntries[550].SpentDate
	want := byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.SpentDate >= from && e.SpentDate <= to })
	got, pages := walk(t, s, "time_entries", "/v2/time_entries?from="+from+"&to="+to+"&per_page=50", nil)
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Fatalf("walk (-want +got):\n%s", diff)
	}
	n := len(pages)
	if n != (len(want)+49)/50 || n < 3 {
		t.Fatalf("%d pages for %d entries", n, len(want))
	}
	link := func(page int) string {
		return s.URL() + "/v2/time_entries?from=" + from + "&page=" + strconv.Itoa(page) + "&per_page=50&to=" + to
	}
	for i, p := range pages {
		num := i + 1
		var wantNext, wantPrev *int
		var wantNextLink, wantPrevLink *string
		if num < n {
			wantNext, wantNextLink = intp(num+1), ptr(link(num+1))
		}
		if num > 1 {
			wantPrev, wantPrevLink = intp(num-1), ptr(link(num-1))
		}
		p.Records = nil // checked by the walk; comparing raw bytes reflectively is slow
		wantEnv := page{
			PerPage: 50, TotalPages: n, TotalEntries: len(want),
			Page: intp(num), NextPage: wantNext, PreviousPage: wantPrev,
		}
		wantEnv.Links.First, wantEnv.Links.Last = ptr(link(1)), ptr(link(n))
		wantEnv.Links.Next, wantEnv.Links.Previous = wantNextLink, wantPrevLink
		if diff := gocmp.Diff(wantEnv, p); diff != "" {
			t.Errorf("page %d envelope (-want +got):\n%s", num, diff)
		}
	}
}

func TestDeprecatedPageOnCursorListing(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	want := listingOrder(acct, "users")
	p := decodePage(t, "users", get(t, s, "/v2/users?page=2&per_page=5"))
	if diff := gocmp.Diff(want[5:10], recordIDs(t, p.Records)); diff != "" {
		t.Errorf("page 2 (-want +got):\n%s", diff)
	}
	if got := [3]string{pageNumber(p.Page), pageNumber(p.NextPage), pageNumber(p.PreviousPage)}; got != [3]string{"2", "3", "1"} {
		t.Errorf("page, next_page, previous_page = %v, want [2 3 1]", got)
	}
	// A cursor wins over a page number.
	c := url.QueryEscape(encodeCursor(cursor{after: want[1]}))
	p = decodePage(t, "users", get(t, s, "/v2/users?page=4&per_page=5&cursor="+c))
	if diff := gocmp.Diff(want[2:7], recordIDs(t, p.Records)); diff != "" {
		t.Errorf("cursor with page (-want +got):\n%s", diff)
	}
}

func TestPreviousCursor(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	_, pages := walk(t, s, "projects", "/v2/projects?per_page=4", nil)
	if len(pages) < 4 {
		t.Fatalf("only %d pages", len(pages))
	}
	status, _, body := fetch(t, httpClient(), *pages[2].Links.Previous, goodHeaders())
	if status != 200 {
		t.Fatalf("links.previous: status %d", status)
	}
	if diff := gocmp.Diff(recordIDs(t, pages[1].Records), recordIDs(t, decodePage(t, "projects", body).Records)); diff != "" {
		t.Errorf("page before page 3 (-want page 2 +got):\n%s", diff)
	}
}

func TestCursorWalkIsStableUnderInserts(t *testing.T) {
	acct := smallAccount()
	clock := newFakeClock(time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC))
	s := newTestServer(t, acct, Options{Now: clock.Now})
	want := listingOrder(acct, "users")
	got, _ := walk(t, s, "users", "/v2/users?per_page=4", func(n int) {
		clock.Advance(time.Minute)
		s.AddUser(harvest.User{FirstName: "New", LastName: "Hire " + strconv.Itoa(n), Roles: []string{}})
	})
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("walk while users are added (-want +got):\n%s", diff)
	}
	if n := len(listingOrder(s.Account(), "users")); n <= len(want) {
		t.Errorf("no user was added (%d users)", n)
	}
}

func TestDefaultAndEmptyPages(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	p := decodePage(t, "time_entries", get(t, s, "/v2/time_entries"))
	if p.PerPage != 2000 || len(p.Records) != len(acct.TimeEntries) || p.TotalPages != 1 || p.Links.Next != nil {
		t.Errorf("default page: per_page %d, %d records of %d, total_pages %d, next %v", p.PerPage, len(p.Records), len(acct.TimeEntries), p.TotalPages, p.Links.Next)
	}
	for _, key := range []string{"users", "time_entries"} {
		body := get(t, s, "/v2/"+key+"?updated_since=2099-01-01T00:00:00Z")
		p := decodePage(t, key, body)
		want := page{Records: []json.RawMessage{}, PerPage: 2000, Page: intp(1)}
		want.Links = p.Links
		if diff := gocmp.Diff(want, p); diff != "" || p.Links.Next != nil || p.Links.Previous != nil {
			t.Errorf("%s empty page (-want +got):\n%s", key, diff)
		}
		if q, _ := url.Parse(*p.Links.Last); q.Query().Get("page") != "1" || q.Query().Get("updated_since") == "" {
			t.Errorf("%s empty page: links.last %s", key, *p.Links.Last)
		}
	}
	// Past the last page: no records, and nothing next.
	p = decodePage(t, "time_entries", get(t, s, "/v2/time_entries?page=9&per_page=100"))
	if len(p.Records) != 0 || p.NextPage != nil || p.Links.Next != nil || *p.PreviousPage != 8 {
		t.Errorf("page 9 of 6: %d records, next %v, previous %v", len(p.Records), p.NextPage, pageNumber(p.PreviousPage))
	}
}

func TestListingsAreSortedAsHarvest(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	var entries []harvest.TimeEntry
	if err := json.Unmarshal(jsonField(t, get(t, s, "/v2/time_entries"), "time_entries"), &entries); err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(entries, func(a, b harvest.TimeEntry) int { return entryOrder(&a, &b) }) {
		t.Error("time entries are not newest spent_date first, then highest id")
	}
}

func jsonField(t *testing.T, body []byte, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m[key]
}
