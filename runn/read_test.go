package runn

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListPagesWalksTheCursor(t *testing.T) {
	pages := []string{
		`{"values":[{"id":1},{"id":2}],"nextCursor":"Y3Vyc29yOjI="}`,
		`{"values":[{"id":3}],"nextCursor":"c+3/x"}`,
		`{"values":[],"nextCursor":null}`,
	}
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, pages[n])
	})
	c := newTestAPI(t, rec.URL)

	var got []Page
	err := c.ListPages(context.Background(), EndpointActuals, url.Values{"minDate": {"2025-06-01"}}, func(p Page) error {
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	wantQueries := []string{
		"limit=500&minDate=2025-06-01",
		"cursor=Y3Vyc29yOjI%3D&limit=500&minDate=2025-06-01",
		"cursor=c%2B3%2Fx&limit=500&minDate=2025-06-01",
	}
	reqs := rec.requests()
	if len(reqs) != len(wantQueries) || len(got) != len(wantQueries) {
		t.Fatalf("%d requests and %d pages, want %d of each", len(reqs), len(got), len(wantQueries))
	}
	for i, want := range wantQueries {
		if reqs[i].Path != "/actuals/" || reqs[i].Query != want {
			t.Errorf("request %d: %s?%s, want /actuals/?%s", i, reqs[i].Path, reqs[i].Query, want)
		}
		p := got[i]
		wantPage := Page{Endpoint: EndpointActuals, Path: "/actuals/", URL: rec.URL + "/actuals/?" + want, Seq: i + 1,
			Status: 200, Body: []byte(pages[i]), FetchedAt: c.clock.Now(), Attempts: 1, Count: []int{2, 1, 0}[i]}
		if diff := cmp.Diff(wantPage, p); diff != "" {
			t.Errorf("page %d (-want +got):\n%s", i+1, diff)
		}
	}
}

func TestListPagesSendsEachEndpointsQuery(t *testing.T) {
	tests := []struct {
		ep    Endpoint
		query url.Values
		want  string
	}{
		{EndpointClients, nil, "/clients/?limit=200&sortBy=id"},
		{EndpointContracts, nil, "/contracts/?limit=200&sortBy=id"},
		{EndpointProjects, nil, "/projects/?includeArchived=true&limit=200"},
		{EndpointProjectTags, nil, "/project-tags/?includeArchived=true&limit=200"},
		{EndpointPeople, nil, "/people/?limit=200"},
		{EndpointRoles, nil, "/roles/?limit=200"},
		{EndpointAssignments, nil, "/assignments/?limit=500"},
		{EndpointActuals, nil, "/actuals/?limit=500"},
		{EndpointClients, url.Values{"modifiedAfter": {"2025-01-01"}}, "/clients/?limit=200&modifiedAfter=2025-01-01&sortBy=id"},
		{EndpointProjects, url.Values{"includeArchived": {"false"}, "limit": {"20"}}, "/projects/?includeArchived=false&limit=20"},
	}
	for _, tt := range tests {
		t.Run(string(tt.ep)+tt.query.Encode(), func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, emptyPage) })
			c := newTestAPI(t, rec.URL)
			if err := c.ListPages(context.Background(), tt.ep, tt.query, func(Page) error { return nil }); err != nil {
				t.Fatal(err)
			}
			reqs := rec.requests()
			if len(reqs) != 1 || reqs[0].Path+"?"+reqs[0].Query != tt.want {
				t.Fatalf("requests %+v, want one GET %s", reqs, tt.want)
			}
		})
	}
}

func TestListPagesRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name  string
		ep    Endpoint
		query url.Values
		want  string
	}{
		{"unknown endpoint", Endpoint("teams"), nil, "not a list endpoint"},
		{"cursor", EndpointRoles, url.Values{"cursor": {"x"}}, "cursor"},
		{"limit over the maximum", EndpointClients, url.Values{"limit": {"201"}}, "1 to 200"},
		{"limit zero", EndpointActuals, url.Values{"limit": {"0"}}, "1 to 500"},
		{"limit not a number", EndpointActuals, url.Values{"limit": {"all"}}, "1 to 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, emptyPage) })
			c := newTestAPI(t, rec.URL)
			err := c.ListPages(context.Background(), tt.ep, tt.query, func(Page) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one mentioning %q", err, tt.want)
			}
			if n := len(rec.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

func TestListPagesRefusesMalformedPages(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"not JSON", `<html>gateway</html>`, "not a JSON object"},
		{"a bare array", `[{"id":1}]`, "not a JSON object"},
		{"no values", `{"nextCursor":null}`, `no "values" array`},
		{"values null", `{"values":null,"nextCursor":null}`, `no "values" array`},
		{"values an object", `{"values":{"id":1},"nextCursor":null}`, `no "values" array`},
		{"no nextCursor", `{"values":[]}`, `no "nextCursor" key`},
		{"nextCursor a number", `{"values":[],"nextCursor":2}`, "neither a string nor null"},
		{"nextCursor empty", `{"values":[],"nextCursor":""}`, "empty string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) })
			c := newTestAPI(t, rec.URL)
			called := false
			err := c.ListPages(context.Background(), EndpointRoles, nil, func(Page) error { called = true; return nil })
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), rec.URL+"/roles/?limit=200") {
				t.Fatalf("error = %v, want one naming the URL and %q", err, tt.want)
			}
			if called {
				t.Error("fn was called with a malformed page")
			}
		})
	}
}

func TestListPagesStopsOnARepeatedCursor(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"values":[{"id":1}],"nextCursor":"same"}`)
	})
	c := newTestAPI(t, rec.URL)
	err := c.ListPages(context.Background(), EndpointRoles, nil, func(Page) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "second time") {
		t.Fatalf("error = %v, want the repeated cursor named", err)
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListPagesReturnsFnsError(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"values":[],"nextCursor":"next"}`)
	})
	c := newTestAPI(t, rec.URL)
	stop := errors.New("warehouse full")
	err := c.ListPages(context.Background(), EndpointRoles, nil, func(Page) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("error = %v, want fn's", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestFindByExternalID checks the filter is sent and that records whose reference only looks
// like the id are dropped, whatever Runn's filter matched.
func TestFindByExternalID(t *testing.T) {
	people := `{"values":[
		{"id":1,"firstName":"A","lastName":"B","references":[{"referenceName":"Harvest","externalId":"12"}]},
		{"id":2,"firstName":"C","lastName":"D","references":[{"referenceName":"Harvest","externalId":"123"}]},
		{"id":3,"firstName":"E","lastName":"F","references":[{"referenceName":"Other","externalId":"9"},{"referenceName":"harvest","externalId":"12"}]}
	],"nextCursor":null}`
	projects := `{"values":[
		{"id":7,"name":"P","references":[{"referenceName":"Harvest","externalId":"120"}]},
		{"id":8,"name":"Q","references":[{"referenceName":"Harvest","externalId":"12"}]}
	],"nextCursor":null}`
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/people/" {
			writeJSON(w, 200, people)
		} else {
			writeJSON(w, 200, projects)
		}
	})
	c := newTestAPI(t, rec.URL)
	ctx := context.Background()

	gotPeople, err := c.FindPeopleByExternalID(ctx, "12")
	if err != nil {
		t.Fatal(err)
	}
	gotProjects, err := c.FindProjectsByExternalID(ctx, "12")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, p := range gotPeople {
		ids = append(ids, p.ID)
	}
	for _, p := range gotProjects {
		ids = append(ids, p.ID)
	}
	if diff := cmp.Diff([]int64{1, 3, 8}, ids); diff != "" {
		t.Errorf("ids found (-want +got):\n%s", diff)
	}
	reqs := rec.requests()
	if len(reqs) != 2 || reqs[0].Query != "externalId=12&limit=200" || reqs[1].Query != "externalId=12&includeArchived=true&limit=200" {
		t.Errorf("requests %+v", reqs)
	}

	if _, err := c.FindPeopleByExternalID(ctx, ""); err == nil {
		t.Error("FindPeopleByExternalID(\"\") succeeded")
	}
	if _, err := c.FindProjectsByExternalID(ctx, ""); err == nil {
		t.Error("FindProjectsByExternalID(\"\") succeeded")
	}
}

func TestListActualsDates(t *testing.T) {
	tests := []struct {
		min, max  string
		wantQuery string
		wantErr   string
	}{
		{"2025-06-01", "2025-07-15", "limit=500&maxDate=2025-07-15&minDate=2025-06-01", ""},
		{"", "", "limit=500", ""},
		{"2025-06-01", "", "limit=500&minDate=2025-06-01", ""},
		{"2025-6-1", "", "", "minDate"},
		{"", "15/07/2025", "", "maxDate"},
	}
	for _, tt := range tests {
		t.Run(tt.min+"_"+tt.max, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, emptyPage) })
			c := newTestAPI(t, rec.URL)
			got, err := c.ListActuals(context.Background(), tt.min, tt.max)
			reqs := rec.requests()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || len(reqs) != 0 {
					t.Fatalf("error = %v after %d requests, want one naming %s and none sent", err, len(reqs), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || len(got) != 0 {
				t.Errorf("ListActuals = %#v, want an empty, non-nil slice", got)
			}
			if len(reqs) != 1 || reqs[0].Query != tt.wantQuery {
				t.Errorf("requests %+v, want one with %s", reqs, tt.wantQuery)
			}
		})
	}
}
