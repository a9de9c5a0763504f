package runntest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/runn"
)

func TestCreateClientAndRole(t *testing.T) {
	s, clock := startServer(t, testSeed(), Options{})
	clock.Advance(90*time.Minute + 1234567*time.Nanosecond)
	now := time.Date(2025, 7, 10, 11, 0, 0, 1_000_000, time.UTC) // to the millisecond, as Runn

	r := do(t, s, "POST", "/clients/", map[string]any{"name": "Fjord Ferries", "references": []any{map[string]any{"referenceName": "Harvest", "externalId": "9002"}}})
	var c runn.Client
	r.decode(t, &c)
	want := runn.Client{ID: 73017, Name: "Fjord Ferries", References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "9002"}}, CreatedAt: now, UpdatedAt: now}
	if r.status != http.StatusCreated || !cmp.Equal(want, c) {
		t.Errorf("POST /clients/: %d %s\n%s", r.status, r.body, cmp.Diff(want, c))
	}
	if !strings.Contains(string(r.body), `"website":null`) {
		t.Errorf("website should be null when not given: %s", r.body)
	}

	r = do(t, s, "POST", "/roles/", map[string]any{"name": "Drafter", "standardRate": 95})
	var role runn.Role
	r.decode(t, &role)
	wantRole := runn.Role{ID: 21879, Name: testkit.Ptr("Drafter"), StandardRate: 95, References: []runn.Reference{}, PersonIDs: []int64{}, CreatedAt: now, UpdatedAt: now}
	if r.status != http.StatusCreated || !cmp.Equal(wantRole, role) {
		t.Errorf("POST /roles/: %d %s\n%s", r.status, r.body, cmp.Diff(wantRole, role))
	}
	if got := s.State(); !slices.ContainsFunc(got.Clients, func(x runn.Client) bool { return x.ID == 73017 }) ||
		!slices.ContainsFunc(got.Roles, func(x runn.Role) bool { return x.ID == 21879 }) {
		t.Error("created records are not in the state")
	}
}

func TestCreateProject(t *testing.T) {
	s, clock := startServer(t, testSeed(), Options{})
	now := clock.Now()
	tests := []struct {
		name string
		body map[string]any
		want runn.Project
	}{
		{
			name: "defaults",
			body: map[string]any{"name": "Ferry Terminal", "clientId": 73016},
			want: runn.Project{Name: "Ferry Terminal", ClientID: 73016, PricingModel: "tm", RateType: "hours", IsConfirmed: false},
		},
		{
			name: "as harvest2runn sends it",
			body: map[string]any{"name": "Bridge", "clientId": 73015, "pricingModel": "fp", "isConfirmed": true, "budget": 25000,
				"references": []any{map[string]any{"referenceName": "Harvest", "externalId": "40119999"}}},
			want: runn.Project{Name: "Bridge", ClientID: 73015, PricingModel: "fp", RateType: "hours", IsConfirmed: true, Budget: testkit.Ptr(25000.0),
				References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "40119999"}}},
		},
		{
			name: "everything else",
			body: map[string]any{"name": "Ops", "clientId": 73015, "pricingModel": "nb", "rateType": "days", "expensesBudget": 10,
				"teamId": 3302, "rateCardId": 15502, "isTemplate": true, "managerIds": []int64{6120}, "emoji": "⚓"},
			want: runn.Project{Name: "Ops", ClientID: 73015, PricingModel: "nb", RateType: "days", ExpensesBudget: testkit.Ptr(10.0),
				TeamID: testkit.Ptr(int64(3302)), RateCardID: 15502, IsTemplate: true, ManagerIDs: []int64{6120}},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", "/projects/", tt.body)
			if r.status != http.StatusCreated {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			var got runn.Project
			r.decode(t, &got)
			want := tt.want
			want.ID = 402292 + int64(i)
			normProject(&want, now)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unknown client", func(t *testing.T) {
		r := do(t, s, "POST", "/projects/", map[string]any{"name": "Orphan", "clientId": 1})
		if r.status != http.StatusBadRequest || r.errorBody(t).Message != "Client with id 1 not found." {
			t.Errorf("%d %s, want 400 naming the client", r.status, r.body)
		}
	})
	t.Run("from template", func(t *testing.T) {
		// The "everything else" project above is a template.
		r := do(t, s, "POST", "/projects/", map[string]any{"fromTemplate": map[string]any{"templateId": 402294, "startDate": "2025-08-01"}, "name": "Ops 2"})
		var got runn.Project
		r.decode(t, &got)
		if r.status != http.StatusCreated || got.Name != "Ops 2" || got.IsTemplate || got.PricingModel != "nb" || got.ClientID != 73015 {
			t.Errorf("%d %s", r.status, r.body)
		}
		r = do(t, s, "POST", "/projects/", map[string]any{"fromTemplate": map[string]any{"templateId": 402288, "startDate": "2025-08-01"}})
		if r.status != http.StatusBadRequest {
			t.Errorf("a project that is not a template: %d %s, want 400", r.status, r.body)
		}
	})
}

func TestCreatePersonCreatesTheFirstContract(t *testing.T) {
	tests := []struct {
		name         string
		body         map[string]any
		wantContract runn.Contract
	}{
		{
			name: "defaults",
			body: map[string]any{"firstName": "Ana", "lastName": "Silva", "roleId": 21877},
			wantContract: runn.Contract{RoleID: 21877, StartDate: testToday, EmploymentType: "employee", CostPerHour: testkit.Ptr(68.5), MinutesPerDay: testkit.Ptr(480.0),
				RosteredDays: runn.RosteredDays{Monday: 480, Tuesday: 480, Wednesday: 480, Thursday: 480, Friday: 480}},
		},
		{
			name: "as harvest2runn sends it",
			body: map[string]any{"firstName": "Ana", "lastName": "Silva", "email": "ana@example.com", "roleId": 21877, "startDate": "2024-03-04",
				"employmentType": "contractor", "costPerHour": 0, "references": []any{map[string]any{"referenceName": "Harvest", "externalId": "4410999"}}},
			wantContract: runn.Contract{RoleID: 21877, StartDate: "2024-03-04", EmploymentType: "contractor", CostPerHour: testkit.Ptr(0.0), MinutesPerDay: testkit.Ptr(480.0),
				RosteredDays: runn.RosteredDays{Monday: 480, Tuesday: 480, Wednesday: 480, Thursday: 480, Friday: 480}},
		},
		{
			name: "part time",
			body: map[string]any{"firstName": "Ana", "lastName": "Silva", "roleId": 21878, "minutesPerDay": 300, "endDate": "2026-01-31", "jobTitle": "Surveyor",
				"rosteredDays": map[string]any{"monday": 300, "tuesday": 0, "wednesday": 300, "thursday": 0, "friday": 300}},
			wantContract: runn.Contract{RoleID: 21878, StartDate: testToday, EndDate: testkit.Ptr("2026-01-31"), EmploymentType: "employee", CostPerHour: testkit.Ptr(0.0),
				MinutesPerDay: testkit.Ptr(300.0), JobTitle: testkit.Ptr("Surveyor"), RosteredDays: runn.RosteredDays{Monday: 300, Wednesday: 300, Friday: 300}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := startServer(t, testSeed(), Options{})
			r := do(t, s, "POST", "/people/", tt.body)
			if r.status != http.StatusCreated {
				t.Fatalf("status %d %s", r.status, r.body)
			}
			var p runn.Person
			r.decode(t, &p)
			if p.ID != 880468 || p.FirstName != "Ana" || !p.CreatedAt.Equal(clock.Now()) {
				t.Errorf("person %s", r.body)
			}
			if email, ok := tt.body["email"]; (ok && (p.Email == nil || *p.Email != email)) || (!ok && p.Email != nil) {
				t.Errorf("email %v, want %v", p.Email, email)
			}
			r = do(t, s, "GET", "/people/880468/contracts/", nil)
			var contracts page[runn.Contract]
			r.decode(t, &contracts)
			want := tt.wantContract
			want.ID, want.PersonID, want.CreatedAt, want.UpdatedAt = 1290036, 880468, clock.Now(), clock.Now()
			if len(contracts.Values) != 1 {
				t.Fatalf("contracts %s, want one", r.body)
			}
			if diff := cmp.Diff(want, contracts.Values[0]); diff != "" {
				t.Errorf("contract (-want +got):\n%s", diff)
			}
			roleID := int64(tt.body["roleId"].(int))
			for _, role := range s.State().Roles {
				if role.ID == roleID && !slices.Contains(role.PersonIDs, int64(880468)) {
					t.Errorf("role %d personIds %v lacks the new person", role.ID, role.PersonIDs)
				}
			}
		})
	}
}

func TestCreatePersonRefusals(t *testing.T) {
	tests := []struct {
		name string
		body map[string]any
		want string
	}{
		{"unknown role", map[string]any{"firstName": "A", "lastName": "B", "roleId": 1}, "Role with id 1 not found."},
		{"rostered day neither minutesPerDay nor 0", map[string]any{"firstName": "A", "lastName": "B", "roleId": 21877, "minutesPerDay": 450,
			"rosteredDays": map[string]any{"monday": 450, "tuesday": 450, "wednesday": 450, "thursday": 450, "friday": 240}}, "body/rosteredDays/friday: must be the same as minutesPerDay (450) or 0"},
		{"rostered days against the default", map[string]any{"firstName": "A", "lastName": "B", "roleId": 21877,
			"rosteredDays": map[string]any{"monday": 450, "tuesday": 450, "wednesday": 450, "thursday": 450, "friday": 450}}, "body/rosteredDays/monday"},
		{"end before start", map[string]any{"firstName": "A", "lastName": "B", "roleId": 21877, "startDate": "2025-07-01", "endDate": "2025-06-30"}, "body/endDate"},
		{"people tags are not modelled", map[string]any{"firstName": "A", "lastName": "B", "roleId": 21877, "tags": []any{map[string]any{"id": 5117}}}, "Person tag with id 5117 not found."},
	}
	s, _ := startServer(t, testSeed(), Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", "/people/", tt.body)
			if r.status != http.StatusBadRequest || !strings.Contains(r.errorBody(t).Message, tt.want) {
				t.Errorf("%d %s, want 400 containing %q", r.status, r.body, tt.want)
			}
		})
	}
	if got := s.State(); len(got.People) != 2 || len(got.Contracts) != 2 {
		t.Errorf("refused creates left %d people and %d contracts, want 2 and 2", len(got.People), len(got.Contracts))
	}
}

func TestAddProjectTagToProject(t *testing.T) {
	s, clock := startServer(t, testSeed(), Options{})
	clock.Advance(time.Minute)
	r := do(t, s, "POST", "/project-tags/9031/project/402288", nil)
	var tag runn.ProjectTag
	r.decode(t, &tag)
	if r.status != http.StatusCreated || !slices.Equal(tag.ProjectIDs, []int64{402288, 402291}) || !tag.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("tagging: %d %s", r.status, r.body)
	}
	r = do(t, s, "GET", "/projects/402288", nil)
	var p runn.Project
	r.decode(t, &p)
	if diff := cmp.Diff([]runn.Tag{{ID: 9031, Name: "sync_off"}}, p.Tags); diff != "" {
		t.Errorf("project tags (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		name, path string
		status     int
		message    string
	}{
		{"already tagged", "/project-tags/9031/project/402288", 400, "already exists on Project"},
		{"unknown tag", "/project-tags/1/project/402288", 404, "Project tag with id 1 not found."},
		{"unknown project", "/project-tags/9031/project/2", 404, "Project with id 2 not found."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", tt.path, nil)
			if r.status != tt.status || !strings.Contains(r.errorBody(t).Message, tt.message) {
				t.Errorf("%d %s, want %d containing %q", r.status, r.body, tt.status, tt.message)
			}
		})
	}
}
