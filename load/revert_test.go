package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// actualMinutes maps each actual's key to its minutes.
func actualMinutes(s *runntest.State) map[string]string {
	out := map[string]string{}
	for _, a := range s.Actuals {
		out[resolvedActualKey(runn.ActualInput{Date: a.Date, PersonID: a.PersonID, ProjectID: a.ProjectID, RoleID: a.RoleID})] =
			fmt.Sprintf("%g/%g", a.BillableMinutes, a.NonbillableMinutes)
	}
	return out
}

// Reverting a run puts every actual it wrote back to what Runn held before it (0 where it held
// none) and keeps the records it created, listing them; a second revert resumes, sending nothing.
func TestRevert(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	runID := planRun(t, w, seed, scenarioPlan())
	srv := startFake(t, seed, runntestOpts())
	api := newClient(t, srv, nil, nil)
	if _, err := applyRun(t, w, api, runID); err != nil {
		t.Fatal(err)
	}
	applied := srv.State()

	// The dry run says what would happen and sends nothing.
	before := len(srv.Requests())
	dry, err := Revert(ctx, w, nil, RevertOptions{RunID: runID, DryRun: true})
	if err != nil || dry.Totals().Planned != 250 || len(dry.Created) != 10 || len(srv.Requests()) != before {
		t.Fatalf("dry run: %v, totals %+v, %d created, %d requests", err, dry.Totals(), len(dry.Created), len(srv.Requests())-before)
	}

	res, err := Revert(ctx, w, api, RevertOptions{RunID: runID, Workers: 2})
	if err != nil {
		t.Fatalf("Revert: %v", err)
	}
	want := actualMinutes(seed)
	for k := range actualMinutes(applied) {
		if _, ok := want[k]; !ok {
			want[k] = "0/0"
		}
	}
	if d := cmp.Diff(want, actualMinutes(srv.State())); d != "" {
		t.Errorf("actuals after revert (-want +got):\n%s", d)
	}
	if got := srv.State(); len(got.People) != len(applied.People) || len(got.Projects) != len(applied.Projects) || len(got.Roles) != len(applied.Roles) {
		t.Error("a revert must not delete the records the run created")
	}
	var created []string
	for _, c := range res.Created {
		created = append(created, c.Kind+" "+c.Key+" "+c.Label)
	}
	if got := strings.Join(created, ", "); got != "role role:qa engineer QA Engineer, role role:unknown Unknown, client harvest:12 Globex, "+
		"client harvest:13 Initech, project harvest:201 Globex Portal, project harvest:202 Acme Mobile, project harvest:203 Initech Internal, "+
		"person harvest:2001 Cid Cole, person harvest:2002 Dee Dunn, person harvest:2003 Eve Evans" {
		t.Errorf("created = %s", got)
	}
	var owned int
	if err := w.DB.GetContext(ctx, &owned, `SELECT count(*) FROM audit.actual_keys WHERE run_id = ?`, runID); err != nil || owned != 0 {
		t.Errorf("after the revert, audit.actual_keys still holds %d keys of run %d (%v): R11 would zero restored values", owned, runID, err)
	}

	before = len(srv.Requests())
	res, err = Revert(ctx, w, api, RevertOptions{RunID: runID})
	if err != nil || res.Totals().AlreadyDone != 250 || len(srv.Requests()) != before {
		t.Errorf("second revert: %v, totals %+v, %d requests", err, res.Totals(), len(srv.Requests())-before)
	}
	if _, err := applyRun(t, w, api, runID); err == nil || !strings.Contains(err.Error(), "was reverted") {
		t.Errorf("loading a reverted run: %v, want a refusal", err)
	}
}

// A revert refuses when a later run wrote some of the same actuals, naming it, unless forced; a
// revert killed midway resumes.
func TestRevertAfterLaterRun(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	srv := startFake(t, seed, runntestOpts())
	api := newClient(t, srv, nil, nil)
	// 150 actuals: two bulk calls.
	first := resolvedActuals(scenarioPlan())
	march, _ := time.Parse(time.DateOnly, "2025-03-01")
	for i := range 50 {
		first = append(first, ActualChange{Date: march.AddDate(0, 0, i).Format(time.DateOnly), RunnPersonID: testkit.Ptr[int64](880001),
			RunnProjectID: testkit.Ptr[int64](402001), RunnRoleID: testkit.Ptr[int64](21801), BillableMinutes: int64(i + 1), Rule: "R10"})
	}
	run1 := planRun(t, w, seed, Plan{Actuals: first})
	if _, err := applyRun(t, w, api, run1); err != nil {
		t.Fatal(err)
	}
	// Run 2 writes two of run 1's keys again, with other minutes, and one key of its own.
	second := []ActualChange{first[10], first[20], {Date: "2025-06-20", RunnPersonID: testkit.Ptr[int64](880001), RunnProjectID: testkit.Ptr[int64](402001),
		RunnRoleID: testkit.Ptr[int64](21801), BillableMinutes: 5, Rule: "R10"}}
	second[0].BillableMinutes, second[1].BillableMinutes = 111, 222
	run2 := planRun(t, w, srv.State(), Plan{Actuals: second})
	if _, err := applyRun(t, w, api, run2); err != nil {
		t.Fatal(err)
	}

	before := len(srv.Requests())
	_, err := Revert(ctx, w, api, RevertOptions{RunID: run1})
	if !errors.Is(err, ErrChangedLater) || !strings.Contains(err.Error(), fmt.Sprintf("run %d (2 actuals)", run2)) || len(srv.Requests()) != before {
		t.Fatalf("revert of run %d: %v, want ErrChangedLater naming run %d and nothing sent", run1, err, run2)
	}
	if _, err := Revert(ctx, w, nil, RevertOptions{RunID: run1, DryRun: true}); !errors.Is(err, ErrChangedLater) {
		t.Errorf("dry run: %v, want ErrChangedLater", err)
	}

	// Forced, and killed at its second bulk call: the rerun finishes the job.
	kctx, cancel := context.WithCancel(ctx)
	defer cancel()
	k := &killer{n: 2, afterApply: true, cancel: cancel}
	killed := newClient(t, srv, nil, func(rt http.RoundTripper) http.RoundTripper { k.base = rt; return k })
	if _, err := Revert(kctx, w, killed, RevertOptions{RunID: run1, Force: true, Workers: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed revert: %v", err)
	}
	res, err := Revert(ctx, w, api, RevertOptions{RunID: run1, Force: true})
	if err != nil || res.Totals().AlreadyDone != 100 {
		t.Fatalf("resumed revert: %v, totals %+v (want the first bulk call's 100 already done)", err, res.Totals())
	}
	want := actualMinutes(seed)
	for _, c := range first {
		k := actualTargetKey(c)
		if _, ok := want[k]; !ok {
			want[k] = "0/0"
		}
	}
	want[actualTargetKey(second[2])] = "5/0" // run 2's own key is not run 1's to revert
	if d := cmp.Diff(want, actualMinutes(srv.State())); d != "" {
		t.Errorf("actuals after the forced revert (-want +got):\n%s", d)
	}
}
