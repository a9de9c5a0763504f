package load

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// refsIn counts, per "kind id", the Runn records carrying each Harvest reference.
func refsIn(st *runntest.State) map[string]int {
	out := map[string]int{}
	add := func(kind string, refs []runn.Reference) {
		for _, r := range refs {
			if strings.EqualFold(r.ReferenceName, runn.HarvestReferenceName) {
				out[kind+" "+r.ExternalID]++
			}
		}
	}
	for _, r := range st.Roles {
		add("role", r.References)
	}
	for _, c := range st.Clients {
		add("client", c.References)
	}
	for _, p := range st.Projects {
		add("project", p.References)
	}
	for _, p := range st.People {
		add("person", p.References)
	}
	return out
}

func lowerRef(id string) []runn.Reference {
	return []runn.Reference{{ReferenceName: "harvest", ExternalID: id}}
}

// R17, R1: the run's snapshot of Runn was stale (records added since, by hand or by another run)
// and incomplete (it missed a person Runn had all along, as an empty /people/ answer would).
// Right before creating each kind, the load reads Runn: a record carrying the Harvest reference
// (any case of "Harvest"; the lowest id of two) or, for a role without one, R6's name, is
// adopted: not created, its id used by what refers to it, audited and counted as adopted.
func TestR17CreatesAdoptWhatRunnHas(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	p := scenarioPlan()
	// Planned from a snapshot that lacked Ann (880001 carries Harvest user 1001).
	p.People = append(p.People, PersonChange{HarvestUserID: 1001, FirstName: "Ann", LastName: "Archer", RunnRoleID: testkit.Ptr[int64](21801),
		EmploymentType: testkit.Ptr("employee"), StartDate: testkit.Ptr("2025-01-01"), Rule: "R2 R5 R6"})
	runID := planRun(t, w, seed, p)
	srv := startFake(t, seed, runntestOpts())
	api := newClient(t, srv, nil, nil)

	// After the snapshot: records added to Runn.
	must := func(id int64, err error) int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	byName := must(func() (int64, error) {
		r, err := api.CreateRole(ctx, runn.RoleInput{Name: "QA Engineer"})
		return r.ID, err
	}())
	qa := must(func() (int64, error) {
		r, err := api.CreateRole(ctx, runn.RoleInput{Name: "QA", References: lowerRef("503")})
		return r.ID, err
	}())
	unknown := must(func() (int64, error) {
		r, err := api.CreateRole(ctx, runn.RoleInput{Name: "  UNKNOWN "})
		return r.ID, err
	}())
	globex := must(func() (int64, error) {
		c, err := api.CreateClient(ctx, runn.ClientInput{Name: "Globex Corp", References: harvestRef(12)})
		return c.ID, err
	}())
	must(func() (int64, error) {
		c, err := api.CreateClient(ctx, runn.ClientInput{Name: "Globex again", References: harvestRef(12)})
		return c.ID, err
	}())
	initech := must(func() (int64, error) {
		r, err := api.CreateProject(ctx, runn.ProjectInput{Name: "Initech (by hand)", ClientID: 73001, IsConfirmed: testkit.Ptr(true), PricingModel: "nb",
			References: harvestRef(203)})
		return r.ID, err
	}())
	dee := must(func() (int64, error) {
		r, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Dee", LastName: "Dunn", RoleID: 21802, References: lowerRef("2002")})
		return r.ID, err
	}())
	before := srv.State()
	beforeRefs, sentBefore := refsIn(before), len(srv.Requests())

	res, err := applyRun(t, w, api, runID)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	after := srv.State()
	afterRefs := refsIn(after)
	for ref, n := range beforeRefs {
		if afterRefs[ref] != n {
			t.Errorf("%s: %d records carry it before the load, %d after: created again", ref, n, afterRefs[ref])
		}
	}
	for _, ref := range []string{"client 13", "project 201", "project 202", "person 2001", "person 2003"} {
		if afterRefs[ref] != 1 {
			t.Errorf("%s: %d records carry it, want 1 (created once)", ref, afterRefs[ref])
		}
	}
	if n := len(after.Roles) - len(before.Roles); n != 0 {
		t.Errorf("%d roles created, want none: QA carries Harvest role 503, UNKNOWN is Unknown by R6's name", n)
	}

	// Adopted ids resolve what refers to them: the project of client 12, the person of role
	// 503 (the role carrying the reference, not the one only named alike), the actuals.
	ids := map[string]int64{}
	for _, pr := range after.Projects {
		ids["project "+pr.References[0].ExternalID] = pr.ID
		if pr.References[0].ExternalID == "201" && pr.ClientID != globex {
			t.Errorf("project 201 created under client %d, want %d (the lowest of the two carrying Harvest client 12)", pr.ClientID, globex)
		}
	}
	for _, pe := range after.People {
		ids["person "+pe.References[0].ExternalID] = pe.ID
	}
	for _, c := range after.Contracts {
		if c.PersonID == ids["person 2001"] && c.RoleID != qa {
			t.Errorf("person 2001 created with role %d, want %d (not %d, only named alike)", c.RoleID, qa, byName)
		}
	}
	on := map[string]bool{}
	for _, a := range after.Actuals {
		switch {
		case a.ProjectID == initech:
			on["project 203"] = true
		case a.PersonID == ids["person 2001"] && a.RoleID == qa:
			on["role 503"] = true
		}
	}
	if !on["project 203"] || !on["role 503"] {
		t.Errorf("actuals on adopted records: %v, want project 203 and role 503", on)
	}

	adopted := map[string]int64{
		"role " + roleTargetKey("qa engineer"): qa, "role " + roleTargetKey("unknown"): unknown,
		"client harvest:12": globex, "project harvest:203": initech, "person harvest:2002": dee, "person harvest:1001": 880001,
	}
	tot := res.Totals()
	if tot.Adopted != len(adopted) || tot.Applied != 5+250 || tot.Planned != 11+250 {
		t.Errorf("totals %+v: want %d adopted, 255 applied of 261", tot, len(adopted))
	}
	// One read per kind, the 5 creates left, 3 bulk calls.
	if n := len(srv.Requests()) - sentBefore; n != 4+5+3 {
		t.Errorf("%d requests, want 12 (4 reads, 5 creates, 3 bulk calls)", n)
	}

	// The trail holds each adoption as a write of its own: confirmed by a read, no request.
	trail, err := Trail(ctx, w.DB, runID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range trail {
		if r.Error == nil || !strings.HasPrefix(*r.Error, "adopted") {
			continue
		}
		if !r.Adopted || r.Status != statusConfirmed || r.How == nil || *r.How != howRead || r.RequestID != nil || r.RunnID == nil {
			t.Errorf("adoption of %s %s: status %s how %v request %v runn id %v", r.Kind, r.TargetKey, r.Status, r.How, r.RequestID, r.RunnID)
			continue
		}
		got[r.Kind+" "+r.TargetKey] = *r.RunnID
	}
	for k, id := range adopted {
		if got[k] != id {
			t.Errorf("trail: %s adopted as %d, want %d", k, got[k], id)
		}
	}
	flagged := 0
	for _, r := range trail {
		if r.Adopted {
			flagged++
		}
	}
	if len(got) != len(adopted) || flagged != len(adopted) {
		t.Errorf("trail holds %d adoptions (%d flagged Adopted), want %d: %v", len(got), flagged, len(adopted), got)
	}
	// A revert lists what the run created: not what it adopted.
	created, err := createdRecords(ctx, w.DB, runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range created {
		if _, ok := adopted[c.Kind+" "+c.Key]; ok {
			t.Errorf("revert would list adopted %s %s as created by the run", c.Kind, c.Key)
		}
	}
	if len(created) != 5 {
		t.Errorf("%d records listed as created, want 5", len(created))
	}

	// Loading again sends nothing, reads nothing: every change is confirmed.
	sent := len(srv.Requests())
	res, err = applyRun(t, w, api, runID)
	if err != nil || res.Totals().AlreadyDone != 261 || len(srv.Requests()) != sent {
		t.Errorf("second load: %v, totals %+v, %d requests", err, res.Totals(), len(srv.Requests())-sent)
	}
}

// R17, R1: two runs of the same plan from two warehouses (two working directories, two locks)
// against one Runn, the first stopped half-way: whichever creates a record first, the other
// adopts it, and Runn ends as after one uninterrupted load: nothing twice.
func TestR17ConcurrentRunsCreateOnce(t *testing.T) {
	want := expectedState(t)
	seed := scenarioSeed()
	srv := startFake(t, seed, runntestOpts())
	w1, w2 := testwarehouse.Open(t), testwarehouse.Open(t)
	run1, run2 := planRun(t, w1, seed, scenarioPlan()), planRun(t, w2, seed, scenarioPlan())

	// The first run stops after its clients are created (2 roles, 2 clients), as its first
	// project is sent: that write is in its trail, unanswered.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := &killer{n: 5, method: http.MethodPost, cancel: cancel}
	if _, err := Apply(ctx, w1, newClient(t, srv, nil, func(rt http.RoundTripper) http.RoundTripper { k.base = rt; return k }),
		Options{RunID: run1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want it stopped", err)
	}
	// The second run, meanwhile, from its own warehouse: adopts the roles and clients.
	res, err := applyRun(t, w2, newClient(t, srv, nil, nil), run2)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if tot := res.Totals(); tot.Adopted != 4 || tot.Applied != 6+250 {
		t.Errorf("second run: totals %+v, want 4 adopted (2 roles, 2 clients), 256 applied", tot)
	}
	// The first run resumes: finds its unanswered projects (those in flight when it stopped) made
	// by the second run, and adopts the other projects and the people the second created.
	res, err = applyRun(t, w1, newClient(t, srv, nil, nil), run1)
	if err != nil {
		t.Fatalf("first run resumed: %v", err)
	}
	if tot := res.Totals(); tot.AlreadyDone != 4 || tot.Reconciled < 1 || tot.Reconciled+tot.Adopted != 6 || tot.Applied != 250 {
		t.Errorf("first run resumed: totals %+v, want 4 already done, 6 reconciled or adopted (at least 1 reconciled), 250 applied", tot)
	}
	if d := diffStates(want, srv.State()); d != "" {
		t.Fatalf("Runn after two runs differs from one uninterrupted load (-want +got):\n%s", d)
	}
}

// R17: when Runn cannot be read right before creating, nothing of that kind is created blind:
// the load stops, and running it again resumes without a duplicate.
func TestR17UnreadableRunnStopsCreates(t *testing.T) {
	want := expectedState(t)
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	runID := planRun(t, w, seed, scenarioPlan())
	srv := startFake(t, seed, runntestOpts())
	// Every attempt of the one read fails (the client tries a call runn.DefaultMaxAttempts times).
	srv.InjectFault(runntest.Fault{Method: "GET", PathPrefix: "/people/", Kind: runntest.ServerError, Status: 503, Times: runn.DefaultMaxAttempts})
	_, err := applyRun(t, w, newClient(t, srv, nil, nil), runID)
	if err == nil || isRejected(err) || !strings.Contains(err.Error(), "read Runn's people before creating 3 of them") {
		t.Fatalf("Apply: %v, want it stopped before creating people", err)
	}
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && (r.Path == "/people/" || r.Path == bulkActualsPath) {
			t.Fatalf("%s %s sent although Runn's people could not be read", r.Method, r.Path)
		}
	}
	if _, err := applyRun(t, w, newClient(t, srv, nil, nil), runID); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if d := diffStates(want, srv.State()); d != "" {
		t.Fatalf("Runn after the stop and the rerun differs from an uninterrupted load (-want +got):\n%s", d)
	}
	assertTrailSettled(t, w.DB, runID)
}
