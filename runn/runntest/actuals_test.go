package runntest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/runn"
)

func TestPostActualUpserts(t *testing.T) {
	s, clock := startServer(t, testSeed(), Options{})
	created := clock.Now()

	r := do(t, s, "POST", "/actuals/", actualBody(map[string]any{"date": "2025-07-07", "billableMinutes": 90, "nonbillableMinutes": 15, "billableNote": "Site visit"}))
	var first runn.Actual
	r.decode(t, &first)
	want := runn.Actual{ID: 55830175, Date: "2025-07-07", BillableMinutes: 90, NonbillableMinutes: 15, BillableNote: testkit.Ptr("Site visit"),
		PersonID: 880451, ProjectID: 402288, RoleID: 21877, CreatedAt: created, UpdatedAt: created}
	if r.status != http.StatusCreated || !cmp.Equal(want, first) {
		t.Fatalf("create: %d %s\n%s", r.status, r.body, cmp.Diff(want, first))
	}

	clock.Advance(time.Hour)
	r = do(t, s, "POST", "/actuals/", actualBody(map[string]any{"date": "2025-07-07", "billableMinutes": 30, "nonbillableMinutes": 0}))
	var second runn.Actual
	r.decode(t, &second)
	want.BillableMinutes, want.NonbillableMinutes, want.UpdatedAt = 30, 0, clock.Now()
	if r.status != http.StatusCreated || !cmp.Equal(want, second) {
		t.Errorf("same key again: minutes must be replaced (not added), id, createdAt and the note kept:\n%s", cmp.Diff(want, second))
	}

	// Another workstream is another key.
	r = do(t, s, "POST", "/actuals/", actualBody(map[string]any{"date": "2025-07-07", "workstreamId": 77}))
	var third runn.Actual
	r.decode(t, &third)
	if third.ID == first.ID {
		t.Error("an actual on another workstream replaced the one without")
	}
	// Fields left out keep what is stored (the note); minutes are always replaced.
	r = do(t, s, "POST", "/actuals/", `{"date":"2025-07-09","billableMinutes":0,"nonbillableMinutes":0,"personId":880451,"projectId":402288,"roleId":21877,"phaseId":null}`)
	var cleared runn.Actual
	r.decode(t, &cleared)
	if cleared.ID != 55830172 || cleared.BillableMinutes != 0 || cleared.BillableNote == nil {
		t.Errorf("rewrite of the seeded actual: %s", r.body)
	}
	if n := len(s.State().Actuals); n != 5 {
		t.Errorf("%d actuals, want 5 (3 seeded + 2 keys)", n)
	}
}

func TestActualRefusals(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string]any
		want      string
	}{
		{"future date", map[string]any{"date": "2025-07-11"}, "Cannot create actual for future date 2025-07-11."},
		{"tentative project", map[string]any{"projectId": 402289}, "Actuals cannot be on a tentative project."},
		{"unknown project", map[string]any{"projectId": 999}, "Project with id 999 not found."},
		{"unknown person", map[string]any{"personId": 998}, "Person with id 998 not found."},
		{"unknown role", map[string]any{"roleId": 997}, "Role with id 997 not found."},
		{"billable minutes on a non-billable project", map[string]any{"projectId": 402290, "billableMinutes": 30}, "non-billable project"},
	}
	s, _ := startServer(t, testSeed(), Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "POST", "/actuals/", actualBody(tt.overrides))
			if r.status != http.StatusBadRequest || !strings.Contains(r.errorBody(t).Message, tt.want) {
				t.Errorf("%d %s, want 400 %q", r.status, r.body, tt.want)
			}
		})
	}
	if n := len(s.State().Actuals); n != 3 {
		t.Errorf("refusals wrote actuals: %d, want 3", n)
	}
	for name, overrides := range map[string]map[string]any{
		"today":                         {"date": testToday},
		"archived project":              {"projectId": 402291},
		"non-billable minutes on an nb": {"projectId": 402290, "billableMinutes": 0, "nonbillableMinutes": 30},
	} {
		if r := do(t, s, "POST", "/actuals/", actualBody(overrides)); r.status != http.StatusCreated {
			t.Errorf("%s: %d %s, want 201", name, r.status, r.body)
		}
	}
}

func TestTodayDefaultsToTheClock(t *testing.T) {
	clock := newFakeClock() // 2025-07-10 09:30 UTC
	s, err := NewServer(testSeed(), Options{Token: testToken, Now: clock.Now, RateLimit: RateLimitDisabled})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := do(t, s, "POST", "/actuals/", actualBody(map[string]any{"date": "2025-07-11"})); r.status != http.StatusBadRequest {
		t.Errorf("tomorrow: %d, want 400", r.status)
	}
	clock.Advance(24 * time.Hour)
	if r := do(t, s, "POST", "/actuals/", actualBody(map[string]any{"date": "2025-07-11"})); r.status != http.StatusCreated {
		t.Errorf("the next day: %d %s, want 201", r.status, r.body)
	}
}

func TestBulkActuals(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	items := []any{
		actualBody(map[string]any{"date": "2025-07-09", "billableMinutes": 400}), // the seeded key: replaced
		actualBody(map[string]any{"date": "2025-07-10", "billableMinutes": 10}),
		actualBody(map[string]any{"date": "2025-07-10", "billableMinutes": 20}), // same key again: the last wins
	}
	r := do(t, s, "POST", "/actuals/bulk/", map[string]any{"actuals": items})
	if r.status != http.StatusOK {
		t.Fatalf("status %d %s, want 200", r.status, r.body)
	}
	var got []runn.Actual
	r.decode(t, &got) // a bare array
	if len(got) != 3 || got[0].ID != 55830172 || got[0].BillableMinutes != 400 || got[1].ID != got[2].ID || got[2].BillableMinutes != 20 {
		t.Errorf("answer %s", r.body)
	}
	st := s.State()
	if len(st.Actuals) != 4 || st.Actuals[3].BillableMinutes != 20 {
		t.Errorf("state after bulk: %+v", st.Actuals)
	}
}

func TestBulkActualsIsAllOrNothing(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	before := s.State()
	items := []any{
		actualBody(map[string]any{"date": "2025-07-01"}),
		actualBody(map[string]any{"projectId": 999}),
		actualBody(map[string]any{"date": "2025-07-02"}),
		actualBody(map[string]any{"date": "2025-08-01"}),
	}
	r := do(t, s, "POST", "/actuals/bulk/", map[string]any{"actuals": items})
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d %s, want 400", r.status, r.body)
	}
	msg := r.errorBody(t).Message
	for _, want := range []string{"2 of 4", "body/actuals/1: Project with id 999 not found.", "body/actuals/3: Cannot create actual for future date 2025-08-01."} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "actuals/0") || strings.Contains(msg, "actuals/2") {
		t.Errorf("message %q names accepted items", msg)
	}
	if diff := cmp.Diff(before, s.State()); diff != "" {
		t.Errorf("a refused bulk changed the state:\n%s", diff)
	}
}
