package runn_test

// End-to-end tests of the client against the fake Runn (runntest): paging, rate limits, faults
// and every refusal, each checked both from the client's side (results, errors, Stats) and from
// the fake's (its request log and its final State). They live in the external test package
// because runntest imports runn.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

const (
	// e2eToken looks like a live token so that a leak into a message or a log is caught.
	e2eToken   = "rk_live_7Qm2Xv9Lp4Tz8Wb3Nc6Hd1Fj5Ks0Ry"
	wrongToken = "rk_live_0000stale0000token0000revoked00"
	e2eToday   = "2025-07-10"
)

var e2eStart = time.Date(2025, 7, 10, 9, 30, 0, 0, time.UTC)

// seedAt is the timestamp of every seeded record, well before e2eStart, so that a record the
// fake touched is told from one it did not.
var seedAt = time.Date(2025, 1, 15, 8, 0, 0, 0, time.UTC)

// e2e is a fake Runn and a client of it sharing one clock: it moves only when the client sleeps
// (or refill advances it), so a 60 s rate-limit pause costs no real time and the fake's token
// bucket refills by exactly what the client waited.
type e2e struct {
	srv   *runntest.Server
	api   *runn.API
	clock *testkit.FakeClock
	logs  *testkit.SyncBuffer
}

// startE2E starts a fake holding seed with the test token, today e2eToday, the shared clock
// and no rate limit unless opts says otherwise, and a client of it configured by cfg (the
// fake's URL, the test token, the shared clock and debug logs unless cfg says otherwise).
func startE2E(t *testing.T, seed *runntest.State, opts runntest.Options, cfg runn.Config) *e2e {
	t.Helper()
	env := &e2e{clock: testkit.NewFakeClock(e2eStart), logs: &testkit.SyncBuffer{}}
	if opts.Token == "" {
		opts.Token = e2eToken
	}
	if opts.Today == "" {
		opts.Today = e2eToday
	}
	if opts.Now == nil {
		opts.Now = env.clock.Now
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = runntest.RateLimitDisabled
	}
	srv, err := runntest.NewServer(seed, opts)
	if err != nil {
		t.Fatalf("runntest.NewServer: %v", err)
	}
	t.Cleanup(srv.Close)
	env.srv = srv
	env.api = env.newClient(t, cfg)
	return env
}

func (e *e2e) newClient(t *testing.T, cfg runn.Config) *runn.API {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = e.srv.URL()
	}
	if cfg.Token == "" {
		cfg.Token = e2eToken
	}
	if cfg.Clock == nil {
		cfg.Clock = e.clock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	api, err := runn.New(cfg)
	if err != nil {
		t.Fatalf("runn.New: %v", err)
	}
	return api
}

// during runs f and returns the requests the fake received meanwhile.
func (e *e2e) during(f func()) []runntest.Request {
	n := len(e.srv.Requests())
	f()
	return e.srv.Requests()[n:]
}

func statusesOf(reqs []runntest.Request) []int {
	out := make([]int, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, r.Status)
	}
	return out
}

// checkNoSecret fails when a token appears in what a user or a log would see.
func checkNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, tok := range []string{e2eToken, wrongToken} {
		if strings.Contains(s, tok) {
			t.Errorf("%s holds an API token: %s", what, s)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func harvestRef(id string) []runn.Reference {
	return []runn.Reference{{ReferenceName: runn.HarvestReferenceName, ExternalID: id}}
}

func actualIn(date string, person, project, role, billable, nonbillable int64) runn.ActualInput {
	return runn.ActualInput{Date: date, PersonID: person, ProjectID: project, RoleID: role,
		BillableMinutes: billable, NonbillableMinutes: nonbillable}
}

// Ids of the small seed.
const (
	clientID        = 73015
	roleID          = 21877
	projectID       = 402288 // confirmed, fixed price
	tentativeID     = 402289
	nonBillableID   = 402290
	personID        = 880451
	seededActualID  = 5583100
	syncOffTagID    = 9031
	seededActualDay = "2025-07-01"
)

// smallSeed is a small account: a confirmed project, a tentative one and a non-billable one,
// one person with a contract and one actual, and a project tag on no project.
func smallSeed() *runntest.State {
	cost, mpd := 68.5, 450.0
	project := func(id int64, name string, confirmed bool, pricing, ref string) runn.Project {
		return runn.Project{ID: id, Name: name, ClientID: clientID, IsConfirmed: confirmed, PricingModel: pricing,
			References: harvestRef(ref), CreatedAt: seedAt, UpdatedAt: seedAt}
	}
	return &runntest.State{
		Clients: []runn.Client{{ID: clientID, Name: "Harbour Authority", References: harvestRef("9001"), CreatedAt: seedAt, UpdatedAt: seedAt}},
		Roles: []runn.Role{{ID: roleID, Name: ptr("Senior Structural Engineer"), DefaultHourCost: 68.5, StandardRate: 155,
			PersonIDs: []int64{personID}, CreatedAt: seedAt, UpdatedAt: seedAt}},
		Projects: []runn.Project{
			project(projectID, "Harbour Terminal BIM Rollout", true, "fp", "40119877"),
			project(tentativeID, "Quay Wall Study", false, "tm", "40119878"),
			project(nonBillableID, "Internal Training", true, "nb", "40119879"),
		},
		People: []runn.Person{{ID: personID, FirstName: "Ingrid", LastName: "Nakamura", References: harvestRef("4410982"),
			CreatedAt: seedAt, UpdatedAt: seedAt}},
		Contracts: []runn.Contract{{ID: 1290034, PersonID: personID, RoleID: roleID, StartDate: "2025-01-15", CostPerHour: &cost,
			MinutesPerDay: &mpd, RosteredDays: runn.RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450, Friday: 450},
			CreatedAt: seedAt, UpdatedAt: seedAt}},
		Actuals: []runn.Actual{{ID: seededActualID, Date: seededActualDay, BillableMinutes: 120, PersonID: personID,
			ProjectID: projectID, RoleID: roleID, CreatedAt: seedAt, UpdatedAt: seedAt}},
		ProjectTags: []runn.ProjectTag{{ID: syncOffTagID, Name: "sync_off", CreatedAt: seedAt, UpdatedAt: seedAt}},
	}
}

// Sizes of the large seed: each more than one page at the endpoint's largest limit.
const (
	bigClients     = 201  // 2 pages of 200
	bigRoles       = 450  // 3 pages of 200
	bigProjects    = 450  // 3 pages of 200
	bigPeople      = 452  // 3 pages of 200; the last two share the externalId "dup"
	bigAssignments = 501  // 2 pages of 500
	bigActuals     = 1300 // 3 pages of 500; 1200 of them from actualsMin to actualsMax
	bigInRange     = 1200
	bigTags        = 201 // 2 pages of 200
	actualsMin     = "2025-01-01"
	actualsMax     = "2025-05-30"
)

// bigSeed holds more records than one page for every list endpoint. References are the
// record's number as a string, so that "4" is a prefix of "40" and "400": a lookup by
// externalId must match whole ids only.
func bigSeed() *runntest.State {
	s := &runntest.State{}
	for i := 1; i <= bigClients; i++ {
		s.Clients = append(s.Clients, runn.Client{ID: int64(73000 + i), Name: fmt.Sprintf("Client %03d", i), CreatedAt: seedAt, UpdatedAt: seedAt})
	}
	for i := 1; i <= bigRoles; i++ {
		s.Roles = append(s.Roles, runn.Role{ID: int64(21000 + i), Name: ptr(fmt.Sprintf("Role %03d", i)), CreatedAt: seedAt, UpdatedAt: seedAt})
	}
	for i := 1; i <= bigProjects; i++ {
		s.Projects = append(s.Projects, runn.Project{ID: int64(402000 + i), Name: fmt.Sprintf("Project %03d", i), ClientID: 73001,
			IsConfirmed: true, IsArchived: i%7 == 0, References: harvestRef(strconv.Itoa(i)), CreatedAt: seedAt, UpdatedAt: seedAt})
	}
	cost, mpd := 50.0, 480.0
	for i := 1; i <= bigPeople; i++ {
		ref := strconv.Itoa(i)
		if i > bigPeople-2 {
			ref = "dup"
		}
		id := int64(880000 + i)
		s.People = append(s.People, runn.Person{ID: id, FirstName: "Person", LastName: strconv.Itoa(i),
			References: harvestRef(ref), CreatedAt: seedAt, UpdatedAt: seedAt})
		s.Contracts = append(s.Contracts, runn.Contract{ID: int64(1290000 + i), PersonID: id, RoleID: 21001, StartDate: "2024-01-01",
			CostPerHour: &cost, MinutesPerDay: &mpd, CreatedAt: seedAt, UpdatedAt: seedAt})
	}
	for i := 1; i <= bigAssignments; i++ {
		s.Assignments = append(s.Assignments, runn.Assignment{ID: int64(7712000 + i), PersonID: int64(880000 + i%bigPeople + 1),
			ProjectID: 402001, RoleID: 21001, StartDate: "2025-08-01", EndDate: "2025-08-29", MinutesPerDay: 240,
			CreatedAt: seedAt, UpdatedAt: seedAt})
	}
	// One actual in 13 falls just outside [actualsMin, actualsMax], interleaved by id with
	// those inside so that the date filter has work on every page.
	first, _ := time.Parse(time.DateOnly, actualsMin)
	inside, outside := 0, 0
	for k := range bigActuals {
		a := runn.Actual{ID: int64(5583000 + k + 1), ProjectID: 402001, RoleID: 21001, BillableMinutes: 60, CreatedAt: seedAt, UpdatedAt: seedAt}
		if k%13 == 0 {
			a.Date = "2024-12-31"
			if outside%2 == 1 {
				a.Date = "2025-05-31"
			}
			a.PersonID = int64(880001 + outside)
			outside++
		} else {
			a.Date = first.AddDate(0, 0, inside%150).Format(time.DateOnly)
			a.PersonID = int64(880001 + inside/150)
			inside++
		}
		s.Actuals = append(s.Actuals, a)
	}
	for i := 1; i <= bigTags; i++ {
		s.ProjectTags = append(s.ProjectTags, runn.ProjectTag{ID: int64(90000 + i), Name: fmt.Sprintf("tag-%03d", i),
			Archived: i%10 == 0, CreatedAt: seedAt, UpdatedAt: seedAt})
	}
	return s
}

func rolesSeed(n int) *runntest.State {
	s := &runntest.State{}
	for i := 1; i <= n; i++ {
		s.Roles = append(s.Roles, runn.Role{ID: int64(21000 + i), Name: ptr(fmt.Sprintf("Role %03d", i)), CreatedAt: seedAt, UpdatedAt: seedAt})
	}
	return s
}

func idsOf[T any](records []T, id func(T) int64) []int64 {
	out := make([]int64, 0, len(records))
	for _, r := range records {
		out = append(out, id(r))
	}
	return out
}

// pageIDs decodes the ids of a raw page's values.
func pageIDs(t *testing.T, body []byte) []int64 {
	t.Helper()
	var env struct {
		Values []struct {
			ID int64 `json:"id"`
		} `json:"values"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("page body is not a Runn page: %v", err)
	}
	out := make([]int64, 0, len(env.Values))
	for _, v := range env.Values {
		out = append(out, v.ID)
	}
	return out
}

func pages(n, limit int) int { return max(1, (n+limit-1)/limit) }

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

// ---- Rate limits ----

// fakeLimit is the fake's rate limit in the rate-limit tests: 3 a minute, so one request
// every 20 s once the burst is spent, and that is the retry-after of a 429.
const (
	fakeLimit      = 3
	fakeRetryAfter = 20 * time.Second
)

// drain spends the fake's whole burst from another client with the same token, as another
// harvest2runn run (or any other integration) sharing the key would.
func (e *e2e) drain(t *testing.T) {
	t.Helper()
	other := e.newClient(t, runn.Config{MaxAttempts: 1})
	for range fakeLimit {
		if _, err := other.Me(t.Context()); err != nil {
			t.Fatalf("draining the rate limit: %v", err)
		}
	}
}

// refill lets the fake's bucket fill up again and any pause the last client was told to
// keep run out, so that subtests sharing a fake start alike.
func (e *e2e) refill() {
	e.clock.Advance(10 * time.Minute)
}

// TestE2E429IsWaitedOutAndRetried: a client that has not yet seen any x-ratelimit header
// meets a limit another client spent. The fake answers 429 with retry-after; the client
// pauses at least that long (on the shared clock, which is what refills the fake's bucket)
// and the retry succeeds. A create is retried too: Runn refused it, so it cannot have been
// applied, and it ends up applied exactly once.
func TestE2E429IsWaitedOutAndRetried(t *testing.T) {
	tests := []struct {
		name  string
		call  func(ctx context.Context, api *runn.API) error
		check func(t *testing.T, st *runntest.State)
	}{
		{"read", func(ctx context.Context, api *runn.API) error {
			roles, err := api.ListRoles(ctx)
			if err == nil && len(roles) != 1 {
				err = fmt.Errorf("%d roles, want 1", len(roles))
			}
			return err
		}, nil},
		{"create person", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: roleID, References: harvestRef("4410999")})
			return err
		}, func(t *testing.T, st *runntest.State) {
			if n := countPeopleWithRef(st, "4410999"); n != 1 {
				t.Errorf("%d people created, want 1", n)
			}
		}},
		{"bulk actuals", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateActualsBulk(ctx, []runn.ActualInput{actualIn("2025-07-08", personID, projectID, roleID, 60, 0)})
			return err
		}, func(t *testing.T, st *runntest.State) {
			if n := len(st.Actuals); n != 2 {
				t.Errorf("%d actuals, want 2", n)
			}
		}},
	}
	env := startE2E(t, smallSeed(), runntest.Options{RateLimit: fakeLimit}, runn.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.refill()
			env.drain(t)
			api := env.newClient(t, runn.Config{RateLimit: 100})
			reqs := env.during(func() {
				if err := tt.call(t.Context(), api); err != nil {
					t.Fatalf("after a 429: %v, want success", err)
				}
			})
			if got := statusesOf(reqs); len(got) != 2 || got[0] != http.StatusTooManyRequests || got[1]/100 != 2 {
				t.Fatalf("statuses %v, want 429 then success", got)
			}
			if gap := reqs[1].Time.Sub(reqs[0].Time); gap < fakeRetryAfter {
				t.Errorf("retried %v after the 429, want at least retry-after %v", gap, fakeRetryAfter)
			}
			s := api.Stats()
			if s.RateLimited != 1 || s.Retries != 1 || s.Requests != 2 || s.Waited < fakeRetryAfter {
				t.Errorf("stats %+v, want 1 rate limited, 1 retry, 2 requests, waited at least %v", s, fakeRetryAfter)
			}
			if tt.check != nil {
				tt.check(t, env.srv.State())
			}
		})
	}
	checkNoSecret(t, "the client's logs", env.logs.String())
}

// TestE2E429OnEveryAttempt: the fake's clock stands still, so its bucket never refills and
// every attempt is refused. The client gives up after MaxAttempts with ErrRateLimited, and a
// create is reported as not applied (not ErrOutcomeUnknown): Runn refused it each time.
func TestE2E429OnEveryAttempt(t *testing.T) {
	tests := []struct {
		name string
		call func(ctx context.Context, api *runn.API) error
	}{
		{"read", func(ctx context.Context, api *runn.API) error { _, err := api.ListRoles(ctx); return err }},
		{"create role", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateRole(ctx, runn.RoleInput{Name: "Drafter"})
			return err
		}},
	}
	frozen := func() time.Time { return e2eStart }
	env := startE2E(t, smallSeed(), runntest.Options{RateLimit: fakeLimit, Now: frozen}, runn.Config{})
	env.drain(t)
	before := env.srv.State()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, runn.Config{MaxAttempts: 3})
			var err error
			reqs := env.during(func() { err = tt.call(t.Context(), api) })
			if !errors.Is(err, runn.ErrRateLimited) || errors.Is(err, runn.ErrOutcomeUnknown) {
				t.Fatalf("error %v, want ErrRateLimited and not ErrOutcomeUnknown", err)
			}
			if !strings.Contains(err.Error(), "failed after 3 attempts") {
				t.Errorf("error %q does not say how many attempts were made", err)
			}
			checkNoSecret(t, "the error", err.Error())
			if got := statusesOf(reqs); !slices.Equal(got, []int{429, 429, 429}) {
				t.Errorf("statuses %v, want three 429s", got)
			}
			if s := api.Stats(); s.RateLimited != 3 || s.Retries != 2 {
				t.Errorf("stats %+v, want 3 rate limited, 2 retries", s)
			}
		})
	}
	if diff := cmp.Diff(before, env.srv.State()); diff != "" {
		t.Errorf("state changed:\n%s", diff)
	}
}

// TestE2EFollowsRateLimitHeaders: a single client reading many pages learns the fake's limit
// from x-ratelimit-* and waits for x-ratelimit-reset whenever x-ratelimit-remaining reaches
// 0, so it never meets a 429, whether its own pacing starts higher than the fake's limit or
// is turned off.
func TestE2EFollowsRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name        string
		clientLimit int
	}{
		{"pacing at 100 a minute", 100},
		{"pacing off", -1},
	}
	env := startE2E(t, rolesSeed(450), runntest.Options{RateLimit: fakeLimit}, runn.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.refill()
			api := env.newClient(t, runn.Config{RateLimit: tt.clientLimit})
			var got int
			reqs := env.during(func() {
				err := api.ListPages(t.Context(), runn.EndpointRoles, url.Values{"limit": {"50"}}, func(p runn.Page) error {
					got += p.Count
					return nil
				})
				if err != nil {
					t.Fatalf("ListPages: %v", err)
				}
			})
			if got != 450 {
				t.Errorf("listed %d roles, want 450", got)
			}
			if want := slices.Repeat([]int{200}, 9); !slices.Equal(statusesOf(reqs), want) {
				t.Errorf("statuses %v, want %v", statusesOf(reqs), want)
			}
			// Three requests spend the burst; each later burst needs the full 60 s reset.
			s := api.Stats()
			if s.RateLimited != 0 || s.Retries != 0 || s.Waited < 2*time.Minute {
				t.Errorf("stats %+v, want no 429, no retry, and at least 2m waited", s)
			}
			if span := reqs[len(reqs)-1].Time.Sub(reqs[0].Time); span < 2*time.Minute {
				t.Errorf("9 requests over %v on the fake's clock, want at least 2m at 3 a minute", span)
			}
		})
	}
}

func countPeopleWithRef(st *runntest.State, ref string) int {
	n := 0
	for _, p := range st.People {
		if slices.ContainsFunc(p.References, func(r runn.Reference) bool { return r.ExternalID == ref }) {
			n++
		}
	}
	return n
}

// ---- Faults: 5xx, broken connections, lost answers ----

// TestE2EReadFaultsMidWalkAreRetried breaks the second page of a walk. The page is fetched
// again with the same cursor, so the walk still yields every record exactly once.
func TestE2EReadFaultsMidWalkAreRetried(t *testing.T) {
	tests := []struct {
		name         string
		fault        runntest.Fault
		wantStatuses []int
		// wantAttempts of page 2; 0 when Go's transport may retry the GET itself, unseen by
		// the client (runntest.Fault's documentation).
		wantAttempts     int
		wantServerErrors int64
	}{
		{"500 once", runntest.Fault{Kind: runntest.ServerError}, []int{200, 500, 200, 200}, 2, 1},
		{"503 three times", runntest.Fault{Kind: runntest.ServerError, Status: 503, Times: 3}, []int{200, 503, 503, 503, 200, 200}, 4, 3},
		{"connection reset", runntest.Fault{Kind: runntest.ResetConnection}, []int{200, 0, 200, 200}, 0, 0},
		{"answer lost", runntest.Fault{Kind: runntest.LostResponse}, []int{200, 0, 200, 200}, 0, 0},
	}
	env := startE2E(t, rolesSeed(450), runntest.Options{}, runn.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, runn.Config{})
			fault := tt.fault
			fault.Method, fault.PathPrefix = http.MethodGet, "/roles/"
			var got []int64
			reqs := env.during(func() {
				err := api.ListPages(t.Context(), runn.EndpointRoles, nil, func(p runn.Page) error {
					if p.Seq == 1 {
						env.srv.InjectFault(fault)
					}
					if p.Seq == 2 && tt.wantAttempts != 0 && p.Attempts != tt.wantAttempts {
						t.Errorf("page 2 took %d attempts, want %d", p.Attempts, tt.wantAttempts)
					}
					got = append(got, pageIDs(t, p.Body)...)
					return nil
				})
				if err != nil {
					t.Fatalf("ListPages: %v", err)
				}
			})
			if want := idsOf(env.srv.State().Roles, func(r runn.Role) int64 { return r.ID }); !slices.Equal(got, want) {
				t.Errorf("listed %d ids, want the %d seeded ones once each, in order", len(got), len(want))
			}
			if got := statusesOf(reqs); !slices.Equal(got, tt.wantStatuses) {
				t.Errorf("statuses %v, want %v", got, tt.wantStatuses)
			}
			if s := api.Stats(); s.ServerErrors != tt.wantServerErrors {
				t.Errorf("stats %+v, want %d server errors", s, tt.wantServerErrors)
			}
		})
	}
	// A read that fails MaxAttempts times returns Runn's last answer, without claiming an
	// unknown outcome (a GET changes nothing).
	t.Run("502 on every attempt", func(t *testing.T) {
		api := env.newClient(t, runn.Config{MaxAttempts: 3})
		env.srv.InjectFault(runntest.Fault{Method: http.MethodGet, PathPrefix: "/roles/", Kind: runntest.ServerError, Status: 502, Times: 3})
		var err error
		reqs := env.during(func() { _, err = api.ListRoles(t.Context()) })
		var apiErr *runn.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadGateway || errors.Is(err, runn.ErrOutcomeUnknown) {
			t.Fatalf("error %v, want Runn's 502 and not ErrOutcomeUnknown", err)
		}
		for _, want := range []string{"failed after 3 attempts", "502", "a fault at Runn"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
		if got := statusesOf(reqs); !slices.Equal(got, []int{502, 502, 502}) {
			t.Errorf("statuses %v, want three 502s", got)
		}
		if s := api.Stats(); s.ServerErrors != 3 || s.Retries != 2 {
			t.Errorf("stats %+v, want 3 server errors and 2 retries", s)
		}
	})
}

// createCase is one create the load sends, and how the test and the load learn whether it
// was applied.
type createCase struct {
	name string
	path string // the create's request path
	send func(ctx context.Context, api *runn.API) error
	// count is how many of the record the fake holds.
	count func(st *runntest.State) int
	// find is how the load reads Runn to learn whether the record exists.
	find func(ctx context.Context, api *runn.API) (int, error)
	// resendable: sending again when the record exists is a successful no-op.
	resendable bool
}

func createCases() []createCase {
	return []createCase{
		{
			name: "role", path: "/roles/",
			send: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreateRole(ctx, runn.RoleInput{Name: "Drafter", References: harvestRef("r-77")})
				return err
			},
			count: func(st *runntest.State) int {
				return countFunc(st.Roles, func(r runn.Role) bool { return r.Name != nil && *r.Name == "Drafter" })
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				roles, err := api.ListRoles(ctx)
				return countFunc(roles, func(r runn.Role) bool { return r.Name != nil && *r.Name == "Drafter" }), err
			},
		},
		{
			name: "client", path: "/clients/",
			send: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreateClient(ctx, runn.ClientInput{Name: "Fjord Ferries", References: harvestRef("9002")})
				return err
			},
			count: func(st *runntest.State) int {
				return countFunc(st.Clients, func(c runn.Client) bool { return c.Name == "Fjord Ferries" })
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				clients, err := api.ListClients(ctx)
				return countFunc(clients, func(c runn.Client) bool { return c.Name == "Fjord Ferries" }), err
			},
		},
		{
			name: "project", path: "/projects/",
			send: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreateProject(ctx, runn.ProjectInput{Name: "Ferry Terminal", ClientID: clientID, IsConfirmed: ptr(true),
					References: harvestRef("40119999")})
				return err
			},
			count: func(st *runntest.State) int {
				return countFunc(st.Projects, func(p runn.Project) bool { return p.Name == "Ferry Terminal" })
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				projects, err := api.FindProjectsByExternalID(ctx, "40119999")
				return len(projects), err
			},
		},
		{
			name: "person", path: "/people/",
			send: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: roleID, References: harvestRef("4410999")})
				return err
			},
			// A person comes with a contract: both or neither.
			count: func(st *runntest.State) int {
				people := countPeopleWithRef(st, "4410999")
				if contracts := len(st.Contracts) - 1; contracts != people {
					return -1
				}
				return people
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				people, err := api.FindPeopleByExternalID(ctx, "4410999")
				return len(people), err
			},
		},
		{
			name: "project tag", path: "/project-tags/", resendable: true,
			send: func(ctx context.Context, api *runn.API) error { return api.AddProjectTag(ctx, syncOffTagID, projectID) },
			count: func(st *runntest.State) int {
				return countFunc(st.ProjectTags, func(tag runn.ProjectTag) bool {
					return tag.ID == syncOffTagID && slices.Contains(tag.ProjectIDs, projectID)
				})
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				tags, err := api.ListProjectTags(ctx)
				return countFunc(tags, func(tag runn.ProjectTag) bool {
					return tag.ID == syncOffTagID && slices.Contains(tag.ProjectIDs, projectID)
				}), err
			},
		},
	}
}

func countFunc[T any](records []T, keep func(T) bool) int {
	n := 0
	for _, r := range records {
		if keep(r) {
			n++
		}
	}
	return n
}

// TestE2ECreateFaultsAreOutcomeUnknown: a create that may have reached Runn is never resent
// by the client. Whatever broke (a 5xx, a reset, a lost answer), the call fails once with
// ErrOutcomeUnknown; the fake shows whether it was applied (only a lost answer applies it);
// and the load's recovery, reading Runn before resending, ends with the record exactly once.
// Adding a tag may even be resent blindly: "already exists on Project" counts as success.
func TestE2ECreateFaultsAreOutcomeUnknown(t *testing.T) {
	faults := []struct {
		name    string
		fault   runntest.Fault
		applied bool
		// cfg configures the client that meets the fault; only, if set, is the one create
		// kind the fault is tried on (a timeout costs real time).
		cfg  runn.Config
		only string
	}{
		{name: "500", fault: runntest.Fault{Kind: runntest.ServerError}},
		{name: "503", fault: runntest.Fault{Kind: runntest.ServerError, Status: http.StatusServiceUnavailable}},
		{name: "connection reset", fault: runntest.Fault{Kind: runntest.ResetConnection}},
		{name: "answer lost after the write", fault: runntest.Fault{Kind: runntest.LostResponse}, applied: true},
		// The fake answers after a minute; the client gives up after 200 ms (real time) and
		// the fake, seeing it hang up, applies nothing.
		{name: "timeout", fault: runntest.Fault{Kind: runntest.Delay, Delay: time.Minute},
			cfg: runn.Config{HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}}, only: "person"},
	}
	for _, ft := range faults {
		// One fake per fault: each create touches records of its own, and the state is
		// compared around each one.
		env := startE2E(t, smallSeed(), runntest.Options{}, runn.Config{})
		for _, cc := range createCases() {
			if ft.only != "" && ft.only != cc.name {
				continue
			}
			t.Run(cc.name+"/"+ft.name, func(t *testing.T) {
				api := env.newClient(t, ft.cfg)
				reader := env.newClient(t, runn.Config{})
				before := env.srv.State()
				fault := ft.fault
				fault.Method, fault.PathPrefix = http.MethodPost, cc.path
				env.srv.InjectFault(fault)

				var err error
				reqs := env.during(func() { err = cc.send(t.Context(), api) })
				if !errors.Is(err, runn.ErrOutcomeUnknown) {
					t.Fatalf("error %v, want ErrOutcomeUnknown", err)
				}
				if errors.Is(err, runn.ErrBadRequest) || errors.Is(err, runn.ErrRateLimited) {
					t.Errorf("error %v also matches a refusal", err)
				}
				checkNoSecret(t, "the error", err.Error())
				if len(reqs) != 1 || reqs[0].Fault != ft.fault.Kind {
					t.Fatalf("requests %+v, want exactly one, struck by the fault: a create is not resent", reqs)
				}
				if s := api.Stats(); s.Retries != 0 || s.Requests != 1 {
					t.Errorf("stats %+v, want 1 request and no retry", s)
				}

				want := 0
				if ft.applied {
					want = 1
				}
				after := env.srv.State()
				if got := cc.count(after); got != want {
					t.Errorf("the fake holds %d, want %d", got, want)
				}
				if !ft.applied {
					if diff := cmp.Diff(before, after); diff != "" {
						t.Errorf("nothing should be applied, but the state changed:\n%s", diff)
					}
				}

				// What the load does next: read Runn, and send again only if it is missing.
				found, err := cc.find(t.Context(), reader)
				if err != nil {
					t.Fatalf("reading Runn: %v", err)
				}
				if found != want {
					t.Errorf("reading Runn found %d, want %d", found, want)
				}
				if found == 0 {
					if err := cc.send(t.Context(), reader); err != nil {
						t.Fatalf("sending again: %v", err)
					}
				}
				if cc.resendable {
					if err := cc.send(t.Context(), reader); err != nil {
						t.Errorf("sending again when it exists: %v, want success", err)
					}
				}
				if got := cc.count(env.srv.State()); got != 1 {
					t.Errorf("after recovery the fake holds %d, want exactly 1", got)
				}
				checkNoSecret(t, "the client's logs", env.logs.String())
			})
		}
	}
}

// actualsBatch updates the seeded actual and adds five more in the given month: an upsert
// applied twice must leave each actual once, with the minutes sent.
func actualsBatch(month int) []runn.ActualInput {
	in := []runn.ActualInput{actualIn(seededActualDay, personID, projectID, roleID, 240, 30)}
	for d := 2; d <= 6; d++ {
		in = append(in, actualIn(fmt.Sprintf("2025-%02d-%02d", month, d), personID, projectID, roleID, int64(60*d), 15))
	}
	return in
}

func actualKey(date string, person, project, role int64) string {
	return fmt.Sprint(date, "/", person, "/", project, "/", role)
}

// TestE2EActualsFaultsAreRetried: actuals writes are upserts, so the client retries them
// through 5xx answers, broken connections, lost answers and a bulk call applied in part, and
// the fake ends with each actual once, holding the minutes sent. Each case writes in a month
// of its own (all but the seeded actual, which every bulk rewrites), so one fake serves all.
func TestE2EActualsFaultsAreRetried(t *testing.T) {
	bulk := func(month int) func(context.Context, *runn.API) ([]runn.Actual, error) {
		return func(ctx context.Context, api *runn.API) ([]runn.Actual, error) {
			return api.CreateActualsBulk(ctx, actualsBatch(month))
		}
	}
	one := func(month int) func(context.Context, *runn.API) ([]runn.Actual, error) {
		return func(ctx context.Context, api *runn.API) ([]runn.Actual, error) {
			a, err := api.CreateActual(ctx, actualsBatch(month)[1])
			return []runn.Actual{a}, err
		}
	}
	tests := []struct {
		name         string
		fault        runntest.Fault
		call         func(context.Context, *runn.API) ([]runn.Actual, error)
		sent         []runn.ActualInput
		wantStatuses []int
	}{
		{"single, 500", runntest.Fault{Method: "POST", PathPrefix: "/actuals/", Kind: runntest.ServerError},
			one(1), actualsBatch(1)[1:2], []int{500, 201}},
		{"single, answer lost after the write", runntest.Fault{Method: "POST", PathPrefix: "/actuals/", Kind: runntest.LostResponse},
			one(2), actualsBatch(2)[1:2], []int{0, 201}},
		{"bulk, 502 twice", runntest.Fault{PathPrefix: "/actuals/bulk/", Kind: runntest.ServerError, Status: 502, Times: 2},
			bulk(3), actualsBatch(3), []int{502, 502, 200}},
		{"bulk, connection reset", runntest.Fault{PathPrefix: "/actuals/bulk/", Kind: runntest.ResetConnection},
			bulk(4), actualsBatch(4), []int{0, 200}},
		{"bulk, answer lost after the write", runntest.Fault{PathPrefix: "/actuals/bulk/", Kind: runntest.LostResponse},
			bulk(5), actualsBatch(5), []int{0, 200}},
		{"bulk, PartialBulk: 2 of 6 applied then 500", runntest.Fault{Kind: runntest.PartialBulk, ApplyItems: 2},
			bulk(6), actualsBatch(6), []int{500, 200}},
	}
	env := startE2E(t, smallSeed(), runntest.Options{}, runn.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, runn.Config{})
			before := env.srv.State()
			env.srv.InjectFault(tt.fault)
			var got []runn.Actual
			reqs := env.during(func() {
				var err error
				if got, err = tt.call(t.Context(), api); err != nil {
					t.Fatalf("%v, want success after retrying", err)
				}
			})
			if s := statusesOf(reqs); !slices.Equal(s, tt.wantStatuses) {
				t.Errorf("statuses %v, want %v", s, tt.wantStatuses)
			}
			if reqs[0].Fault != tt.fault.Kind {
				t.Errorf("the first request was struck by %v, want %v", reqs[0].Fault, tt.fault.Kind)
			}
			if s := api.Stats(); s.Retries != int64(len(tt.wantStatuses)-1) {
				t.Errorf("stats %+v, want %d retries", s, len(tt.wantStatuses)-1)
			}

			st := env.srv.State()
			byKey := map[string][]runn.Actual{}
			for _, a := range st.Actuals {
				k := actualKey(a.Date, a.PersonID, a.ProjectID, a.RoleID)
				byKey[k] = append(byKey[k], a)
			}
			for k, as := range byKey {
				if len(as) != 1 {
					t.Errorf("key %s held %d times: %+v", k, len(as), as)
				}
			}
			wantCount := len(before.Actuals)
			for _, in := range tt.sent {
				if !slices.ContainsFunc(before.Actuals, func(a runn.Actual) bool {
					return actualKey(a.Date, a.PersonID, a.ProjectID, a.RoleID) == actualKey(in.Date, in.PersonID, in.ProjectID, in.RoleID)
				}) {
					wantCount++
				}
			}
			if len(st.Actuals) != wantCount {
				t.Errorf("the fake holds %d actuals, want %d", len(st.Actuals), wantCount)
			}
			if len(got) != len(tt.sent) {
				t.Fatalf("the call returned %d actuals, want %d", len(got), len(tt.sent))
			}
			for i, in := range tt.sent {
				held := byKey[actualKey(in.Date, in.PersonID, in.ProjectID, in.RoleID)]
				if len(held) != 1 {
					t.Errorf("%s: held %d times, want once", in.Date, len(held))
					continue
				}
				a := held[0]
				if a.BillableMinutes != float64(in.BillableMinutes) || a.NonbillableMinutes != float64(in.NonbillableMinutes) {
					t.Errorf("%s: the fake holds %v/%v minutes, want %d/%d", in.Date, a.BillableMinutes, a.NonbillableMinutes,
						in.BillableMinutes, in.NonbillableMinutes)
				}
				if got[i].ID != a.ID {
					t.Errorf("%s: the call returned id %d, the fake holds %d", in.Date, got[i].ID, a.ID)
				}
				if in.Date == seededActualDay && a.ID != seededActualID {
					t.Errorf("the seeded actual got a new id %d: an upsert keeps %d", a.ID, seededActualID)
				}
			}
		})
	}
}

// ---- Refusals: 401, 404, 400 ----

// errCase is a named call expected to fail.
type errCase struct {
	name string
	call func(ctx context.Context, api *runn.API) error
}

// everyKindOfCall is one of each: reads, creates, the bulk write, the tag and Ping.
func everyKindOfCall() []errCase {
	return []errCase{
		{"Ping", func(ctx context.Context, api *runn.API) error { return api.Ping(ctx) }},
		{"Me", func(ctx context.Context, api *runn.API) error { _, err := api.Me(ctx); return err }},
		{"ListRoles", func(ctx context.Context, api *runn.API) error { _, err := api.ListRoles(ctx); return err }},
		{"ListActuals", func(ctx context.Context, api *runn.API) error {
			_, err := api.ListActuals(ctx, "2025-07-01", e2eToday)
			return err
		}},
		{"FindPeopleByExternalID", func(ctx context.Context, api *runn.API) error {
			_, err := api.FindPeopleByExternalID(ctx, "4410982")
			return err
		}},
		{"CreatePerson", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: roleID})
			return err
		}},
		{"CreateActualsBulk", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateActualsBulk(ctx, actualsBatch(7))
			return err
		}},
		{"AddProjectTag", func(ctx context.Context, api *runn.API) error { return api.AddProjectTag(ctx, syncOffTagID, projectID) }},
	}
}

// TestE2ERefusals covers every way Runn refuses a call, on one fake: refusals apply nothing,
// so they can share it.
func TestE2ERefusals(t *testing.T) {
	env := startE2E(t, smallSeed(), runntest.Options{}, runn.Config{})
	t.Run("401", func(t *testing.T) { checkUnauthorized(t, env) })
	t.Run("404", func(t *testing.T) { checkNotFound(t, env) })
	t.Run("400", func(t *testing.T) { checkBadRequest(t, env) })
	t.Run("refused before sending", func(t *testing.T) { checkLocalRefusals(t, env) })
	checkNoSecret(t, "the client's logs", env.logs.String())
}

// checkUnauthorized: a wrong token fails every call at once (no retry) with ErrUnauthorized,
// a message that points at RUNN_API_TOKEN and holds neither token, and nothing applied.
func checkUnauthorized(t *testing.T, env *e2e) {
	before := env.srv.State()
	for _, tt := range everyKindOfCall() {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, runn.Config{Token: wrongToken})
			var err error
			reqs := env.during(func() { err = tt.call(t.Context(), api) })
			if !errors.Is(err, runn.ErrUnauthorized) {
				t.Fatalf("error %v, want ErrUnauthorized", err)
			}
			if errors.Is(err, runn.ErrOutcomeUnknown) || errors.Is(err, runn.ErrUnreachable) {
				t.Errorf("error %v: a 401 is a definite refusal", err)
			}
			if !strings.Contains(err.Error(), "RUNN_API_TOKEN") {
				t.Errorf("error %q does not tell the user to check RUNN_API_TOKEN", err)
			}
			checkNoSecret(t, "the error", err.Error())
			if got := statusesOf(reqs); !slices.Equal(got, []int{http.StatusUnauthorized}) {
				t.Errorf("statuses %v, want one 401 (not retried)", got)
			}
		})
	}
	if diff := cmp.Diff(before, env.srv.State()); diff != "" {
		t.Errorf("refused calls changed the state:\n%s", diff)
	}
}

// refusal is a call Runn refuses and what the error must carry.
type refusal struct {
	name    string
	call    func(ctx context.Context, api *runn.API) error
	message string // Runn's message, or the start of it
	hint    string // what the error must tell the user besides, if anything
}

// checkRefusals sends each call once to a fresh client of env and checks that it fails at
// once with Runn's status and message, matching sentinel, and that nothing was applied.
func checkRefusals(t *testing.T, env *e2e, tests []refusal, status int, sentinel error, cfg runn.Config) {
	t.Helper()
	before := env.srv.State()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, cfg)
			var err error
			reqs := env.during(func() { err = tt.call(t.Context(), api) })
			var apiErr *runn.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != status || !errors.Is(err, sentinel) {
				t.Fatalf("error %v, want Runn's %d matching %v", err, status, sentinel)
			}
			if errors.Is(err, runn.ErrOutcomeUnknown) {
				t.Errorf("error %v: a %d is a definite refusal, not an unknown outcome", err, status)
			}
			if apiErr.Body.StatusCode != status || !strings.HasPrefix(apiErr.Body.Message, tt.message) {
				t.Errorf("Runn's body %+v, want a message starting %q", apiErr.Body, tt.message)
			}
			if !strings.Contains(err.Error(), strconv.Quote(apiErr.Body.Message)) {
				t.Errorf("error %q does not carry Runn's message", err)
			}
			if tt.hint != "" && !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("error %q does not mention %q", err, tt.hint)
			}
			checkNoSecret(t, "the error", err.Error())
			if got := statusesOf(reqs); !slices.Equal(got, []int{status}) {
				t.Errorf("statuses %v, want one %d (not retried)", got, status)
			}
		})
	}
	if diff := cmp.Diff(before, env.srv.State()); diff != "" {
		t.Errorf("refused calls changed the state:\n%s", diff)
	}
}

// checkNotFound: unknown ids in a path, and a base URL with a wrong path (every call 404),
// which the error tells the user how to fix.
func checkNotFound(t *testing.T, env *e2e) {
	t.Run("unknown ids", func(t *testing.T) {
		checkRefusals(t, env, []refusal{
			{name: "unknown project tag", call: func(ctx context.Context, api *runn.API) error { return api.AddProjectTag(ctx, 1, projectID) },
				message: "Project tag with id 1 not found."},
			{name: "unknown project", call: func(ctx context.Context, api *runn.API) error { return api.AddProjectTag(ctx, syncOffTagID, 1) },
				message: "Project with id 1 not found."},
			// Ids of one kind never collide with another's in the fake: a person id is no project.
			{name: "a person id as a project id", call: func(ctx context.Context, api *runn.API) error {
				return api.AddProjectTag(ctx, syncOffTagID, personID)
			}, message: fmt.Sprintf("Project with id %d not found.", personID)},
		}, http.StatusNotFound, runn.ErrNotFound, runn.Config{})
	})
	t.Run("wrong base URL", func(t *testing.T) {
		checkRefusals(t, env, []refusal{
			{name: "Me", call: func(ctx context.Context, api *runn.API) error { _, err := api.Me(ctx); return err },
				message: "Route GET:/v1/me/ not found", hint: "RUNN_BASE_URL"},
			{name: "ListRoles", call: func(ctx context.Context, api *runn.API) error { _, err := api.ListRoles(ctx); return err },
				message: "Route GET:/v1/roles/", hint: "RUNN_BASE_URL"},
			{name: "CreateRole", call: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreateRole(ctx, runn.RoleInput{Name: "Drafter"})
				return err
			}, message: "Route POST:/v1/roles/ not found", hint: "RUNN_BASE_URL"},
		}, http.StatusNotFound, runn.ErrNotFound, runn.Config{BaseURL: env.srv.URL() + "/v1"})
	})
}

// checkBadRequest: Runn's validation refusals reach the caller as ErrBadRequest with Runn's
// own message, are not retried (sending again cannot help) and apply nothing; a bulk call
// with one bad item is refused whole, naming the item.
func checkBadRequest(t *testing.T, env *e2e) {
	actual := func(in runn.ActualInput) func(ctx context.Context, api *runn.API) error {
		return func(ctx context.Context, api *runn.API) error { _, err := api.CreateActual(ctx, in); return err }
	}
	bulk := func(in ...runn.ActualInput) func(ctx context.Context, api *runn.API) error {
		return func(ctx context.Context, api *runn.API) error { _, err := api.CreateActualsBulk(ctx, in); return err }
	}
	good := actualIn("2025-07-09", personID, projectID, roleID, 60, 0)
	future := actualIn("2025-07-11", personID, projectID, roleID, 60, 0)
	checkRefusals(t, env, []refusal{
		{name: "actual dated after today", call: actual(future), message: "Cannot create actual for future date 2025-07-11."},
		{name: "actual on a tentative project", call: actual(actualIn("2025-07-09", personID, tentativeID, roleID, 60, 0)),
			message: "Actuals cannot be on a tentative project."},
		{name: "billable actual on a non-billable project", call: actual(actualIn("2025-07-09", personID, nonBillableID, roleID, 60, 0)),
			message: "Cannot add billable minutes to a non-billable project."},
		{name: "actual of an unknown person", call: actual(actualIn("2025-07-09", 1, projectID, roleID, 60, 0)),
			message: "Person with id 1 not found."},
		{name: "actual with an unknown role", call: actual(actualIn("2025-07-09", personID, projectID, 1, 60, 0)),
			message: "Role with id 1 not found."},
		{name: "bulk with one bad item", call: bulk(good, future, actualIn("2025-07-08", personID, projectID, roleID, 30, 0)),
			message: "1 of 3 actuals refused, none written: body/actuals/1: Cannot create actual for future date 2025-07-11."},
		{name: "bulk with two bad items", call: bulk(future, good, actualIn("2025-07-09", personID, tentativeID, roleID, 60, 0)),
			message: "2 of 3 actuals refused, none written: body/actuals/0: Cannot create actual for future date 2025-07-11.; " +
				"body/actuals/2: Actuals cannot be on a tentative project."},
		{name: "person with an unknown role", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: 1})
			return err
		}, message: "Role with id 1 not found."},
		{name: "person without a first name (spec validation)", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{LastName: "Silva", RoleID: roleID})
			return err
		}, message: "body/firstName: minimum string length is 1"},
		{name: "person rostered other than minutesPerDay", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: roleID,
				MinutesPerDay: ptr(450.0), RosteredDays: &runn.RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450, Friday: 240}})
			return err
		}, message: "body/rosteredDays/friday: must be the same as minutesPerDay (450) or 0, got 240"},
		{name: "project of an unknown client", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateProject(ctx, runn.ProjectInput{Name: "Orphan", ClientID: 1})
			return err
		}, message: "Client with id 1 not found."},
		{name: "client with an empty reference (spec validation)", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateClient(ctx, runn.ClientInput{Name: "Fjord Ferries", References: harvestRef("")})
			return err
		}, message: "body/references/0/externalId: minimum string length is 1"},
	}, http.StatusBadRequest, runn.ErrBadRequest, runn.Config{})
}

// checkLocalRefusals: what the client can tell is wrong never reaches Runn.
func checkLocalRefusals(t *testing.T, env *e2e) {
	tests := []errCase{
		{"empty bulk", func(ctx context.Context, api *runn.API) error { _, err := api.CreateActualsBulk(ctx, nil); return err }},
		{"bulk over the maximum", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateActualsBulk(ctx, slices.Repeat(actualsBatch(7)[:1], runn.MaxBulkActuals+1))
			return err
		}},
		{"ListActuals with a bad date", func(ctx context.Context, api *runn.API) error {
			_, err := api.ListActuals(ctx, "2025-13-01", "")
			return err
		}},
		{"ListPages with a cursor", func(ctx context.Context, api *runn.API) error {
			return api.ListPages(ctx, runn.EndpointRoles, url.Values{"cursor": {"x"}}, func(runn.Page) error { return nil })
		}},
		{"ListPages over the endpoint's limit", func(ctx context.Context, api *runn.API) error {
			return api.ListPages(ctx, runn.EndpointRoles, url.Values{"limit": {"201"}}, func(runn.Page) error { return nil })
		}},
		{"ListPages of an unknown endpoint", func(ctx context.Context, api *runn.API) error {
			return api.ListPages(ctx, runn.Endpoint("teams"), nil, func(runn.Page) error { return nil })
		}},
		{"FindPeopleByExternalID without an id", func(ctx context.Context, api *runn.API) error {
			_, err := api.FindPeopleByExternalID(ctx, "")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			reqs := env.during(func() { err = tt.call(t.Context(), env.api) })
			var apiErr *runn.APIError
			if err == nil || errors.As(err, &apiErr) {
				t.Errorf("error %v, want the client's own refusal", err)
			}
			if len(reqs) != 0 {
				t.Errorf("%d requests sent, want none", len(reqs))
			}
		})
	}
}

// ---- Creates round trip ----

// TestE2ECreatesRoundTrip creates one of everything the load creates, in the load's order,
// and checks that the fake holds exactly those records, with every field sent and the
// defaults Runn adds (the person's first contract, the role's person), that the client
// returned what the fake holds, and that adding the tag again is a successful no-op.
func TestE2ECreatesRoundTrip(t *testing.T) {
	tag := runn.ProjectTag{ID: syncOffTagID, Name: "sync_off", ProjectIDs: []int64{}, CreatedAt: seedAt, UpdatedAt: seedAt}
	env := startE2E(t, &runntest.State{ProjectTags: []runn.ProjectTag{tag}}, runntest.Options{}, runn.Config{})
	ctx := t.Context()
	now := e2eStart // the clock does not move: nothing waits

	role, err := env.api.CreateRole(ctx, runn.RoleInput{Name: "Senior Structural Engineer", References: harvestRef("role-8812")})
	if err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	client, err := env.api.CreateClient(ctx, runn.ClientInput{Name: "Harbour Authority", Website: "https://harbour.example",
		References: harvestRef("9001")})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	project, err := env.api.CreateProject(ctx, runn.ProjectInput{Name: "Harbour Terminal BIM Rollout", ClientID: client.ID,
		IsConfirmed: ptr(true), Budget: ptr(185000.0), PricingModel: "fp", References: harvestRef("40119877")})
	if err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	person, err := env.api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ingrid", LastName: "Nakamura",
		Email: "ingrid.nakamura@example.com", References: harvestRef("4410982"), RoleID: role.ID, StartDate: "2025-07-01",
		EmploymentType: "contractor", CostPerHour: ptr(68.5), MinutesPerDay: ptr(450.0),
		RosteredDays: &runn.RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450}})
	if err != nil {
		t.Fatalf("CreatePerson: %v", err)
	}
	if err := env.api.AddProjectTag(ctx, tag.ID, project.ID); err != nil {
		t.Fatalf("AddProjectTag: %v", err)
	}
	// Dated today, the last day Runn takes.
	actual, err := env.api.CreateActual(ctx, actualIn(e2eToday, person.ID, project.ID, role.ID, 375, 45))
	if err != nil {
		t.Fatalf("CreateActual: %v", err)
	}

	// What the client returned: every field sent, Runn's defaults, fresh ids and timestamps.
	wantRole := runn.Role{ID: role.ID, Name: ptr("Senior Structural Engineer"), References: harvestRef("role-8812"),
		PersonIDs: []int64{}, CreatedAt: now, UpdatedAt: now}
	wantClient := runn.Client{ID: client.ID, Name: "Harbour Authority", Website: ptr("https://harbour.example"),
		References: harvestRef("9001"), CreatedAt: now, UpdatedAt: now}
	wantProject := runn.Project{ID: project.ID, Name: "Harbour Terminal BIM Rollout", ClientID: client.ID, IsConfirmed: true,
		Budget: ptr(185000.0), PricingModel: "fp", RateType: "hours", RateCardID: project.RateCardID,
		CustomFields: project.CustomFields, References: harvestRef("40119877"), ManagerIDs: []int64{}, Tags: []runn.Tag{},
		CreatedAt: now, UpdatedAt: now}
	wantPerson := runn.Person{ID: person.ID, FirstName: "Ingrid", LastName: "Nakamura", Email: ptr("ingrid.nakamura@example.com"),
		References: harvestRef("4410982"), Tags: []runn.Tag{}, Managers: []map[string]any{}, CreatedAt: now, UpdatedAt: now}
	wantActual := runn.Actual{ID: actual.ID, Date: e2eToday, BillableMinutes: 375, NonbillableMinutes: 45,
		PersonID: person.ID, ProjectID: project.ID, RoleID: role.ID, CreatedAt: now, UpdatedAt: now}
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"role", wantRole, role}, {"client", wantClient, client}, {"project", wantProject, project},
		{"person", wantPerson, person}, {"actual", wantActual, actual},
	} {
		if diff := cmp.Diff(c.want, c.got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the created %s as returned (-want +got):\n%s", c.name, diff)
		}
	}
	ids := []int64{role.ID, client.ID, project.ID, person.ID, actual.ID}
	if slices.Contains(ids, 0) || project.RateCardID == 0 || len(project.CustomFields) == 0 {
		t.Errorf("ids %v, rate card %d, custom fields %v: want what Runn assigns", ids, project.RateCardID, project.CustomFields)
	}

	// What the fake holds: the same, plus the links the later creates made.
	st := env.srv.State()
	if len(st.Contracts) != 1 {
		t.Fatalf("%d contracts, want the person's first one: %+v", len(st.Contracts), st.Contracts)
	}
	wantState := &runntest.State{
		Clients:  []runn.Client{wantClient},
		Projects: []runn.Project{withTags(wantProject, runn.Tag{ID: tag.ID, Name: tag.Name})},
		People:   []runn.Person{wantPerson},
		Roles:    []runn.Role{withPeople(wantRole, person.ID)},
		Contracts: []runn.Contract{{ID: st.Contracts[0].ID, PersonID: person.ID, RoleID: role.ID, StartDate: "2025-07-01",
			EmploymentType: "contractor", CostPerHour: ptr(68.5), MinutesPerDay: ptr(450.0),
			RosteredDays: runn.RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450}, CreatedAt: now, UpdatedAt: now}},
		Actuals:     []runn.Actual{wantActual},
		ProjectTags: []runn.ProjectTag{{ID: tag.ID, Name: tag.Name, ProjectIDs: []int64{project.ID}, CreatedAt: seedAt, UpdatedAt: now}},
	}
	if diff := cmp.Diff(wantState, st, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the fake's state (-want +got):\n%s", diff)
	}
	// And the load finds them again by their Harvest reference.
	if people, err := env.api.FindPeopleByExternalID(ctx, "4410982"); err != nil || len(people) != 1 || people[0].ID != person.ID {
		t.Errorf("FindPeopleByExternalID: %+v, %v; want the person created", people, err)
	}
	if projects, err := env.api.FindProjectsByExternalID(ctx, "40119877"); err != nil || len(projects) != 1 || projects[0].ID != project.ID {
		t.Errorf("FindProjectsByExternalID: %+v, %v; want the project created", projects, err)
	}

	var again error
	reqs := env.during(func() { again = env.api.AddProjectTag(ctx, tag.ID, project.ID) })
	if again != nil {
		t.Errorf("AddProjectTag a second time: %v, want success (nothing to do)", again)
	}
	if got := statusesOf(reqs); !slices.Equal(got, []int{http.StatusBadRequest}) {
		t.Errorf("statuses %v, want Runn's one 400 already-exists, taken as success", got)
	}
	if diff := cmp.Diff(st, env.srv.State()); diff != "" {
		t.Errorf("adding the tag again changed the state:\n%s", diff)
	}
	if s := env.api.Stats(); s.Retries != 0 || s.RateLimited != 0 || s.ServerErrors != 0 || s.NetworkErrors != 0 {
		t.Errorf("stats %+v, want no retry and no failure", s)
	}
}

func withTags(p runn.Project, tags ...runn.Tag) runn.Project {
	p.Tags = tags
	return p
}

func withPeople(r runn.Role, ids ...int64) runn.Role {
	r.PersonIDs = ids
	return r
}

// TestE2ETokenEchoedByRunnIsRedacted: a record holding the token (pasted into a name by
// mistake) comes back with the token replaced, in raw pages and typed records alike.
func TestE2ETokenEchoedByRunnIsRedacted(t *testing.T) {
	seed := smallSeed()
	seed.Clients[0].Name = "Harbour Authority " + e2eToken
	env := startE2E(t, seed, runntest.Options{}, runn.Config{})
	err := env.api.ListPages(t.Context(), runn.EndpointClients, nil, func(p runn.Page) error {
		checkNoSecret(t, "a page", string(p.Body)+p.URL)
		if !bytes.Contains(p.Body, []byte("Harbour Authority [REDACTED]")) {
			t.Errorf("page %s: want the token replaced by [REDACTED]", p.Body)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ListPages: %v", err)
	}
	clients, err := env.api.ListClients(t.Context())
	if err != nil || len(clients) != 1 || clients[0].Name != "Harbour Authority [REDACTED]" {
		t.Errorf("ListClients: %+v, %v; want the name with the token redacted", clients, err)
	}
}
