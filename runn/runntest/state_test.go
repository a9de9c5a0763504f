package runntest

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/harvest2runn/harvest2runn/runn"
)

func TestStateRoundTripsThroughServer(t *testing.T) {
	golden, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := LoadState(bytes.NewReader(golden))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := startServer(t, seed, Options{})
	var out bytes.Buffer
	if err := s.State().WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(golden), out.String()); diff != "" {
		t.Errorf("LoadState -> NewServer -> State().WriteJSON changed the fixture (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(testSeed(), s.State()); diff != "" {
		t.Errorf("State() differs from the seed (-want +got):\n%s", diff)
	}
}

func TestWriteJSONIsSortedAndDeterministic(t *testing.T) {
	st := testSeed()
	st.Clients[0], st.Clients[1] = st.Clients[1], st.Clients[0]
	st.Actuals[0], st.Actuals[2] = st.Actuals[2], st.Actuals[0]
	var a, b bytes.Buffer
	if err := st.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("two writes of one state differ")
	}
	if st.Clients[0].ID != 73016 {
		t.Error("WriteJSON reordered the receiver")
	}
	back, err := LoadState(&a)
	if err != nil {
		t.Fatal(err)
	}
	if back.Clients[0].ID != 73015 || back.Actuals[0].ID != 55830172 || back.Actuals[2].ID != 55830174 {
		t.Errorf("not sorted by id: clients %d,%d actuals %d,%d,%d", back.Clients[0].ID, back.Clients[1].ID,
			back.Actuals[0].ID, back.Actuals[1].ID, back.Actuals[2].ID)
	}
}

func TestLoadStateRefusesMalformedFixtures(t *testing.T) {
	for name, in := range map[string]string{
		"unknown field":     `{"clients":[{"id":1,"nmae":"typo"}]}`,
		"not json":          `{"clients":`,
		"two values":        `{} {}`,
		"wrong type for id": `{"people":[{"id":"880451"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := LoadState(strings.NewReader(in)); err == nil {
				t.Error("LoadState accepted it")
			}
		})
	}
}

func TestNewServerRefusesInconsistentSeeds(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(*State)
		want   string
	}{
		{"duplicate id", func(s *State) { s.Clients[1].ID = s.Clients[0].ID }, "two clients with id 73015"},
		{"zero id", func(s *State) { s.Roles[0].ID = 0 }, "ids must be positive"},
		{"project of unknown client", func(s *State) { s.Projects[0].ClientID = 1 }, "clientId 1"},
		{"contract of unknown person", func(s *State) { s.Contracts[0].PersonID = 2 }, "personId 2"},
		{"assignment of unknown role", func(s *State) { s.Assignments[0].RoleID = 3 }, "roleId 3"},
		{"actual on unknown project", func(s *State) { s.Actuals[0].ProjectID = 4 }, "projectId 4"},
		{"project tag unknown", func(s *State) { s.Projects[0].Tags = []runn.Tag{{ID: 5}} }, "tag 5"},
		{"tag lists unknown project", func(s *State) { s.ProjectTags[0].ProjectIDs = []int64{6} }, "project 6"},
		{"two actuals on one key", func(s *State) {
			s.Actuals[1].Date, s.Actuals[1].ProjectID = s.Actuals[0].Date, s.Actuals[0].ProjectID
		}, "same (date, person, project, role, workstream)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := testSeed()
			tt.break_(seed)
			_, err := NewServer(seed, Options{Token: testToken})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewServer error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewServerNormalisesHandWrittenSeeds(t *testing.T) {
	// A minimal fixture: no timestamps, no arrays, the tag link on one side only.
	seed, err := LoadState(strings.NewReader(`{
		"clients": [{"id": 5, "name": "C"}],
		"projects": [{"id": 7, "name": "P", "clientId": 5, "isConfirmed": true}],
		"projectTags": [{"id": 9, "name": "sync_off", "projectIds": [7]}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	s, clock := startServer(t, seed, Options{})
	got := s.State()
	p := got.Projects[0]
	if diff := cmp.Diff([]runn.Tag{{ID: 9, Name: "sync_off"}}, p.Tags); diff != "" {
		t.Errorf("project tags not synced from the tag (-want +got):\n%s", diff)
	}
	if p.PricingModel != "tm" || p.RateType != "hours" || p.References == nil || p.ManagerIDs == nil || p.CustomFields == nil {
		t.Errorf("project defaults not filled: %+v", p)
	}
	if !p.CreatedAt.Equal(clock.Now()) || !got.Clients[0].UpdatedAt.Equal(clock.Now()) {
		t.Errorf("missing timestamps not set from the clock: %v %v", p.CreatedAt, got.Clients[0].UpdatedAt)
	}
	if got.People == nil || got.Actuals == nil {
		t.Error("absent kinds should come back as empty lists, not null")
	}
	// The answer must carry [] rather than null for the arrays the spec requires.
	r := do(t, s, "GET", "/clients/5", nil)
	if !strings.Contains(string(r.body), `"references":[]`) {
		t.Errorf("GET /clients/5 = %s, want references []", r.body)
	}
}

func TestNewIDsContinueAboveTheSeed(t *testing.T) {
	tests := []struct {
		name string
		seed *State
		want int64
	}{
		{"seeded", testSeed(), 73017},
		{"empty", nil, 73001},
		{"seed above the base", &State{Clients: []runn.Client{{ID: 2_000_000, Name: "Big"}}}, 2_000_001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startServer(t, tt.seed, Options{})
			for i := range int64(2) {
				r := do(t, s, "POST", "/clients/", map[string]any{"name": "New"})
				var c runn.Client
				r.decode(t, &c)
				if r.status != http.StatusCreated || c.ID != tt.want+i {
					t.Errorf("create %d: status %d id %d, want 201 id %d", i, r.status, c.ID, tt.want+i)
				}
			}
		})
	}
}

func TestStateIsACopy(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	got := s.State()
	got.Clients[0].Name = "changed"
	got.Projects[0].CustomFields["select"] = "changed"
	*got.Projects[0].Budget = 1
	again := s.State()
	if again.Clients[0].Name == "changed" || again.Projects[0].CustomFields["select"] == "changed" || *again.Projects[0].Budget == 1 {
		t.Error("changing the returned state changed the server's")
	}
}
