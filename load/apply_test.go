package load

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
)

// An uninterrupted load of the scenario: every record created once with the body the rules
// prescribe, references resolved through records created in the same run, every actual written,
// the fewest requests possible, and a trail that holds every intent, answer and body.
func TestApplyScenario(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	runID := planRun(t, w, seed, scenarioPlan())
	srv := startFake(t, seed, runntestOpts())
	api := newClient(t, srv, nil, nil)

	res, err := applyRun(t, w, api, runID)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got := len(srv.Requests()); got != scenarioRequests {
		t.Errorf("%d requests, want %d (4 reads before creating, 10 creates, 3 bulk calls)", got, scenarioRequests)
	}
	tot := res.Totals()
	if tot.Planned != 260 || tot.Applied != 260 || tot.Rejected+tot.Skipped+tot.AlreadyDone+tot.Reconciled != 0 || len(res.Rejected) != 0 {
		t.Errorf("totals = %+v, rejected %v", tot, res.Rejected)
	}

	st := srv.State()
	role := func(name string) runn.Role {
		for _, r := range st.Roles {
			if r.Name != nil && *r.Name == name {
				return r
			}
		}
		t.Fatalf("no role %q in Runn", name)
		return runn.Role{}
	}
	qa, unknown := role("QA Engineer"), role("Unknown")
	if len(qa.References) != 1 || qa.References[0].ExternalID != "503" || len(unknown.References) != 0 {
		t.Errorf("role references: QA %v, Unknown %v", qa.References, unknown.References)
	}
	byRef := map[string]int64{}
	for _, c := range st.Clients {
		byRef["client "+c.References[0].ExternalID] = c.ID
	}
	for _, p := range st.Projects {
		byRef["project "+p.References[0].ExternalID] = p.ID
		switch p.References[0].ExternalID {
		case "201":
			if p.ClientID != byRef["client 12"] || p.Budget == nil || *p.Budget != 10000 || !p.IsConfirmed || p.PricingModel != "tm" {
				t.Errorf("project 201 = %+v, want client %d, budget 10000, confirmed, tm", p, byRef["client 12"])
			}
		case "202":
			if p.ClientID != 73001 || p.Budget != nil || p.PricingModel != "fp" {
				t.Errorf("project 202 = %+v: want client 73001, no budget, fp", p)
			}
		}
	}
	for _, p := range st.People {
		byRef["person "+p.References[0].ExternalID] = p.ID
	}
	for _, c := range st.Contracts {
		switch c.PersonID {
		case byRef["person 2001"]:
			if c.RoleID != qa.ID || c.StartDate != "2025-01-06" || c.EmploymentType != "contractor" || *c.CostPerHour != 55.5 {
				t.Errorf("contract of 2001 = %+v", c)
			}
		case byRef["person 2002"]:
			if c.RoleID != unknown.ID {
				t.Errorf("2002's role is %d, want Unknown %d", c.RoleID, unknown.ID)
			}
		case byRef["person 2003"]:
			if c.RoleID != 21801 || *c.CostPerHour != 0 {
				t.Errorf("contract of 2003 = %+v: a cost of 0 is a value and is sent (R5)", c)
			}
		}
	}
	if len(st.Roles) != 4 || len(st.Clients) != 3 || len(st.Projects) != 5 || len(st.People) != 5 {
		t.Errorf("Runn holds %d roles, %d clients, %d projects, %d people; want 4, 3, 5, 5",
			len(st.Roles), len(st.Clients), len(st.Projects), len(st.People))
	}
	want := map[string]bool{
		fmt.Sprintf("2025-05-01 p%d j%d r%d = 0/0", byRef["person 2001"], byRef["project 201"], qa.ID):    true,
		fmt.Sprintf("2025-05-02 p%d j%d r21801 = 18/0", byRef["person 2003"], byRef["project 202"]):       true,
		"2025-05-05 p880001 j402001 r21801 = 148/44":                                                      true,
		fmt.Sprintf("2025-05-02 p880002 j%d r21802 = 0/37", byRef["project 203"]):                         true,
		"2025-06-02 p880002 j402001 r21802 = 0/0":                                                         true,
		fmt.Sprintf("2025-06-18 p%d j%d r%d = 48/336", byRef["person 2001"], byRef["project 201"], qa.ID): true,
	}
	var got []string // by Runn's own ids
	for _, a := range st.Actuals {
		got = append(got, fmt.Sprintf("%s p%d j%d r%d = %g/%g", a.Date, a.PersonID, a.ProjectID, a.RoleID, a.BillableMinutes, a.NonbillableMinutes))
	}
	if len(got) != 250 {
		t.Errorf("Runn holds %d actuals, want 250 (the 6 typed by hand are on keys the run overwrites)", len(got))
	}
	for _, k := range got {
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("actuals missing from Runn: %v", want)
	}

	// The trail: one confirmed attempt per change, each request's body as sent, the R11 keys.
	trail, err := Trail(ctx, w.DB, runID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, r := range trail {
		kinds[r.Kind]++
		if r.Status != statusConfirmed || r.RunnID == nil || r.RequestID == nil || r.HTTPStatus == nil || len(r.Body) == 0 {
			t.Fatalf("trail row %+v is not a confirmed, answered attempt with its body", r)
		}
	}
	if kinds[KindActual] != 250 || kinds[KindPerson] != 3 || kinds[KindRole] != 2 {
		t.Errorf("trail attempts per kind = %v", kinds)
	}
	var people struct {
		FirstName string           `json:"firstName"`
		Email     *string          `json:"email"`
		Cost      *float64         `json:"costPerHour"`
		Refs      []runn.Reference `json:"references"`
	}
	for _, r := range trail {
		if r.TargetKey == "harvest:2002" {
			if err := json.Unmarshal(r.Body, &people); err != nil {
				t.Fatal(err)
			}
			if people.FirstName != "Dee" || people.Email != nil || people.Cost != nil || people.Refs[0].ExternalID != "2002" {
				t.Errorf("body of 2002's create = %s: email and costPerHour must be left out (R5)", r.Body)
			}
		}
	}
	var keys int
	if err := w.DB.GetContext(ctx, &keys, `SELECT count(*) FROM audit.actual_keys WHERE run_id = ? AND how = 'written'`, runID); err != nil || keys != 250 {
		t.Errorf("audit.actual_keys holds %d written keys (%v), want 250", keys, err)
	}
	assertNoToken(t, w.DB)

	// Loading the run again sends nothing: everything is confirmed already.
	before := len(srv.Requests())
	res, err = applyRun(t, w, api, runID)
	if err != nil || res.Totals().AlreadyDone != 260 || len(srv.Requests()) != before {
		t.Errorf("second load: %v, totals %+v, %d more requests", err, res.Totals(), len(srv.Requests())-before)
	}
}

// R11's bookkeeping: written keys with the minutes written; the run's keys found equal are
// recorded as found_equal when the run is applied, once however often it is loaded.
func TestActualKeysBookkeeping(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	p := Plan{Actuals: resolvedActuals(scenarioPlan())[2:4]}
	runID := planRun(t, w, seed, p)
	if _, err := w.DB.ExecContext(ctx, `INSERT INTO plan.rpt_actuals_found_equal VALUES
		(?, DATE '2025-05-06', 880001, 402001, 21801, 240, 15), (?, DATE '2025-05-07', 880001, 402001, 21801, 240, 30)`, runID, runID); err != nil {
		t.Fatal(err)
	}
	srv := startFake(t, seed, runntestOpts())
	api := newClient(t, srv, nil, nil)
	for range 2 {
		res, err := applyRun(t, w, api, runID)
		if err != nil || res.FoundEqual != 2 {
			t.Fatalf("Apply: %v, found equal %d", err, res.FoundEqual)
		}
	}
	var rows []string
	if err := w.DB.SelectContext(ctx, &rows, `SELECT how || ' ' || strftime(date, '%Y-%m-%d') || ' ' || runn_person_id || ' ' || runn_project_id || ' ' ||
		runn_role_id || ' ' || billable_minutes || '/' || nonbillable_minutes FROM audit.actual_keys WHERE run_id = ? ORDER BY ALL`, runID); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"found_equal 2025-05-06 880001 402001 21801 240/15",
		"found_equal 2025-05-07 880001 402001 21801 240/30",
		"written 2025-05-02 880001 402001 21801 37/11",
		"written 2025-05-02 880002 402001 21802 0/0",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit.actual_keys =\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// A plan with nothing to send (a no-change day) is recorded as any load is, in one transaction:
// the load a dead process left running is closed, the new one is registered and finished, and
// the keys found equal (R11) are recorded; nothing reaches Runn.
func TestApplyNothing(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	runID := planRun(t, w, seed, Plan{})
	if _, err := w.DB.ExecContext(ctx, `INSERT INTO plan.rpt_actuals_found_equal VALUES
		(?, DATE '2025-05-06', 880001, 402001, 21801, 240, 15)`, runID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.ExecContext(ctx, `INSERT INTO audit.loads (load_id, run_id, mode, status) VALUES (7, ?, 'apply', 'running')`, runID); err != nil {
		t.Fatal(err)
	}
	srv := startFake(t, seed, runntestOpts())
	res, err := applyRun(t, w, newClient(t, srv, nil, nil), runID)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if res.LoadID != 8 || res.FoundEqual != 1 || res.Totals().Planned != 0 || res.Counts == nil {
		t.Errorf("Apply = load %d, found equal %d, totals %+v, counts %v; want load 8, 1 found equal, nothing planned, counts []",
			res.LoadID, res.FoundEqual, res.Totals(), res.Counts)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached Runn, want none", n)
	}
	var loads []string
	if err := w.DB.SelectContext(ctx, &loads, `SELECT load_id || ' ' || status || ' ' || coalesce(planned::VARCHAR, '-') || ' ' ||
		coalesce(requests::VARCHAR, '-') || ' ' || (finished_at IS NOT NULL) FROM audit.loads ORDER BY load_id`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"7 failed - - true", "8 succeeded 0 0 true"}; !slices.Equal(loads, want) {
		t.Errorf("audit.loads = %q, want %q", loads, want)
	}
	var keys int
	if err := w.DB.GetContext(ctx, &keys, `SELECT count(*) FROM audit.actual_keys WHERE run_id = ? AND how = 'found_equal'`, runID); err != nil || keys != 1 {
		t.Errorf("found_equal keys = %d (%v), want 1", keys, err)
	}
}

// A dry run shows the plan per kind and rule with its first rows, and sends and records nothing.
func TestDryRun(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	runID := planRun(t, w, scenarioSeed(), scenarioPlan())
	res, err := Apply(ctx, w, nil, Options{RunID: runID, DryRun: true, SampleRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range res.Counts {
		got[c.Kind+" "+c.Rule] = c.Planned
	}
	want := map[string]int{"role R6": 2, "client R2 R3": 2, "project R2 R4": 3, "person R2 R5 R6": 3, "actual R10": 200, "actual R11": 50}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts = %v, want %v", got, want)
	}
	if a, ok := res.Samples[KindActual].([]ActualChange); !ok || len(a) != 2 || a[0].Date != "2025-05-01" {
		t.Errorf("actual samples = %#v", res.Samples[KindActual])
	}
	var n int
	if err := w.DB.GetContext(ctx, &n, `SELECT (SELECT count(*) FROM audit.writes) + (SELECT count(*) FROM audit.loads)`); err != nil || n != 0 {
		t.Errorf("a dry run recorded %d rows (%v)", n, err)
	}
}

// Loads the plan must not send: no plan, failed audits, a reverted run, an older run than one
// already loaded.
func TestApplyRefuses(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	srv := startFake(t, seed, runntestOpts())
	api := newClient(t, srv, nil, nil)
	p := Plan{Actuals: resolvedActuals(scenarioPlan())[:3]}
	old, newer := planRun(t, w, seed, p), planRun(t, w, seed, p)
	if _, err := applyRun(t, w, api, newer); err != nil {
		t.Fatal(err)
	}
	audited := planRun(t, w, seed, p)
	if _, err := w.DB.ExecContext(ctx, `INSERT INTO meta.transforms (run_id, status, transformed_at) VALUES (?, 'audit_failed', now() + INTERVAL 1 SECOND)`, audited); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		run  int64
		want string
	}{
		{99, "run 99 has no plan: run `harvest2runn transform --run 99` first"},
		{audited, "failed its audits"},
		{old, fmt.Sprintf("run %d was loaded after run %d", newer, old)},
	} {
		before := len(srv.Requests())
		_, err := applyRun(t, w, api, tc.run)
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(srv.Requests()) != before {
			t.Errorf("run %d: err %v, want %q and nothing sent", tc.run, err, tc.want)
		}
	}
	// A dry run shows the plan, and says the load would refuse it.
	res, err := Apply(ctx, w, nil, Options{RunID: old, DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "was loaded after") || res.Totals().Planned != 3 {
		t.Errorf("dry run of run %d: %v, totals %+v", old, err, res.Totals())
	}
	// Told that it writes old data (replay --apply --i-know-this-writes-old-data), it sends.
	before := len(srv.Requests())
	if _, err := Apply(ctx, w, api, Options{RunID: old, OldData: true}); err != nil || len(srv.Requests()) == before {
		t.Errorf("old run %d with OldData: %v, %d requests", old, err, len(srv.Requests())-before)
	}
}

// assertNoToken fails when the API token appears anywhere in the audit trail.
func assertNoToken(t *testing.T, db interface {
	GetContext(ctx context.Context, dest any, q string, args ...any) error
}) {
	t.Helper()
	for _, table := range []string{"audit.requests", "audit.responses", "audit.writes", "audit.outcomes", "audit.loads"} {
		var n int
		if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM `+table+` AS t WHERE t::VARCHAR LIKE '%' || ? || '%'`, testToken); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Errorf("the token appears in %d rows of %s", n, table)
		}
	}
}

// An old plan sent on purpose (replay --apply --i-know-this-writes-old-data) reads Runn before
// each create: what a later run created since is found, not created a second time.
func TestOldPlanLooksBeforeCreating(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	srv := startFake(t, seed, runntestOpts())
	api := newClient(t, srv, nil, nil)
	p := scenarioPlan()
	old, newer := planRun(t, w, seed, p), planRun(t, w, seed, p)
	if _, err := applyRun(t, w, api, newer); err != nil {
		t.Fatal(err)
	}
	before := srv.State()
	if _, err := Apply(ctx, w, api, Options{RunID: old, OldData: true}); err != nil {
		t.Fatalf("old plan: %v", err)
	}
	after := srv.State()
	for kind, n := range map[string][2]int{
		"roles":    {len(before.Roles), len(after.Roles)},
		"clients":  {len(before.Clients), len(after.Clients)},
		"projects": {len(before.Projects), len(after.Projects)},
		"people":   {len(before.People), len(after.People)},
	} {
		if n[0] != n[1] {
			t.Errorf("%s: %d before the old plan, %d after: created again", kind, n[0], n[1])
		}
	}
}
