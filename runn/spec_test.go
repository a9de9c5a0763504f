package runn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/go-cmp/cmp"
)

// specPath is the copy of Runn's published spec the client is held to.
const specPath = "runntest/runn-openapi.json"

// specServer checks every request against the spec and answers with spec-shaped records, which
// it checks against the spec too. Problems are collected, not answered, so that one test run
// reports all of them.
type specServer struct {
	*httptest.Server
	router routers.Router

	mu       sync.Mutex
	problems []string
	ops      map[string]int // operationId -> requests
}

func newSpecServer(t *testing.T) *specServer {
	t.Helper()
	return newSpecServerWith(t, specRouter(t))
}

func newSpecServerWith(t *testing.T, router routers.Router) *specServer {
	t.Helper()
	s := &specServer{router: router, ops: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// specRouter loads the spec and routes requests to its operations.
func specRouter(t *testing.T) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("loading %s: %v", specPath, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is not a valid spec: %v", specPath, err)
	}
	doc.Servers = nil // match any host, so the test server's
	// The spec declares 3.1 but marks nulls with 3.0's "nullable", which kin-openapi's 3.1
	// (JSON Schema 2020-12) validation ignores; validating it as the 3.0 it is written in
	// honours it.
	doc.OpenAPI = "3.0.3"
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

func (s *specServer) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

func (s *specServer) serve(w http.ResponseWriter, r *http.Request) {
	call := r.Method + " " + r.URL.RequestURI()
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		s.problem("%s: no such operation in the spec: %v", call, err)
		writeJSON(w, 404, runnError(404, "Route not found"))
		return
	}
	op := route.Operation.OperationID
	s.mu.Lock()
	s.ops[op]++
	s.mu.Unlock()

	// The router forgives a missing trailing slash; Runn may not.
	if want := fillPath(route.Path, params); r.URL.EscapedPath() != want {
		s.problem("%s: path is not the spec's %s", call, want)
	}
	declared := map[string]bool{}
	for _, p := range route.Operation.Parameters {
		if p.Value.In == openapi3.ParameterInQuery {
			declared[p.Value.Name] = true
		}
	}
	for name := range r.URL.Query() {
		if !declared[name] {
			s.problem("%s: query parameter %q is not in the spec", call, name)
		}
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		s.problem("%s: Accept is %q", call, got)
	}
	if route.Operation.RequestBody == nil && r.Header.Get("Content-Type") != "" {
		s.problem("%s: Content-Type on a request without a body", call)
	}

	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			MultiError:                        true,
			RejectWhenRequestBodyNotSpecified: true,
			AuthenticationFunc: func(_ context.Context, ai *openapi3filter.AuthenticationInput) error {
				if ai.RequestValidationInput.Request.Header.Get("Authorization") != "Bearer "+testToken {
					return errors.New("no bearer token, or the wrong one")
				}
				return nil
			},
		}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		s.problem("%s (%s): request does not validate: %v", call, op, err)
	}

	status, body := specAnswer(op, r.URL.Query())
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
		s.problem("%s (%s): the test's own answer does not validate: %v", call, op, err)
	}
	writeJSON(w, status, body)
}

func fillPath(template string, params map[string]string) string {
	for name, v := range params {
		template = strings.ReplaceAll(template, "{"+name+"}", v)
	}
	return template
}

// specAnswer is the answer to operation op: lists give one record on a first page and none on
// a second, so that the cursor is exercised too.
func specAnswer(op string, q url.Values) (int, string) {
	lists := map[string]string{
		"listClients": clientJSON, "listProjects": projectJSON, "listPeople": personJSON, "listRoles": roleJSON,
		"listContracts": contractJSON, "listAssignments": assignmentJSON, "listActuals": actualJSON,
		"listProjectTags": projectTagJSON,
	}
	if record, ok := lists[op]; ok {
		if q.Get("cursor") == "" {
			return 200, `{"values":[` + record + `],"nextCursor":"eyJpZCI6NzMwMTV9"}`
		}
		return 200, emptyPage
	}
	switch op {
	case "createClient":
		return 201, clientJSON
	case "createProject":
		return 201, projectJSON
	case "createPerson":
		return 201, personFullJSON
	case "createRole":
		return 201, roleJSON
	case "addProjectTagToProject":
		return 201, projectTagJSON
	case "createActual":
		return 201, actualJSON
	case "createActualsBulk":
		return 200, "[" + actualJSON + "]"
	case "getCurrentUser":
		return 200, `{"name":"Halvorsen Group"}`
	case "getClient", "updateClient":
		return 200, clientJSON
	case "getProject", "updateProject":
		return 200, projectJSON
	case "getPerson", "updatePerson":
		return 200, personFullJSON
	}
	return 404, runnError(404, "not answered by this test")
}

// TestEverythingSentValidatesAgainstTheSpec calls every method of the client, with inputs both
// full and minimal, against a server that validates each request with kin-openapi, and checks
// that the spec-shaped answers decode as they should.
func TestEverythingSentValidatesAgainstTheSpec(t *testing.T) {
	srv := newSpecServer(t)
	c := newTestAPI(t, srv.URL)
	ctx := context.Background()

	clients, err := c.ListClients(ctx)
	checkDecoded(t, "ListClients", clients, []Client{wantClient()}, err)
	projects, err := c.ListProjects(ctx)
	checkDecoded(t, "ListProjects", projects, []Project{wantProject()}, err)
	people, err := c.ListPeople(ctx)
	checkDecoded(t, "ListPeople", people, []Person{wantPerson()}, err)
	roles, err := c.ListRoles(ctx)
	checkDecoded(t, "ListRoles", roles, []Role{wantRole()}, err)
	contracts, err := c.ListContracts(ctx)
	checkDecoded(t, "ListContracts", contracts, []Contract{wantContract()}, err)
	assignments, err := c.ListAssignments(ctx)
	checkDecoded(t, "ListAssignments", assignments, []Assignment{wantAssignment()}, err)
	actuals, err := c.ListActuals(ctx, "2025-07-01", "2025-07-31")
	checkDecoded(t, "ListActuals", actuals, []Actual{wantActual()}, err)
	actuals, err = c.ListActuals(ctx, "", "")
	checkDecoded(t, "ListActuals unbounded", actuals, []Actual{wantActual()}, err)
	tags, err := c.ListProjectTags(ctx)
	checkDecoded(t, "ListProjectTags", tags, []ProjectTag{wantProjectTag()}, err)
	people, err = c.FindPeopleByExternalID(ctx, "4410982")
	checkDecoded(t, "FindPeopleByExternalID", people, []Person{wantPerson()}, err)
	projects, err = c.FindProjectsByExternalID(ctx, "40119877")
	checkDecoded(t, "FindProjectsByExternalID", projects, []Project{wantProject()}, err)
	name, err := c.Me(ctx)
	checkDecoded(t, "Me", name, "Halvorsen Group", err)
	for _, ep := range Endpoints() {
		var counts []int
		err := c.ListPages(ctx, ep, url.Values{"modifiedAfter": {"2025-07-01T00:00:00Z"}}, func(p Page) error {
			counts = append(counts, p.Count)
			return nil
		})
		checkDecoded(t, "ListPages "+string(ep), counts, []int{1, 0}, err)
	}

	// Each create sends the reference its answer carries: the client trusts no other answer.
	role, err := c.CreateRole(ctx, RoleInput{Name: "Senior Structural Engineer", References: harvestRef("5512")})
	checkDecoded(t, "CreateRole", role, wantRole(), err)
	role, err = c.CreateRole(ctx, RoleInput{Name: "Senior Structural Engineer"})
	checkDecoded(t, "CreateRole minimal", role, wantRole(), err)
	client, err := c.CreateClient(ctx, ClientInput{Name: "Halvorsen Marine AS", Website: "https://halvorsen-marine.example",
		References: harvestRef("11873302")})
	checkDecoded(t, "CreateClient", client, wantClient(), err)
	client, err = c.CreateClient(ctx, ClientInput{Name: "Halvorsen Marine AS"})
	checkDecoded(t, "CreateClient minimal", client, wantClient(), err)
	project, err := c.CreateProject(ctx, ProjectInput{Name: "Harbour Terminal BIM Rollout", ClientID: 73015,
		IsConfirmed: ptr(true), Budget: ptr(185000.0), PricingModel: "fp", References: harvestRef("40119877")})
	checkDecoded(t, "CreateProject", project, wantProject(), err)
	project, err = c.CreateProject(ctx, ProjectInput{Name: "Harbour", ClientID: 73015})
	checkDecoded(t, "CreateProject minimal", project, wantProject(), err)
	person, err := c.CreatePerson(ctx, PersonInput{FirstName: "Ingrid", LastName: "Nakamura",
		Email: "ingrid.nakamura@example.com", References: harvestRef("4410982"), RoleID: 21877, StartDate: "2025-01-15",
		EmploymentType: "contractor", CostPerHour: ptr(0.0), MinutesPerDay: ptr(450.0),
		RosteredDays: &RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450}})
	checkDecoded(t, "CreatePerson", person, wantPerson(), err)
	person, err = c.CreatePerson(ctx, PersonInput{FirstName: "Ingrid", LastName: "Nakamura", RoleID: 21877})
	checkDecoded(t, "CreatePerson minimal", person, wantPerson(), err)
	checkDecoded(t, "AddProjectTag", nil, nil, c.AddProjectTag(ctx, 9031, 402288))
	actualIn := ActualInput{Date: "2025-07-09", BillableMinutes: 375, NonbillableMinutes: 45, PersonID: 880451,
		ProjectID: 402288, RoleID: 21877}
	actual, err := c.CreateActual(ctx, actualIn)
	checkDecoded(t, "CreateActual", actual, wantActual(), err)
	withStream := actualIn
	withStream.WorkstreamID = ptr[int64](77)
	actual, err = c.CreateActual(ctx, withStream)
	checkDecoded(t, "CreateActual with a workstream", actual, wantActual(), err)
	batch := slices.Repeat([]ActualInput{actualIn, withStream}, MaxBulkActuals/2)
	written, err := c.CreateActualsBulk(ctx, batch)
	checkDecoded(t, "CreateActualsBulk", written, []Actual{wantActual()}, err)

	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, p := range srv.problems {
		t.Error(p)
	}
	var ops []string
	for op := range srv.ops {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	wantOps := []string{"addProjectTagToProject", "createActual", "createActualsBulk", "createClient", "createPerson",
		"createProject", "createRole", "getCurrentUser", "listActuals", "listAssignments", "listClients",
		"listContracts", "listPeople", "listProjectTags", "listProjects", "listRoles"}
	if diff := cmp.Diff(wantOps, ops); diff != "" {
		t.Errorf("operations called (-want +got):\n%s", diff)
	}
}

// TestSpecServerCatchesMistakes shows the validating server is not a rubber stamp: each request
// below breaks the spec in one way, and each must be reported.
func TestSpecServerCatchesMistakes(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		want                     string
	}{
		{"no trailing slash", "GET", "/roles?limit=5", "", nil, "not the spec's /roles/"},
		{"no accept-version", "GET", "/roles/", "", map[string]string{"Accept-Version": ""}, "accept-version"},
		{"wrong token", "GET", "/roles/", "", map[string]string{"Authorization": "Bearer nope"}, "security"},
		{"missing sortBy", "GET", "/clients/", "", nil, "sortBy"},
		{"limit too large", "GET", "/actuals/?limit=501", "", nil, "limit"},
		{"unknown query parameter", "GET", "/roles/?externalId=4", "", nil, `"externalId" is not in the spec`},
		{"PATCH a contract", "PATCH", "/contracts/1", `{"endDate":"2025-01-01"}`, nil, "no such operation"},
		{"PATCH a reference without externalId", "PATCH", "/clients/1", `{"references":[{"referenceName":"Harvest"}]}`, nil, "externalId"},
		{"bulk client create", "POST", "/clients/bulk/", `{}`, nil, "no such operation"},
		{"bulk over 100", "POST", "/actuals/bulk/", `{"actuals":[` + strings.TrimSuffix(strings.Repeat(
			`{"date":"2025-07-01","billableMinutes":1,"nonbillableMinutes":0,"personId":1,"projectId":1,"roleId":1},`, 101), ",") + `]}`,
			nil, "maximum number of items is 100"},
		{"person without roleId", "POST", "/people/", `{"firstName":"A","lastName":"B"}`, nil, "roleId"},
		{"null email", "POST", "/people/", `{"firstName":"A","lastName":"B","roleId":1,"email":null}`, nil, "email"},
		{"negative minutes", "POST", "/actuals/", `{"date":"2025-07-01","billableMinutes":-1,"nonbillableMinutes":0,"personId":1,"projectId":1,"roleId":1}`, nil, "billableMinutes"},
	}
	router := specRouter(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newSpecServerWith(t, router)
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Accept-Version", "1.0.0")
			req.Header.Set("Accept", "application/json")
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			srv.mu.Lock()
			defer srv.mu.Unlock()
			all := strings.Join(srv.problems, "\n")
			if !strings.Contains(all, tt.want) {
				t.Errorf("problems reported:\n%s\nwant one mentioning %q", all, tt.want)
			}
		})
	}
}
