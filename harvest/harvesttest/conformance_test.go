package harvesttest

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

const harvestSpec = "../../testdata/apis/harvest-openapi.yaml"

// specDeviations are the places where the fake follows harvest-notes.md (what the real API
// does) rather than the generated spec. Each one loosens the spec before validation.
var specDeviations = []struct {
	why   string
	apply func(doc *openapi3.T)
}{
	{
		why: "the generator wrote OpenAPI 3.1's anyOf [$ref, {type: 'null'}] into a 3.0 document, which " +
			"kin-openapi refuses; read it as the 3.0 equivalent, a nullable anyOf [$ref]",
		apply: func(doc *openapi3.T) {
			seen := map[*openapi3.Schema]bool{}
			for _, ref := range doc.Components.Schemas {
				dropNullTypes(ref, seen)
			}
			for _, item := range doc.Paths.Map() {
				for _, op := range item.Operations() {
					for _, resp := range op.Responses.Map() {
						for _, media := range resp.Value.Content {
							dropNullTypes(media.Schema, seen)
						}
					}
				}
			}
		},
	},
	{
		why: "notes §3: in cursor mode page is null on every page but the first and last; the spec types it as a plain integer",
		apply: func(doc *openapi3.T) {
			for _, env := range []string{"Users", "Roles", "Clients", "Projects", "Tasks", "UserAssignments"} {
				doc.Components.Schemas[env].Value.Properties["page"].Value.Nullable = true
			}
		},
	},
}

// dropNullTypes rewrites every anyOf holding {type: 'null'} under ref as a nullable anyOf of
// the other alternatives.
func dropNullTypes(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	var kept openapi3.SchemaRefs
	for _, alt := range s.AnyOf {
		if alt.Value != nil && alt.Value.Type.Is("null") {
			s.Nullable = true
			continue
		}
		kept = append(kept, alt)
	}
	s.AnyOf = kept
	for _, p := range s.Properties {
		dropNullTypes(p, seen)
	}
	for _, group := range []openapi3.SchemaRefs{s.AnyOf, s.AllOf, s.OneOf} {
		for _, alt := range group {
			dropNullTypes(alt, seen)
		}
	}
	dropNullTypes(s.Items, seen)
}

func loadSpec(t *testing.T) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(harvestSpec)
	if err != nil {
		t.Fatalf("loading %s: %v", harvestSpec, err)
	}
	for _, d := range specDeviations {
		d.apply(doc)
	}
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		t.Fatalf("routing %s: %v", harvestSpec, err)
	}
	return router
}

// TestConformance validates the fake's 200 answers on every endpoint, on first, middle and
// last pages, against the Harvest spec.
func TestConformance(t *testing.T) {
	router := loadSpec(t)
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})

	var urls []string
	for key, perPage := range map[string]string{
		"users": "7", "roles": "5", "clients": "2", "projects": "6", "tasks": "4", "user_assignments": "9", "time_entries": "150",
	} {
		walkURL := s.URL() + "/v2/" + key + "?per_page=" + perPage
		_, pages := walk(t, s, key, "/v2/"+key+"?per_page="+perPage, nil)
		if len(pages) < 3 {
			t.Fatalf("%s: only %d pages; the test wants a middle page", key, len(pages))
		}
		urls = append(urls, walkURL)
		for _, p := range pages[:len(pages)-1] {
			urls = append(urls, *p.Links.Next)
		}
		urls = append(urls, *pages[len(pages)-1].Links.Previous)
	}
	urls = append(urls,
		s.URL()+"/v2/time_entries?is_running=true",
		s.URL()+"/v2/time_entries?is_billed=true&per_page=3",
		s.URL()+"/v2/users?updated_since=2099-01-01T00:00:00Z",
		s.URL()+"/v2/users/me",
		s.URL()+"/v2/users/"+itoa(acct.Users[0].ID),
		s.URL()+"/v2/roles/"+itoa(acct.Roles[0].ID),
		s.URL()+"/v2/clients/"+itoa(acct.Clients[0].ID),
		s.URL()+"/v2/projects/"+itoa(acct.Projects[11].ID), // the project without a client
		s.URL()+"/v2/tasks/"+itoa(acct.Tasks[0].ID),
	)
	for _, e := range acct.TimeEntries {
		if e.IsRunning || e.ExternalReference != nil || e.Invoice != nil {
			urls = append(urls, s.URL()+"/v2/time_entries/"+itoa(e.ID))
		}
	}

	for _, u := range urls {
		status, header, body := fetch(t, http.DefaultClient, u, goodHeaders())
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d", u, status)
		}
		if err := validateAgainstSpec(router, u, status, header, body); err != nil {
			t.Errorf("GET %s does not conform:\n%v", u, err)
		}
	}
}

// validateAgainstSpec checks one answer to GET u against the spec's operation for its path.
func validateAgainstSpec(router routers.Router, u string, status int, header http.Header, body []byte) error {
	parsed, err := url.Parse(u)
	if err != nil {
		return err
	}
	// The spec's server is https://api.harvestapp.com/v2: route the fake's path there.
	specURL := "https://api.harvestapp.com" + parsed.Path + "?" + parsed.RawQuery
	req, err := http.NewRequest(http.MethodGet, specURL, nil)
	if err != nil {
		return err
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return err
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	return openapi3filter.ValidateResponse(context.Background(), in.SetBodyBytes(body))
}

// TestConformanceCatchesMistakes shows the validation is not vacuous: answers that break the
// spec are refused.
func TestConformanceCatchesMistakes(t *testing.T) {
	router := loadSpec(t)
	header := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	links := `"links":{"first":"https://api.harvestapp.com/v2/users?page=1","next":null,"previous":null,"last":"https://api.harvestapp.com/v2/users?page=1"}`
	env := `"per_page":2000,"total_pages":1,"total_entries":1,"next_page":null,"previous_page":null,"page":1,` + links
	tests := []struct{ name, url, body string }{
		{"records key missing", "/v2/users", `{` + env + `}`},
		{"id is a string", "/v2/users", `{"users":[{"id":"4102233"}],` + env + `}`},
		{"roles is not a list", "/v2/users", `{"users":[{"id":1,"roles":"Developer"}],` + env + `}`},
		{"per_page is a string", "/v2/clients", `{"clients":[],"per_page":"2000","total_pages":1,"total_entries":0,"next_page":null,"previous_page":null,"page":1,` + links + `}`},
		{"links missing", "/v2/tasks", `{"tasks":[],"per_page":2000,"total_pages":1,"total_entries":0,"next_page":null,"previous_page":null,"page":1}`},
		{"hours is a string", "/v2/time_entries", `{"time_entries":[{"id":1,"hours":"1.5"}],` + env + `}`},
		{"user_assignment is a list", "/v2/time_entries/1", `{"id":1,"user_assignment":[]}`},
		{"not JSON", "/v2/projects", `{"projects":[`},
	}
	for _, tt := range tests {
		if err := validateAgainstSpec(router, "http://fake"+tt.url, 200, header, []byte(tt.body)); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	ok := `{"users":[{"id":1,"roles":["Developer"],"cost_rate":null}],` + env + `}`
	if err := validateAgainstSpec(router, "http://fake/v2/users", 200, header, []byte(ok)); err != nil {
		t.Errorf("a conforming answer was refused: %v", err)
	}
}
