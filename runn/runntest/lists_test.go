package runntest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/runn"
)

type page[T any] struct {
	Values     []T     `json:"values"`
	NextCursor *string `json:"nextCursor"`
}

// listAll pages through path (which already has a query string) and returns the ids of
// every value and the number of pages.
func listAll(t *testing.T, s *Server, path string) (ids []int64, pages int) {
	t.Helper()
	cursor := ""
	for {
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		r := do(t, s, "GET", p, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, r.status, r.body)
		}
		var pg page[struct{ ID int64 }]
		r.decode(t, &pg)
		pages++
		for _, v := range pg.Values {
			ids = append(ids, v.ID)
		}
		if pg.NextCursor == nil {
			return ids, pages
		}
		cursor = *pg.NextCursor
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
	}
}

func seedWithRoles(n int, clock *testkit.FakeClock) *State {
	st := testSeed()
	for i := range n {
		// createdAt runs opposite to id, so sorting by it is visibly different.
		at := clock.Now().Add(-time.Duration(i) * time.Hour)
		st.Roles = append(st.Roles, runn.Role{ID: int64(30000 + i), Name: testkit.Ptr(fmt.Sprintf("Role %03d", i)), CreatedAt: at, UpdatedAt: at})
	}
	return st
}

func TestListsPageWithCursors(t *testing.T) {
	s, _ := startServer(t, seedWithRoles(120, newFakeClock()), Options{})
	all := s.State().Roles // 122 roles, by id
	var want []int64
	for _, r := range all {
		want = append(want, r.ID)
	}

	tests := []struct {
		name      string
		path      string
		wantPages int
		want      []int64
	}{
		{"default limit from the spec (50)", "/roles/?", 3, want},
		{"limit", "/roles/?limit=7", 18, want},
		{"one page", "/roles/?limit=200", 1, want},
		{"desc", "/roles/?limit=40&order=desc", 4, reversed(want)},
		{"sortBy createdAt", "/roles/?limit=40&sortBy=createdAt", 4, byCreated(all)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := listAll(t, s, tt.path)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids %v\nwant %v", got, tt.want)
			}
			if pages != tt.wantPages {
				t.Errorf("%d pages, want %d", pages, tt.wantPages)
			}
		})
	}
}

func reversed(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

func byCreated(roles []runn.Role) []int64 {
	rs := slices.Clone(roles)
	slices.SortStableFunc(rs, func(a, b runn.Role) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestCursorSurvivesWritesBetweenPages(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	r := do(t, s, "GET", "/actuals/?limit=2", nil)
	var first page[runn.Actual]
	r.decode(t, &first)
	if len(first.Values) != 2 || first.NextCursor == nil {
		t.Fatalf("first page %s", r.body)
	}
	// A new actual between pages comes at the end (highest id), nothing is repeated.
	if r := do(t, s, "POST", "/actuals/", actualBody(map[string]any{"date": "2025-07-01"})); r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r = do(t, s, "GET", "/actuals/?limit=2&cursor="+url.QueryEscape(*first.NextCursor), nil)
	var second page[runn.Actual]
	r.decode(t, &second)
	if len(second.Values) != 2 || second.Values[0].ID != 55830174 || second.Values[1].ID != 55830175 || second.NextCursor != nil {
		t.Errorf("second page %s, want 55830174 then the new actual 55830175, and no cursor", r.body)
	}
}

func TestBadCursorsAreRefused(t *testing.T) {
	s, _ := startServer(t, seedWithRoles(10, newFakeClock()), Options{})
	r := do(t, s, "GET", "/roles/?limit=2", nil)
	var p page[runn.Role]
	r.decode(t, &p)
	for name, path := range map[string]string{
		"garbage":     "/roles/?cursor=!!!",
		"not ours":    "/roles/?cursor=bm90LWEtY3Vyc29y",
		"other order": "/roles/?order=desc&cursor=" + url.QueryEscape(*p.NextCursor),
		"other sort":  "/roles/?sortBy=updatedAt&cursor=" + url.QueryEscape(*p.NextCursor),
	} {
		t.Run(name, func(t *testing.T) {
			if r := do(t, s, "GET", path, nil); r.status != http.StatusBadRequest {
				t.Errorf("status %d (%s), want 400", r.status, r.body)
			}
		})
	}
}

func TestEmptyListIsAnEmptyArray(t *testing.T) {
	s, _ := startServer(t, nil, Options{})
	r := do(t, s, "GET", "/actuals/", nil)
	if got := strings.TrimSpace(string(r.body)); got != `{"values":[],"nextCursor":null}` {
		t.Errorf("empty list = %s", got)
	}
}

func TestListFilters(t *testing.T) {
	s, clock := startServer(t, testSeed(), Options{})
	clock.Advance(time.Hour)
	if r := do(t, s, "POST", "/clients/", map[string]any{"name": "Harbourside Cafe"}); r.status != http.StatusCreated {
		t.Fatal(r.status)
	}
	tests := []struct {
		path string
		want []int64
	}{
		// externalId: exact match on any reference, only where the spec has the filter.
		{"/people/?externalId=4410982", []int64{880451}},
		{"/people/?externalId=441098", nil},
		{"/projects/?includeArchived=true&externalId=40119877", []int64{402288}},
		{"/projects/?includeArchived=true&externalId=4011987", nil},
		{"/clients/?sortBy=id&externalId=9001", []int64{73015, 73016, 73017}}, // not a filter of /clients/
		// name: case-insensitive substring.
		{"/clients/?sortBy=id&name=harbour", []int64{73015, 73017}},
		{"/roles/?name=STRUCTURAL", []int64{21877}},
		{"/projects/?includeArchived=true&name=pier", []int64{402291}},
		{"/people/?firstName=ingr", []int64{880451}},
		{"/people/?lastName=BERG", []int64{880467}},
		{"/people/?email=nakamura@", []int64{880451}},
		// includeArchived.
		{"/projects/?includeArchived=false", []int64{402288, 402289, 402290}},
		{"/projects/?includeArchived=true", []int64{402288, 402289, 402290, 402291}},
		{"/project-tags/", []int64{9031}},
		{"/project-tags/?includeArchived=true", []int64{9031, 9032}},
		// actuals: dates inclusive, ids.
		{"/actuals/?minDate=2025-07-08", []int64{55830172, 55830173}},
		{"/actuals/?maxDate=2025-07-08", []int64{55830173, 55830174}},
		{"/actuals/?minDate=2025-07-08&maxDate=2025-07-08", []int64{55830173}},
		{"/actuals/?projectId=402288", []int64{55830172, 55830174}},
		{"/actuals/?personId=880467", nil},
		{"/actuals/?roleId=21877&projectId=402290", []int64{55830173}},
		{"/actuals/?workstreamId=77", []int64{55830174}},
		// assignments: ids, and dates by overlap.
		{"/assignments/?personId=880451", []int64{7712290, 7712291}},
		{"/assignments/?projectId=402288&roleId=21878", []int64{7712292}},
		{"/assignments/?startDate=2025-07-01", []int64{7712290, 7712292}},
		{"/assignments/?endDate=2025-07-01", []int64{7712291}},
		{"/assignments/?startDate=2025-08-29&endDate=2025-09-01", []int64{7712290, 7712292}},
		{"/assignments/?startDate=2025-06-28&endDate=2025-07-06", nil},
		// contracts.
		{"/contracts/?sortBy=id", []int64{1290034, 1290035}},
		{"/people/880451/contracts/", []int64{1290034}},
		{"/people/999/contracts/", nil},
		// modifiedAfter: strictly after updatedAt.
		{"/clients/?sortBy=id&modifiedAfter=2025-05-31", []int64{73016, 73017}},
		{"/clients/?sortBy=id&modifiedAfter=2025-07-10T09:30:00Z", []int64{73017}},
		{"/clients/?sortBy=updatedAt&order=desc", []int64{73017, 73016, 73015}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, _ := listAll(t, s, tt.path)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGetByID(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	tests := []struct {
		path       string
		wantStatus int
		wantID     int64
	}{
		{"/clients/73015", 200, 73015},
		{"/clients/402288", 404, 0}, // a project's id is not a client's
		{"/people/880451", 200, 880451},
		{"/people/1", 404, 0},
		{"/projects/402291", 200, 402291},
		{"/projects/73015", 404, 0},
		{"/people/880451/contracts/current", 200, 1290034},
		{"/people/880467/contracts/current", 404, 0}, // the only contract ended in 2024
		{"/people/1/contracts/current", 404, 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := do(t, s, "GET", tt.path, nil)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", r.status, r.body, tt.wantStatus)
			}
			if tt.wantStatus == 404 {
				if e := r.errorBody(t); e.Error != "Not Found" || e.StatusCode != 404 || e.Message == "" {
					t.Errorf("404 body %s", r.body)
				}
				return
			}
			var v struct{ ID int64 }
			r.decode(t, &v)
			if v.ID != tt.wantID {
				t.Errorf("id %d, want %d", v.ID, tt.wantID)
			}
		})
	}
}

func TestCurrentContractIsTheLatestInForce(t *testing.T) {
	seed := testSeed()
	mpd := 480.0
	for _, c := range []runn.Contract{
		{ID: 1290040, StartDate: "2025-06-01"}, // latest start in force: wins
		{ID: 1290041, StartDate: "2025-08-01"}, // not yet in force
		{ID: 1290042, StartDate: "2025-03-01", EndDate: testkit.Ptr("2025-12-31")},
	} {
		c.PersonID, c.RoleID, c.MinutesPerDay = 880451, 21877, &mpd
		seed.Contracts = append(seed.Contracts, c)
	}
	s, _ := startServer(t, seed, Options{})
	r := do(t, s, "GET", "/people/880451/contracts/current", nil)
	var c runn.Contract
	r.decode(t, &c)
	if c.ID != 1290040 {
		t.Errorf("current contract %d, want 1290040", c.ID)
	}
}

// TestListingSeesWritesBetweenPages: a listing's sorted records are kept from page to page
// until the next write (issue 14), so that a write between two pages, or before the listing is
// read again, shows as it does on Runn.
func TestListingSeesWritesBetweenPages(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	count := func() int {
		n, path := 0, "/roles/?limit=1"
		for {
			var page struct {
				Values     []map[string]any `json:"values"`
				NextCursor *string          `json:"nextCursor"`
			}
			do(t, s, "GET", path, nil).decode(t, &page)
			n += len(page.Values)
			if page.NextCursor == nil {
				return n
			}
			path = "/roles/?limit=1&cursor=" + *page.NextCursor
		}
	}
	before := count()
	if r := do(t, s, "POST", "/roles/", map[string]any{"name": "Drafter"}); r.status != 201 {
		t.Fatalf("POST /roles/: %d %s", r.status, r.body)
	}
	if after := count(); after != before+1 {
		t.Errorf("roles listed after a create: %d, want %d", after, before+1)
	}
}
