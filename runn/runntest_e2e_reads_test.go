package runn_test

// End-to-end tests of reads against the fake Runn: paging, raw and typed.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// ---- Paging ----

// TestE2EPagingLargeAccount reads an account with more than a page of every kind of record.
// One fake serves both halves: starting it with this seed is the slow part.
func TestE2EPagingLargeAccount(t *testing.T) {
	env := startE2E(t, bigSeed(), runntest.Options{}, runn.Config{})
	st := env.srv.State()
	t.Run("ListPages", func(t *testing.T) { checkListPagesEveryEndpoint(t, env, st) })
	t.Run("typed", func(t *testing.T) { checkTypedLists(t, env, st) })
}

// checkListPagesEveryEndpoint walks every list endpoint page by page: every seeded record
// comes back once, in id order, in the fewest pages the endpoint's largest limit allows, each
// page asked for with that limit, the spec's fixed query and the previous page's cursor.
func checkListPagesEveryEndpoint(t *testing.T, env *e2e, st *runntest.State) {
	tests := []struct {
		ep    runn.Endpoint
		want  []int64
		fixed url.Values
	}{
		{runn.EndpointRoles, idsOf(st.Roles, func(r runn.Role) int64 { return r.ID }), nil},
		{runn.EndpointClients, idsOf(st.Clients, func(c runn.Client) int64 { return c.ID }), url.Values{"sortBy": {"id"}}},
		{runn.EndpointProjects, idsOf(st.Projects, func(p runn.Project) int64 { return p.ID }), url.Values{"includeArchived": {"true"}}},
		{runn.EndpointPeople, idsOf(st.People, func(p runn.Person) int64 { return p.ID }), nil},
		{runn.EndpointProjectTags, idsOf(st.ProjectTags, func(p runn.ProjectTag) int64 { return p.ID }), url.Values{"includeArchived": {"true"}}},
		{runn.EndpointContracts, idsOf(st.Contracts, func(c runn.Contract) int64 { return c.ID }), url.Values{"sortBy": {"id"}}},
		{runn.EndpointAssignments, idsOf(st.Assignments, func(a runn.Assignment) int64 { return a.ID }), nil},
		{runn.EndpointActuals, idsOf(st.Actuals, func(a runn.Actual) int64 { return a.ID }), nil},
	}
	if len(tests) != len(runn.Endpoints()) {
		t.Fatalf("the table covers %d endpoints, the client knows %d", len(tests), len(runn.Endpoints()))
	}
	for _, tt := range tests {
		t.Run(string(tt.ep), func(t *testing.T) {
			limit := tt.ep.MaxLimit()
			if len(tt.want) <= limit {
				t.Fatalf("the seed has %d %s, not more than one page of %d", len(tt.want), tt.ep, limit)
			}
			var got []int64
			var seqs []int
			reqs := env.during(func() {
				err := env.api.ListPages(t.Context(), tt.ep, nil, func(p runn.Page) error {
					ids := pageIDs(t, p.Body)
					if p.Path != tt.ep.Path() || p.Status != http.StatusOK || p.Attempts != 1 || p.Count != len(ids) {
						t.Errorf("page %d: path %q status %d attempts %d count %d (%d values)", p.Seq, p.Path, p.Status, p.Attempts, p.Count, len(ids))
					}
					got = append(got, ids...)
					seqs = append(seqs, p.Seq)
					return nil
				})
				if err != nil {
					t.Fatalf("ListPages: %v", err)
				}
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-seeded +listed):\n%s", diff)
			}
			wantPages := pages(len(tt.want), limit)
			for i, seq := range seqs {
				if seq != i+1 {
					t.Errorf("page seqs %v, want 1, 2, 3, ...", seqs)
					break
				}
			}
			if len(seqs) != wantPages {
				t.Errorf("%d pages, want %d", len(seqs), wantPages)
			}
			if len(reqs) != wantPages {
				t.Fatalf("%d requests for %d records, want %d at limit %d", len(reqs), len(tt.want), wantPages, limit)
			}
			for i, r := range reqs {
				q, err := url.ParseQuery(r.Query)
				if err != nil {
					t.Fatal(err)
				}
				if r.Method != http.MethodGet || r.Path != tt.ep.Path() || r.Status != http.StatusOK || q.Get("limit") != strconv.Itoa(limit) {
					t.Errorf("request %d: %s %s?%s answered %d, want GET %s with limit=%d", i, r.Method, r.Path, r.Query, r.Status, tt.ep.Path(), limit)
				}
				if q.Has("cursor") != (i > 0) {
					t.Errorf("request %d: cursor present %v, want it on every page but the first", i, q.Has("cursor"))
				}
				for k, vs := range tt.fixed {
					if !slices.Equal(q[k], vs) {
						t.Errorf("request %d: %s=%v, want %v", i, k, q[k], vs)
					}
				}
			}
		})
	}
}

// result lets a table hold calls returning differently typed slices.
func result[T any](v []T, err error) (any, int, error) { return v, len(v), err }

// checkTypedLists checks the typed reads against the fake's own state: every field survives
// the round trip, filters keep exactly what they should (whole externalIds, inclusive date
// bounds, archived projects), and no call sends more requests than its result needs.
func checkTypedLists(t *testing.T, env *e2e, st *runntest.State) {
	between := func(lo, hi string) []runn.Actual {
		var out []runn.Actual
		for _, a := range st.Actuals {
			if a.Date >= lo && a.Date <= hi {
				out = append(out, a)
			}
		}
		return out
	}
	peopleWith := func(ids ...int64) []runn.Person {
		var out []runn.Person
		for _, p := range st.People {
			if slices.Contains(ids, p.ID) {
				out = append(out, p)
			}
		}
		return out
	}
	projectsWith := func(ids ...int64) []runn.Project {
		var out []runn.Project
		for _, p := range st.Projects {
			if slices.Contains(ids, p.ID) {
				out = append(out, p)
			}
		}
		return out
	}
	if !projectsWith(402007)[0].IsArchived {
		t.Fatal("seed: project 7 should be archived")
	}
	tests := []struct {
		name         string
		call         func(context.Context) (any, int, error)
		want         any
		wantLen      int
		path         string
		wantRequests int
		query        url.Values // beside limit and cursor
	}{
		{"ListClients", func(ctx context.Context) (any, int, error) { return result(env.api.ListClients(ctx)) },
			st.Clients, bigClients, "/clients/", 2, url.Values{"sortBy": {"id"}}},
		{"ListProjects", func(ctx context.Context) (any, int, error) { return result(env.api.ListProjects(ctx)) },
			st.Projects, bigProjects, "/projects/", 3, url.Values{"includeArchived": {"true"}}},
		{"ListPeople", func(ctx context.Context) (any, int, error) { return result(env.api.ListPeople(ctx)) },
			st.People, bigPeople, "/people/", 3, nil},
		{"ListRoles", func(ctx context.Context) (any, int, error) { return result(env.api.ListRoles(ctx)) },
			st.Roles, bigRoles, "/roles/", 3, nil},
		{"ListContracts", func(ctx context.Context) (any, int, error) { return result(env.api.ListContracts(ctx)) },
			st.Contracts, bigPeople, "/contracts/", 3, url.Values{"sortBy": {"id"}}},
		{"ListAssignments", func(ctx context.Context) (any, int, error) { return result(env.api.ListAssignments(ctx)) },
			st.Assignments, bigAssignments, "/assignments/", 2, nil},
		{"ListProjectTags", func(ctx context.Context) (any, int, error) { return result(env.api.ListProjectTags(ctx)) },
			st.ProjectTags, bigTags, "/project-tags/", 2, url.Values{"includeArchived": {"true"}}},
		{"ListActuals without bounds", func(ctx context.Context) (any, int, error) { return result(env.api.ListActuals(ctx, "", "")) },
			st.Actuals, bigActuals, "/actuals/", 3, nil},
		{"ListActuals with inclusive bounds", func(ctx context.Context) (any, int, error) {
			return result(env.api.ListActuals(ctx, actualsMin, actualsMax))
		}, between(actualsMin, actualsMax), bigInRange, "/actuals/", 3, url.Values{"minDate": {actualsMin}, "maxDate": {actualsMax}}},
		{"ListActuals of one day", func(ctx context.Context) (any, int, error) {
			return result(env.api.ListActuals(ctx, "2024-12-31", "2024-12-31"))
		}, between("2024-12-31", "2024-12-31"), 50, "/actuals/", 1, url.Values{"minDate": {"2024-12-31"}, "maxDate": {"2024-12-31"}}},
		{"ListActuals from a date on", func(ctx context.Context) (any, int, error) { return result(env.api.ListActuals(ctx, "2025-05-30", "")) },
			between("2025-05-30", "9999-12-31"), 58, "/actuals/", 1, url.Values{"minDate": {"2025-05-30"}}},
		{"FindPeopleByExternalID whole id only", func(ctx context.Context) (any, int, error) {
			return result(env.api.FindPeopleByExternalID(ctx, "4"))
		}, peopleWith(880004), 1, "/people/", 1, url.Values{"externalId": {"4"}}},
		{"FindPeopleByExternalID two people share it", func(ctx context.Context) (any, int, error) {
			return result(env.api.FindPeopleByExternalID(ctx, "dup"))
		}, peopleWith(880451, 880452), 2, "/people/", 1, url.Values{"externalId": {"dup"}}},
		{"FindPeopleByExternalID unknown", func(ctx context.Context) (any, int, error) {
			return result(env.api.FindPeopleByExternalID(ctx, "99999"))
		}, []runn.Person{}, 0, "/people/", 1, url.Values{"externalId": {"99999"}}},
		{"FindProjectsByExternalID archived", func(ctx context.Context) (any, int, error) {
			return result(env.api.FindProjectsByExternalID(ctx, "7"))
		}, projectsWith(402007), 1, "/projects/", 1, url.Values{"externalId": {"7"}, "includeArchived": {"true"}}},
		{"FindProjectsByExternalID whole id only", func(ctx context.Context) (any, int, error) {
			return result(env.api.FindProjectsByExternalID(ctx, "40"))
		}, projectsWith(402040), 1, "/projects/", 1, url.Values{"externalId": {"40"}, "includeArchived": {"true"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got any
			var n int
			reqs := env.during(func() {
				var err error
				got, n, err = tt.call(t.Context())
				if err != nil {
					t.Fatalf("%v", err)
				}
			})
			if n != tt.wantLen {
				t.Errorf("%d records, want %d", n, tt.wantLen)
			}
			// reflect.DeepEqual first: cmp is slow on thousands of records under -race.
			if !reflect.DeepEqual(tt.want, got) {
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("(-fake's state +client's result):\n%s", diff)
				}
			}
			if len(reqs) != tt.wantRequests {
				t.Errorf("%d requests, want %d", len(reqs), tt.wantRequests)
			}
			for i, r := range reqs {
				q, _ := url.ParseQuery(r.Query)
				if r.Path != tt.path || r.Status != http.StatusOK {
					t.Errorf("request %d: %s %s answered %d", i, r.Method, r.Path, r.Status)
				}
				for k, vs := range tt.query {
					if !slices.Equal(q[k], vs) {
						t.Errorf("request %d: %s=%v, want %v", i, k, q[k], vs)
					}
				}
			}
		})
	}
}

// TestE2EPagingUsesTheFewestRequests pins the page boundaries: a full last page ends the walk
// without an extra empty request, one more record costs one more page, and an empty or
// one-record list is one request. One fake holds 450 roles, one client and nobody; the
// boundaries come from the limit asked for.
func TestE2EPagingUsesTheFewestRequests(t *testing.T) {
	seed := rolesSeed(450)
	seed.Clients = []runn.Client{{ID: clientID, Name: "Harbour Authority"}}
	env := startE2E(t, seed, runntest.Options{}, runn.Config{})
	st := env.srv.State()
	roleIDs := idsOf(st.Roles, func(r runn.Role) int64 { return r.ID })
	tests := []struct {
		name  string
		ep    runn.Endpoint
		limit string
		sizes []int
		ids   []int64
	}{
		{"largest limit, short last page", runn.EndpointRoles, "", []int{200, 200, 50}, roleIDs},
		{"full last page", runn.EndpointRoles, "150", []int{150, 150, 150}, roleIDs},
		{"one record past a full page", runn.EndpointRoles, "149", []int{149, 149, 149, 3}, roleIDs},
		{"one record a page", runn.EndpointClients, "1", []int{1}, []int64{clientID}},
		{"one record", runn.EndpointClients, "", []int{1}, []int64{clientID}},
		{"no records", runn.EndpointPeople, "", []int{0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var query url.Values
			if tt.limit != "" {
				query = url.Values{"limit": {tt.limit}}
			}
			var sizes []int
			var got []int64
			reqs := env.during(func() {
				err := env.api.ListPages(t.Context(), tt.ep, query, func(p runn.Page) error {
					sizes = append(sizes, p.Count)
					got = append(got, pageIDs(t, p.Body)...)
					return nil
				})
				if err != nil {
					t.Fatalf("ListPages: %v", err)
				}
			})
			if !slices.Equal(sizes, tt.sizes) {
				t.Errorf("page sizes %v, want %v", sizes, tt.sizes)
			}
			if !slices.Equal(got, tt.ids) {
				t.Errorf("listed %d ids, want the %d seeded ones in order", len(got), len(tt.ids))
			}
			if len(reqs) != len(tt.sizes) {
				t.Errorf("%d requests, want %d", len(reqs), len(tt.sizes))
			}
		})
	}
	// The walk ends at the page fn refuses: no further page is fetched.
	t.Run("fn fails", func(t *testing.T) {
		stop := errors.New("disk full")
		var err error
		reqs := env.during(func() {
			err = env.api.ListPages(t.Context(), runn.EndpointRoles, nil, func(p runn.Page) error {
				if p.Seq == 2 {
					return stop
				}
				return nil
			})
		})
		if !errors.Is(err, stop) {
			t.Errorf("ListPages: %v, want fn's error", err)
		}
		if len(reqs) != 2 {
			t.Errorf("%d requests, want 2", len(reqs))
		}
	})
}
