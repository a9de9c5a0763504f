package runntest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/runn"
)

const (
	testToken = "test-token-7f3a"
	testToday = "2025-07-10"
)

// newFakeClock returns the shared fake clock at the runntest tests' start, 2025-07-10 09:30
// UTC; it moves only when told to (Advance).
func newFakeClock() *testkit.FakeClock {
	return testkit.NewFakeClock(time.Date(2025, 7, 10, 9, 30, 0, 0, time.UTC))
}

// startServer starts a fake with test defaults: the test token, a fake clock, today
// 2025-07-10 and no rate limit, unless opts says otherwise.
func startServer(t *testing.T, seed *State, opts Options) (*Server, *testkit.FakeClock) {
	t.Helper()
	clock := newFakeClock()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Today == "" {
		opts.Today = testToday
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = RateLimitDisabled
	}
	s, err := NewServer(seed, opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s, clock
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

func (r response) errorBody(t *testing.T) runn.ErrorBody {
	t.Helper()
	var e runn.ErrorBody
	r.decode(t, &e)
	return e
}

// do sends a request as a well-behaved client would (token, Accept-Version, JSON body);
// headers in hdr replace those, and an empty value removes one.
func do(t *testing.T, s *Server, method, path string, body any, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Accept-Version", "1.0.0")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testSeed is a small account: a confirmed fp project with an assignment, a tentative
// project, a non-billable one, an archived one tagged sync_off, and two people, one
// without a current contract.
func testSeed() *State {
	created := ts("2025-01-15T08:00:00Z")
	harvest := func(id string) []runn.Reference {
		return []runn.Reference{{ReferenceName: runn.HarvestReferenceName, ExternalID: id}}
	}
	project := func(id int64, name string, confirmed, archived bool, pricing string, ref string) runn.Project {
		p := runn.Project{ID: id, Name: name, ClientID: 73015, IsConfirmed: confirmed, IsArchived: archived,
			PricingModel: pricing, RateType: "hours", RateCardID: 15501, References: []runn.Reference{},
			ManagerIDs: []int64{}, Tags: []runn.Tag{}, CustomFields: emptyCustomFields(), CreatedAt: created, UpdatedAt: created}
		if ref != "" {
			p.References = harvest(ref)
		}
		return p
	}
	mpd := 450.0
	cost := 68.5
	bim := project(402288, "Harbour Terminal BIM Rollout", true, false, "fp", "40119877")
	bim.Budget = testkit.Ptr(185000.0)
	pier := project(402291, "Old Pier", true, true, "tm", "40119001")
	pier.Tags = []runn.Tag{{ID: 9031, Name: "sync_off"}}
	return &State{
		Clients: []runn.Client{
			{ID: 73015, Name: "Harbour Authority", References: harvest("9001"), CreatedAt: created, UpdatedAt: created},
			{ID: 73016, Name: "Acme Engineering", Website: testkit.Ptr("https://acme.example"), References: []runn.Reference{}, CreatedAt: created, UpdatedAt: ts("2025-06-01T00:00:00Z")},
		},
		Roles: []runn.Role{
			{ID: 21877, Name: testkit.Ptr("Senior Structural Engineer"), DefaultHourCost: 68.5, StandardRate: 155, References: []runn.Reference{}, PersonIDs: []int64{880451}, CreatedAt: created, UpdatedAt: created},
			{ID: 21878, Name: testkit.Ptr("Unknown"), References: []runn.Reference{}, PersonIDs: []int64{880467}, CreatedAt: created, UpdatedAt: created},
		},
		Projects: []runn.Project{
			bim,
			project(402289, "Quay Wall Study", false, false, "tm", "40119878"),
			project(402290, "Internal Training", true, false, "nb", ""),
			pier,
		},
		People: []runn.Person{
			{ID: 880451, FirstName: "Ingrid", LastName: "Nakamura", Email: testkit.Ptr("ingrid.nakamura@example.com"), References: harvest("4410982"), Tags: []runn.Tag{}, Managers: []map[string]any{}, CreatedAt: created, UpdatedAt: created},
			{ID: 880467, FirstName: "Tomas", LastName: "Berg", References: harvest("4410983"), Tags: []runn.Tag{}, Managers: []map[string]any{}, CreatedAt: created, UpdatedAt: created},
		},
		Contracts: []runn.Contract{
			{ID: 1290034, PersonID: 880451, RoleID: 21877, StartDate: "2025-01-15", EmploymentType: "employee", CostPerHour: &cost, MinutesPerDay: &mpd,
				RosteredDays: runn.RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450}, CreatedAt: created, UpdatedAt: created},
			{ID: 1290035, PersonID: 880467, RoleID: 21878, StartDate: "2024-01-01", EndDate: testkit.Ptr("2024-12-31"), EmploymentType: "contractor", CostPerHour: &cost, MinutesPerDay: &mpd,
				RosteredDays: runn.RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450, Friday: 450}, CreatedAt: created, UpdatedAt: created},
		},
		Assignments: []runn.Assignment{
			{ID: 7712290, PersonID: 880451, ProjectID: 402288, RoleID: 21877, StartDate: "2025-07-07", EndDate: "2025-08-29", MinutesPerDay: 360, IsActive: true, IsBillable: true, CreatedAt: created, UpdatedAt: created},
			{ID: 7712291, PersonID: 880451, ProjectID: 402290, RoleID: 21877, StartDate: "2025-06-02", EndDate: "2025-06-27", MinutesPerDay: 60, IsActive: true, CreatedAt: created, UpdatedAt: created},
			{ID: 7712292, PersonID: 880467, ProjectID: 402288, RoleID: 21878, StartDate: "2025-09-01", EndDate: "2025-09-30", MinutesPerDay: 240, IsActive: true, IsBillable: true, CreatedAt: created, UpdatedAt: created},
		},
		Actuals: []runn.Actual{
			{ID: 55830172, Date: "2025-07-09", BillableMinutes: 375, NonbillableMinutes: 45, BillableNote: testkit.Ptr("Clash detection, level 3"), PersonID: 880451, ProjectID: 402288, RoleID: 21877, CreatedAt: created, UpdatedAt: created},
			{ID: 55830173, Date: "2025-07-08", BillableMinutes: 0, NonbillableMinutes: 60, PersonID: 880451, ProjectID: 402290, RoleID: 21877, CreatedAt: created, UpdatedAt: created},
			{ID: 55830174, Date: "2025-06-30", BillableMinutes: 120, PersonID: 880451, ProjectID: 402288, RoleID: 21877, WorkstreamID: testkit.Ptr(int64(77)), CreatedAt: created, UpdatedAt: created},
		},
		ProjectTags: []runn.ProjectTag{
			{ID: 9031, Name: "sync_off", ProjectIDs: []int64{402291}, CreatedAt: created, UpdatedAt: created},
			{ID: 9032, Name: "Legacy", ProjectIDs: []int64{}, Archived: true, CreatedAt: created, UpdatedAt: created},
		},
	}
}
