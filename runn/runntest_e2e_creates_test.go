package runn_test

// End-to-end tests of creates against the fake Runn: one of everything the load creates.

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

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
