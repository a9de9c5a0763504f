package runntest

import (
	"net/http"
	"strings"
	"testing"
)

func actualBody(overrides map[string]any) map[string]any {
	b := map[string]any{"date": "2025-07-09", "billableMinutes": 60, "nonbillableMinutes": 0,
		"personId": 880451, "projectId": 402288, "roleId": 21877}
	for k, v := range overrides {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

func bulkOf(n int) map[string]any {
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = actualBody(nil)
	}
	return map[string]any{"actuals": items}
}

// TestRequestsAreValidatedAgainstTheSpec proves each kind of refusal the spec implies.
func TestRequestsAreValidatedAgainstTheSpec(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		path        string
		body        any
		hdr         []string
		wantMessage string // substring; the field and the rule
	}{
		{"accept-version missing", "GET", "/roles/", nil, []string{"Accept-Version", ""}, "headers/accept-version: value is required"},
		{"accept-version not in enum", "GET", "/roles/", nil, []string{"Accept-Version", "2.0.0"}, "headers/accept-version: value is not one of the allowed values"},
		{"sortBy required on clients", "GET", "/clients/", nil, nil, "querystring/sortBy: value is required"},
		{"sortBy required on contracts", "GET", "/contracts/", nil, nil, "querystring/sortBy: value is required"},
		{"includeArchived required on projects", "GET", "/projects/", nil, nil, "querystring/includeArchived: value is required"},
		{"sortBy enum", "GET", "/clients/?sortBy=name", nil, nil, "querystring/sortBy: value is not one of the allowed values"},
		{"order enum", "GET", "/roles/?order=up", nil, nil, "querystring/order"},
		{"limit type", "GET", "/roles/?limit=ten", nil, nil, "querystring/limit: value ten: an invalid integer"},
		{"limit below 1", "GET", "/roles/?limit=0", nil, nil, "querystring/limit: number must be at least 1"},
		{"limit above 200", "GET", "/people/?limit=201", nil, nil, "querystring/limit: number must be at most 200"},
		{"limit above 500 on actuals", "GET", "/actuals/?limit=501", nil, nil, "querystring/limit: number must be at most 500"},
		{"limit above 500 on assignments", "GET", "/assignments/?limit=501", nil, nil, "querystring/limit: number must be at most 500"},
		{"limit above 50 on person contracts", "GET", "/people/880451/contracts/?limit=51", nil, nil, "querystring/limit: number must be at most 50"},
		{"integer filter", "GET", "/actuals/?personId=ingrid", nil, nil, "querystring/personId: value ingrid: an invalid integer"},
		{"date filter", "GET", "/actuals/?minDate=2025-13-01", nil, nil, `querystring/minDate: string doesn't match the format "date"`},
		{"boolean filter", "GET", "/projects/?includeArchived=maybe", nil, nil, "querystring/includeArchived"},
		{"modifiedAfter format", "GET", "/roles/?modifiedAfter=yesterday", nil, nil, "querystring/modifiedAfter"},
		{"path id type", "GET", "/clients/acme", nil, nil, "params/clientId: value acme: an invalid integer"},
		{"required body missing", "POST", "/roles/", nil, nil, "body: value is required but missing"},
		{"optional body missing", "POST", "/clients/", nil, nil, "body: must be object"},
		{"body not json", "POST", "/roles/", `{"name":`, nil, "body"},
		{"wrong content type", "POST", "/roles/", `name=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, "Content-Type"},
		{"required field", "POST", "/people/", map[string]any{"firstName": "A", "lastName": "B"}, nil, `body/roleId: property "roleId" is missing`},
		{"required field of actual", "POST", "/actuals/", actualBody(map[string]any{"date": nil}), nil, `body/date: property "date" is missing`},
		{"required field of bulk item", "POST", "/actuals/bulk/", map[string]any{"actuals": []any{actualBody(map[string]any{"personId": nil})}}, nil, `body/actuals/0/personId: property "personId" is missing`},
		{"required field of project", "POST", "/projects/", map[string]any{"name": "P"}, nil, `body/clientId: property "clientId" is missing`},
		{"field type", "POST", "/actuals/", actualBody(map[string]any{"projectId": "402288"}), nil, "body/projectId: value must be a number"},
		{"field type of role", "POST", "/roles/", map[string]any{"name": 7}, nil, "body/name: value must be a string"},
		{"minimum", "POST", "/actuals/", actualBody(map[string]any{"billableMinutes": -15}), nil, "body/billableMinutes: number must be at least 0"},
		{"enum in body", "POST", "/people/", map[string]any{"firstName": "A", "lastName": "B", "roleId": 21877, "employmentType": "intern"}, nil, "body/employmentType: value is not one of the allowed values"},
		{"enum of pricing model", "POST", "/projects/", map[string]any{"name": "P", "clientId": 73015, "pricingModel": "hourly"}, nil, "body/pricingModel"},
		{"minLength", "POST", "/people/", map[string]any{"firstName": "", "lastName": "B", "roleId": 21877}, nil, "body/firstName: minimum string length is 1"},
		{"minLength of reference", "POST", "/clients/", map[string]any{"name": "C", "references": []any{map[string]any{"referenceName": "Harvest", "externalId": ""}}}, nil, "body/references/0/externalId: minimum string length is 1"},
		{"date format in body", "POST", "/actuals/", actualBody(map[string]any{"date": "09/07/2025"}), nil, `body/date: string doesn't match the format "date"`},
		{"minimum of minutesPerDay", "POST", "/people/", map[string]any{"firstName": "A", "lastName": "B", "roleId": 21877, "minutesPerDay": 0}, nil, "body/minutesPerDay: number must be at least 1"},
		{"bulk maxItems", "POST", "/actuals/bulk/", bulkOf(101), nil, "body/actuals: maximum number of items is 100"},
		{"bulk minItems", "POST", "/actuals/bulk/", bulkOf(0), nil, "body/actuals: minimum number of items is 1"},
		{"bulk item type", "POST", "/actuals/bulk/", map[string]any{"actuals": []any{actualBody(map[string]any{"nonbillableMinutes": "45"})}}, nil, "body/actuals/0/nonbillableMinutes: value must be a number"},
		{"fractional id", "POST", "/actuals/", actualBody(map[string]any{"personId": 880451.5}), nil, "body/personId: must be a whole, non-negative id"},
	}
	s, _ := startServer(t, testSeed(), Options{})
	before := s.State()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, tt.body, tt.hdr...)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d (%s), want 400", r.status, r.body)
			}
			e := r.errorBody(t)
			if e.Error != "Bad Request" || e.StatusCode != 400 || !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("body %s, want Runn's 400 with a message containing %q", r.body, tt.wantMessage)
			}
		})
	}
	if len(s.State().Actuals) != len(before.Actuals) || len(s.State().People) != len(before.People) {
		t.Error("a refused request changed the state")
	}
}

func TestAcceptsWhatTheSpecAllows(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	for _, tt := range []struct{ name, method, path string }{
		{"limit 500 on actuals", "GET", "/actuals/?limit=500"},
		{"limit 200 on projects", "GET", "/projects/?includeArchived=false&limit=200"},
		{"limit 50 on person contracts", "GET", "/people/880451/contracts/?limit=50"},
		{"modifiedAfter as a date", "GET", "/roles/?modifiedAfter=2025-01-01"},
		{"modifiedAfter as a time", "GET", "/roles/?modifiedAfter=2025-01-01T10:00:00Z"},
		{"unknown query parameter ignored", "GET", "/roles/?colour=blue"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := do(t, s, tt.method, tt.path, nil); r.status != http.StatusOK {
				t.Errorf("status %d (%s), want 200", r.status, r.body)
			}
		})
	}
	// Nullable fields may be sent as null, and defaulted ones left out.
	r := do(t, s, "POST", "/actuals/", actualBody(map[string]any{"workstreamId": nil, "phaseId": nil, "billableMinutes": nil}))
	if r.status != http.StatusCreated {
		t.Errorf("actual without billableMinutes: status %d (%s), want 201", r.status, r.body)
	}
	r = do(t, s, "POST", "/actuals/", `{"date":"2025-07-01","nonbillableMinutes":5,"personId":880451,"projectId":402288,"roleId":21877,"workstreamId":null,"phaseId":null}`)
	if r.status != http.StatusCreated {
		t.Errorf("actual with null workstreamId and phaseId: status %d (%s), want 201", r.status, r.body)
	}
}

func TestBearerTokenIsRequired(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	for _, tt := range []struct {
		name string
		auth string
	}{
		{"missing", ""},
		{"wrong token", "Bearer not-the-token"},
		{"token without scheme", testToken},
		{"other scheme", "Basic " + testToken},
		{"token prefix", "Bearer " + testToken[:5]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/me/", "/clients/?sortBy=id"} {
				r := do(t, s, "GET", path, nil, "Authorization", tt.auth)
				if r.status != http.StatusUnauthorized {
					t.Fatalf("%s: status %d, want 401", path, r.status)
				}
				if got, want := strings.TrimSpace(string(r.body)), `{"error":"Unauthorized","message":"Unauthorized","statusCode":401}`; got != want {
					t.Errorf("%s: body %s, want %s", path, got, want)
				}
			}
		})
	}
	// Auth comes before validation: a bad request with a bad token is a 401.
	if r := do(t, s, "GET", "/clients/", nil, "Authorization", "Bearer wrong"); r.status != http.StatusUnauthorized {
		t.Errorf("invalid request with a wrong token: status %d, want 401", r.status)
	}
	if r := do(t, s, "GET", "/me/", nil, "Authorization", "bearer "+testToken); r.status != http.StatusOK {
		t.Errorf("lower-case scheme: status %d, want 200", r.status)
	}
}

func TestOversizedBodyIs413(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	big := `{"name":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	if r := do(t, s, "POST", "/roles/", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", r.status)
	}
}
