package runntest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// conformanceCheck sends a request and validates the answer against the operation's
// documented responses, failing on a status the spec does not document.
func conformanceCheck(t *testing.T, s *Server, method, path string, body any, wantStatus int, hdr ...string) string {
	t.Helper()
	r := do(t, s, method, path, body, hdr...)
	if r.status != wantStatus {
		t.Fatalf("%s %s: %d %s, want %d", method, path, r.status, r.body, wantStatus)
	}
	req, err := http.NewRequest(method, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := s.spec.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: no route: %v", method, path, err)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s %s answered %d %s\nwhich does not match the spec: %v", method, path, r.status, r.body, err)
	}
	return route.Operation.OperationID
}

// TestEveryAnswerMatchesTheSpec exercises all 25 operations, including the optional and
// nullable fields both filled and empty, and validates each answer against the spec.
func TestEveryAnswerMatchesTheSpec(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	covered := map[string]bool{}
	ok := func(method, path string, body any, status int) {
		t.Helper()
		covered[conformanceCheck(t, s, method, path, body, status)] = true
	}
	ok("POST", "/clients/", map[string]any{"name": "Fjord Ferries"}, 201)
	ok("POST", "/clients/", map[string]any{"name": "Web", "website": "https://web.example", "references": []any{map[string]any{"referenceName": "Harvest", "externalId": "1"}}}, 201)
	ok("POST", "/roles/", map[string]any{"name": "Drafter"}, 201)
	ok("POST", "/roles/", map[string]any{"name": "Lead", "defaultHourCost": 50.5, "standardRate": 120, "references": []any{map[string]any{"referenceName": "Harvest", "externalId": "2"}}}, 201)
	ok("POST", "/projects/", map[string]any{"name": "Plain", "clientId": 73017}, 201)
	ok("POST", "/projects/", map[string]any{"name": "Full", "clientId": 73015, "budget": 1000.5, "expensesBudget": 10, "teamId": 4, "isConfirmed": true,
		"pricingModel": "fp", "rateType": "days", "managerIds": []int{1, 2}, "references": []any{map[string]any{"referenceName": "Harvest", "externalId": "3"}}}, 201)
	ok("POST", "/people/", map[string]any{"firstName": "Ana", "lastName": "Silva", "roleId": 21877}, 201)
	ok("POST", "/people/", map[string]any{"firstName": "Bo", "lastName": "Li", "roleId": 21877, "email": "bo@example.com", "holidaysGroupId": 3,
		"startDate": "2025-01-01", "endDate": "2025-12-31", "employmentType": "contractor", "costPerHour": 40, "minutesPerDay": 420, "jobTitle": "Surveyor",
		"rosteredDays": map[string]any{"monday": 420, "tuesday": 420, "wednesday": 0, "thursday": 420, "friday": 420}}, 201)
	ok("POST", "/actuals/", actualBody(nil), 201)
	ok("POST", "/actuals/", actualBody(map[string]any{"date": "2025-07-03", "billableNote": "a", "nonbillableNote": "b", "phaseId": 6, "workstreamId": 7}), 201)
	ok("POST", "/actuals/bulk/", bulkOf(3), 200)
	ok("POST", "/project-tags/9031/project/402288", nil, 201)
	harvestRefs := map[string]any{"references": []any{map[string]any{"referenceName": "Harvest", "externalId": "5"}}}
	ok("PATCH", "/clients/73016", harvestRefs, 200)
	ok("PATCH", "/people/880469", harvestRefs, 200)
	ok("PATCH", "/projects/402293", harvestRefs, 200)
	ok("PATCH", "/roles/21877", harvestRefs, 200)

	for _, path := range []string{
		"/actuals/", "/actuals/?limit=1", "/actuals/?minDate=2025-01-01&maxDate=2025-12-31&personId=880451&projectId=402288&roleId=21877&workstreamId=7&sortBy=updatedAt&order=desc&modifiedAfter=2025-01-01",
		"/assignments/", "/assignments/?limit=1&personId=880451&startDate=2025-01-01&endDate=2025-12-31",
		"/clients/?sortBy=id", "/clients/?sortBy=createdAt&limit=1&name=a",
		"/clients/73015", "/clients/73016",
		"/contracts/?sortBy=id", "/contracts/?sortBy=id&limit=1",
		"/me/",
		"/people/", "/people/?limit=1&externalId=4410982", "/people/880451", "/people/880467", "/people/880469",
		"/people/880451/contracts/", "/people/880469/contracts/?limit=1",
		"/people/880451/contracts/current", "/people/880469/contracts/current",
		"/project-tags/", "/project-tags/?includeArchived=true&limit=1",
		"/projects/?includeArchived=true", "/projects/?includeArchived=false&limit=2&name=a",
		"/projects/402288", "/projects/402293",
		"/roles/", "/roles/?limit=1",
	} {
		ok("GET", path, nil, 200)
	}
	var missing []string
	for _, op := range s.ops {
		if !covered[op.id] {
			missing = append(missing, op.id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("operations never exercised: %v", missing)
	}

	// A page with a cursor to follow is valid too (nextCursor a string).
	r := do(t, s, "GET", "/actuals/?limit=1", nil)
	var p page[struct{ ID int64 }]
	r.decode(t, &p)
	if p.NextCursor == nil {
		t.Error("expected a next page")
	}
}

// TestErrorAnswersMatchTheSpec validates the refusals where the spec documents them.
func TestErrorAnswersMatchTheSpec(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	tests := []struct {
		method, path string
		body         any
		status       int
		hdr          []string
	}{
		{"GET", "/actuals/?limit=0", nil, 400, nil},
		{"POST", "/actuals/", actualBody(map[string]any{"projectId": 402289}), 400, nil},
		{"POST", "/actuals/bulk/", bulkOf(101), 400, nil},
		{"GET", "/clients/", nil, 400, nil},
		{"GET", "/projects/", nil, 400, nil},
		{"POST", "/people/", map[string]any{"firstName": "A", "lastName": "B", "roleId": 1}, 400, nil},
		{"POST", "/projects/", map[string]any{"name": "A", "clientId": 1}, 400, nil},
		{"POST", "/roles/", map[string]any{}, 400, nil},
		{"POST", "/project-tags/9031/project/402291", nil, 400, nil},
		{"GET", "/clients/1", nil, 404, nil},
		{"GET", "/people/1", nil, 404, nil},
		{"GET", "/projects/1", nil, 404, nil},
		{"GET", "/people/880467/contracts/current", nil, 404, nil},
		{"GET", "/people/", nil, 401, []string{"Authorization", ""}},
		{"POST", "/clients/", map[string]any{"name": "x"}, 401, []string{"Authorization", "Bearer x"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+strconv.Itoa(tt.status), func(t *testing.T) {
			conformanceCheck(t, s, tt.method, tt.path, tt.body, tt.status, tt.hdr...)
		})
	}
}

// TestEveryErrorHasRunnsShape covers the answers the spec does not document (404 on an
// unknown route, 413, 429, injected 5xx): they still carry Runn's three-field body.
func TestEveryErrorHasRunnsShape(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{RateLimit: 1})
	s.InjectFault(Fault{Kind: ServerError})
	for _, r := range []response{
		do(t, s, "GET", "/me/", nil),     // 500 (fault)
		do(t, s, "GET", "/nowhere", nil), // 429
	} {
		var body map[string]any
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"error", "message", "statusCode"}) || body["statusCode"] != float64(r.status) ||
			body["error"] != http.StatusText(r.status) {
			t.Errorf("%d: body %s", r.status, r.body)
		}
	}
}
