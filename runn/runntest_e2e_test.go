package runn_test

// End-to-end tests of the client against the fake Runn (runntest): paging, rate limits, faults
// and every refusal, each checked both from the client's side (results, errors, Stats) and from
// the fake's (its request log and its final State). They live in the external test package
// because runntest imports runn. This file holds their harness and seeds; the tests are in
// runntest_e2e_<subject>_test.go: reads, ratelimit, faults, actuals, refusals, creates, secrets.

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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

func countPeopleWithRef(st *runntest.State, ref string) int {
	n := 0
	for _, p := range st.People {
		if slices.ContainsFunc(p.References, func(r runn.Reference) bool { return r.ExternalID == ref }) {
			n++
		}
	}
	return n
}
