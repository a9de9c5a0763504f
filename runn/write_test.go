package runn

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestCreateActualsBulkSize(t *testing.T) {
	actual := ActualInput{Date: "2025-07-09", BillableMinutes: 60, PersonID: 1, ProjectID: 2, RoleID: 3}
	tests := []struct {
		n       int
		wantErr bool
	}{
		{0, true},
		{1, false},
		{MaxBulkActuals, false},
		{MaxBulkActuals + 1, true},
		{1000, true},
	}
	for _, tt := range tests {
		rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, "["+actualJSON+"]") })
		c := newTestAPI(t, rec.URL)
		batch := make([]ActualInput, tt.n)
		for i := range batch {
			batch[i] = actual
		}
		_, err := c.CreateActualsBulk(context.Background(), batch)
		reqs := rec.requests()
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "nothing was sent") || len(reqs) != 0 {
				t.Errorf("%d actuals: error = %v after %d requests, want a refusal without sending", tt.n, err, len(reqs))
			}
			continue
		}
		if err != nil || len(reqs) != 1 {
			t.Fatalf("%d actuals: error = %v after %d requests", tt.n, err, len(reqs))
		}
		var sent struct{ Actuals []ActualInput }
		if err := json.Unmarshal([]byte(reqs[0].Body), &sent); err != nil || len(sent.Actuals) != tt.n || reqs[0].Path != "/actuals/bulk/" {
			t.Errorf("%d actuals: sent %s %s (%v)", tt.n, reqs[0].Path, reqs[0].Body, err)
		}
	}
}

func TestAddProjectTag(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr error
	}{
		{"added", 201, projectTagJSON, nil},
		{"already there", 400, runnError(400, "Tag sync_off already exists on Project 402288"), nil},
		{"other refusal", 400, runnError(400, "Project with id 402288 not found."), ErrBadRequest},
		{"unknown tag", 404, runnError(404, "Project tag not found"), ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.body) })
			c := newTestAPI(t, rec.URL)
			err := c.AddProjectTag(context.Background(), 9031, 402288)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("AddProjectTag = %v, want %v", err, tt.wantErr)
			}
			reqs := rec.requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/project-tags/9031/project/402288" || reqs[0].Body != "" {
				t.Errorf("requests %+v", reqs)
			}
		})
	}
}

// TestCreateBodiesLeaveOutMissingValues: what Harvest does not have is left out of the body,
// never sent as null, "" or 0 (R4, R5), while a cost of 0 is a value and is sent.
func TestCreateBodiesLeaveOutMissingValues(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/projects/":
			writeJSON(w, 201, projectJSON)
		default:
			writeJSON(w, 201, personFullJSON)
		}
	})
	c := newTestAPI(t, rec.URL)
	ctx := context.Background()
	if _, err := c.CreateProject(ctx, ProjectInput{Name: "Harbour", ClientID: 73015, IsConfirmed: ptr(true), PricingModel: "tm"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePerson(ctx, PersonInput{FirstName: "Ingrid", LastName: "Nakamura", RoleID: 21877,
		CostPerHour: ptr(0.0), EmploymentType: "employee", StartDate: "2024-02-01"}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	want := []string{
		`{"name":"Harbour","clientId":73015,"isConfirmed":true,"pricingModel":"tm"}`,
		`{"firstName":"Ingrid","lastName":"Nakamura","roleId":21877,"startDate":"2024-02-01","employmentType":"employee","costPerHour":0}`,
	}
	for i, w := range want {
		if reqs[i].Body != w {
			t.Errorf("body %d = %s, want %s", i, reqs[i].Body, w)
		}
	}
}

// TestCreatesDecodeTheAnswer checks the created record comes back, and that a failed create
// returns the zero record rather than half of one.
func TestCreatesDecodeTheAnswer(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			writeJSON(w, 201, clientJSON)
			return
		}
		writeJSON(w, 400, runnError(400, "name must NOT have fewer than 1 characters"))
	})
	c := newTestAPI(t, rec.URL)
	got, err := c.CreateClient(context.Background(), ClientInput{Name: "Halvorsen Marine AS"})
	if err != nil || got.ID != 73015 || got.References[0].ExternalID != "11873302" {
		t.Fatalf("CreateClient = %+v, %v", got, err)
	}
	got, err = c.CreateClient(context.Background(), ClientInput{})
	if !errors.Is(err, ErrBadRequest) || got.ID != 0 || !strings.Contains(err.Error(), "fewer than 1 characters") {
		t.Errorf("CreateClient = %+v, %v; want the zero client and Runn's message", got, err)
	}
}
