package runntest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/runn"
)

// R16: linking sends the whole reference list back with PATCH; the fake replaces the list with
// what was sent, changes nothing the body omits, and validates bodies against the spec.
func TestPatchReferences(t *testing.T) {
	harvestRef := func(id string) map[string]any { return map[string]any{"referenceName": "Harvest", "externalId": id} }
	crmRef := map[string]any{"referenceName": "CRM", "externalId": "c-17"}
	tests := []struct {
		name, path string
		body       any
		status     int
		wantRefs   []runn.Reference // nil: not checked
		wantBody   string           // a substring of the answer
	}{
		{name: "client: list replaced", path: "/clients/73016", body: map[string]any{"references": []any{crmRef, harvestRef("9002")}},
			status: 200, wantRefs: []runn.Reference{{ReferenceName: "CRM", ExternalID: "c-17"}, {ReferenceName: "Harvest", ExternalID: "9002"}},
			wantBody: `"name":"Acme Engineering"`},
		{name: "client: empty list clears", path: "/clients/73015", body: map[string]any{"references": []any{}}, status: 200, wantRefs: []runn.Reference{}},
		{name: "client: omitted references kept", path: "/clients/73015", body: map[string]any{"name": "Harbour Auth."}, status: 200,
			wantRefs: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "9001"}}, wantBody: `"name":"Harbour Auth."`},
		{name: "person: list replaced", path: "/people/880467", body: map[string]any{"references": []any{harvestRef("4410983"), harvestRef("77")}},
			status: 200, wantRefs: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "4410983"}, {ReferenceName: "Harvest", ExternalID: "77"}},
			wantBody: `"skills":[]`},
		{name: "project: list replaced", path: "/projects/402288", body: map[string]any{"references": []any{harvestRef("55")}}, status: 200,
			wantRefs: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "55"}}},
		{name: "role", path: "/roles/21877", body: map[string]any{"references": []any{harvestRef("3")}}, status: 200,
			wantRefs: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "3"}}},
		{name: "empty body changes nothing", path: "/clients/73015", body: nil, status: 200,
			wantRefs: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "9001"}}},
		{name: "reference without externalId refused", path: "/clients/73016",
			body: map[string]any{"references": []any{map[string]any{"referenceName": "Harvest"}}}, status: 400, wantBody: "body/references/0"},
		{name: "reference with an empty name refused", path: "/people/880467",
			body: map[string]any{"references": []any{map[string]any{"referenceName": "", "externalId": "1"}}}, status: 400, wantBody: "referenceName"},
		{name: "unknown person", path: "/people/1", body: map[string]any{"references": []any{}}, status: 404, wantBody: "Person not found"},
		{name: "unknown project", path: "/projects/1", body: map[string]any{"references": []any{}}, status: 404, wantBody: "Project not found"},
		{name: "project of an unknown client refused", path: "/projects/402288", body: map[string]any{"clientId": 1}, status: 400, wantBody: "Client with id 1"},
		{name: "trailing slash is another route", path: "/clients/73016/", body: map[string]any{}, status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startServer(t, testSeed(), Options{})
			before := s.State()
			r := do(t, s, "PATCH", tt.path, tt.body)
			if r.status != tt.status || !strings.Contains(string(r.body), tt.wantBody) {
				t.Fatalf("PATCH %s: %d %s, want %d with %q", tt.path, r.status, r.body, tt.status, tt.wantBody)
			}
			if tt.status != http.StatusOK {
				if diff := cmp.Diff(before, s.State()); diff != "" {
					t.Errorf("a refused PATCH changed the state:\n%s", diff)
				}
				return
			}
			if got := refsAt(s.State(), tt.path); tt.wantRefs != nil && !cmp.Equal(tt.wantRefs, got) {
				t.Errorf("references after PATCH %s: %s", tt.path, cmp.Diff(tt.wantRefs, got))
			}
		})
	}
}

// R16: a PATCH changes the fields it carries and no other.
func TestPatchKeepsOmittedFields(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	before := s.State()
	r := do(t, s, "PATCH", "/projects/402291", map[string]any{"references": []any{map[string]any{"referenceName": "Harvest", "externalId": "8"}}})
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	after := s.State()
	for i := range before.Projects {
		b, a := before.Projects[i], after.Projects[i]
		if a.ID == 402291 {
			b.References, b.UpdatedAt = a.References, a.UpdatedAt
		}
		if diff := cmp.Diff(b, a); diff != "" {
			t.Errorf("project %d changed beyond its references:\n%s", a.ID, diff)
		}
	}
	if diff := cmp.Diff(before.ProjectTags, after.ProjectTags); diff != "" {
		t.Errorf("tags changed:\n%s", diff)
	}
}

func refsAt(st *State, path string) []runn.Reference {
	parts := strings.Split(path, "/")
	kind, id := parts[1], parts[2]
	switch kind {
	case "clients":
		for _, c := range st.Clients {
			if idString(c.ID) == id {
				return c.References
			}
		}
	case "people":
		for _, p := range st.People {
			if idString(p.ID) == id {
				return p.References
			}
		}
	case "projects":
		for _, p := range st.Projects {
			if idString(p.ID) == id {
				return p.References
			}
		}
	case "roles":
		for _, r := range st.Roles {
			if idString(r.ID) == id {
				return r.References
			}
		}
	}
	return nil
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
