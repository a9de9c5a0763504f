package main

// End-to-end tests of the safety stops (R17), the implausible-time edge case and the escaping
// of text outputs, through the real binary against the fakes.

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

type stopJSON struct {
	Stop     string `json:"stop"`
	Source   string `json:"source"`
	Listing  string `json:"listing"`
	Expected int64  `json:"expected"`
	Got      int64  `json:"got"`
	Lifted   bool   `json:"lifted"`
	Detail   string `json:"detail"`
}

type stopsJSON struct {
	RunID       int64      `json:"run_id"`
	Status      string     `json:"status"`
	SafetyStops []stopJSON `json:"safety_stops"`
}

func (s stopsJSON) has(stop, listing string) bool {
	for _, x := range s.SafetyStops {
		if x.Stop == stop && x.Listing == listing {
			return true
		}
	}
	return false
}

// runnState is Runn's state as JSON, to compare before and after a run that must change nothing.
func runnState(t *testing.T, rsrv *runntest.Server) string {
	t.Helper()
	b, err := json.Marshal(rsrv.State())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// R17 (b), (c): Harvest answering every listing of time entries empty on the second run (a valid,
// self-consistent answer during an incident) stops the run before load: exit 1, the figures in
// the text and JSON outputs and in status, Runn untouched. --allow-large-changes lifts it.
func TestE2ESafetyMassZeroingStopsUntilAllowed(t *testing.T) {
	srv, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 3, People: 12, Projects: 20, TimeEntries: 800}})
	if r := runBin(t, vars, "sync", "--today", "2025-06-27", "--no-autofill"); r.code != exitOK {
		t.Fatalf("first sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, e := range srv.Account().TimeEntries {
		if err := srv.DeleteTimeEntry(e.ID); err != nil {
			t.Fatal(err)
		}
	}
	before, writesBefore := runnState(t, rsrv), writes(rsrv)

	r := runBin(t, vars, "sync", "--today", "2025-06-27", "--no-autofill", "--output", "json")
	var res stopsJSON
	decodeOne(t, r.stdout, &res)
	if r.code != exitFailed || res.Status != "failed" || !res.has("R17c", "owned_keys") || !res.has("R17b", "time_entries") {
		t.Fatalf("second sync: exit %d, %+v\n%s", r.code, res, r.stderr)
	}
	if writes(rsrv) != writesBefore || runnState(t, rsrv) != before {
		t.Fatal("a run stopped by R17 changed Runn")
	}
	if !strings.Contains(lastLine(r.stderr), "--allow-large-changes") {
		t.Errorf("the closing error line does not say how to lift the stop:\n%s", r.stderr)
	}

	r = runBin(t, vars, "sync", "--today", "2025-06-27", "--no-autofill", "--dry-run")
	if r.code != exitFailed || !strings.Contains(r.stdout, "SAFETY STOP (R17)") || !strings.Contains(r.stdout, "R17c") ||
		!strings.Contains(r.stdout, "STOPPED by a safety check (R17)") || strings.Contains(r.stdout, "run the same command again") {
		t.Fatalf("dry run of the same: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	r = runBin(t, vars, "status")
	if !strings.Contains(r.stdout, "SAFETY STOP (R17)") || !strings.Contains(r.stdout, "owned_keys") || strings.Contains(r.stdout, "error: run") {
		t.Errorf("status does not show the stop:\n%s", r.stdout)
	}
	var st stopsJSON
	decodeOne(t, runBin(t, vars, "status", "--output", "json").stdout, &st)
	if !st.has("R17c", "owned_keys") {
		t.Errorf("status --output json: %+v", st)
	}

	r = runBin(t, vars, "sync", "--today", "2025-06-27", "--no-autofill", "--allow-large-changes", "--output", "json")
	decodeOne(t, r.stdout, &res)
	if r.code != exitOK || res.Status != "succeeded" || !res.has("R17c", "owned_keys") {
		t.Fatalf("sync --allow-large-changes: exit %d, %+v\n%s", r.code, res, r.stderr)
	}
	for _, s := range res.SafetyStops {
		if !s.Lifted {
			t.Errorf("stop not marked lifted: %+v", s)
		}
	}
	if writes(rsrv) == writesBefore {
		t.Error("the allowed run wrote nothing: R11's zeros were expected")
	}
}

// R17 (c) guards `load` as well as `sync`: a plan made by `transform` that would zero the keys
// is refused by `load` until --allow-large-changes.
func TestE2ESafetyLoadRefusesTrippedPlan(t *testing.T) {
	srv, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 5, People: 10, Projects: 15, TimeEntries: 600}})
	if r := runBin(t, vars, "sync", "--today", "2025-06-27", "--no-autofill"); r.code != exitOK {
		t.Fatalf("first sync: exit %d\n%s", r.code, r.stderr)
	}
	for _, e := range srv.Account().TimeEntries {
		if err := srv.DeleteTimeEntry(e.ID); err != nil {
			t.Fatal(err)
		}
	}
	if r := runBin(t, vars, "extract", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("extract: exit %d\n%s", r.code, r.stderr)
	}
	if r := runBin(t, vars, "transform", "--no-autofill"); r.code != exitOK {
		t.Fatalf("transform: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	before := writes(rsrv)
	r := runBin(t, vars, "load")
	if r.code != exitFailed || !strings.Contains(r.stdout, "SAFETY STOP") || writes(rsrv) != before {
		t.Fatalf("load of a tripped plan: exit %d, %d writes\n%s\n%s", r.code, writes(rsrv)-before, r.stdout, r.stderr)
	}
	r = runBin(t, vars, "load", "--allow-large-changes")
	if r.code != exitOK || writes(rsrv) == before || !strings.Contains(r.stdout, "lifted by --allow-large-changes") {
		t.Fatalf("load --allow-large-changes: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// A dry run afterwards reports the stop but records nothing: the run stays loaded, its stops
	// lifted, and its extracts a baseline for the next run.
	r = runBin(t, vars, "load", "--dry-run")
	if r.code != exitFailed || !strings.Contains(r.stdout, "SAFETY STOP") {
		t.Errorf("load --dry-run of the tripped plan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var st struct {
		stopsJSON
		LastRun struct {
			Status string `json:"status"`
		} `json:"last_run"`
	}
	decodeOne(t, runBin(t, vars, "status", "--output", "json").stdout, &st)
	if st.LastRun.Status != "succeeded" || len(st.SafetyStops) == 0 {
		t.Fatalf("after a dry run: last run %q, stops %+v", st.LastRun.Status, st.SafetyStops)
	}
	for _, x := range st.SafetyStops {
		if !x.Lifted {
			t.Errorf("a dry run rewrote the stop as not lifted: %+v", x)
		}
	}
}

// Implausible time (R7, R9): a person-day above 24 h is not written and is reported with its
// reason; an absurd entry (1e9 hours) never becomes billions of minutes in Runn.
func TestE2ESafetyImplausibleTimeIsExcluded(t *testing.T) {
	srv, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 7, People: 6, Projects: 8, TimeEntries: 200}})
	acct := srv.Account()
	var tmpl harvest.TimeEntry
	for _, e := range acct.TimeEntries {
		if !e.IsRunning && e.SpentDate >= "2025-06-02" && e.SpentDate <= "2025-06-20" {
			tmpl = e
			break
		}
	}
	if tmpl.ID == 0 {
		t.Fatal("no stopped entry in the window to copy")
	}
	huge := tmpl
	huge.ID, huge.Hours = 0, "1000000000"
	srv.AddTimeEntry(huge)

	r := runBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	var res struct {
		Status     string `json:"status"`
		Exclusions []struct {
			Reason  string `json:"reason"`
			Minutes int64  `json:"minutes"`
		} `json:"exclusions"`
	}
	decodeOne(t, r.stdout, &res)
	if r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	found := false
	for _, x := range res.Exclusions {
		if strings.Contains(x.Reason, "more than 24 h in one day") && x.Minutes >= 60_000_000_000 {
			found = true
		}
	}
	if !found {
		t.Errorf("the 1e9-hour day is not reported as more than 24 h in one day: %+v", res.Exclusions)
	}
	for _, a := range rsrv.State().Actuals {
		if a.BillableMinutes+a.NonbillableMinutes > 1440 {
			t.Fatalf("Runn holds an actual of %v minutes in one day", a.BillableMinutes+a.NonbillableMinutes)
		}
	}
}

// Names from Harvest reach the terminal escaped: a user named with ANSI escapes and a bell shows
// as text in status, never as control characters; JSON output keeps the name exact.
func TestE2ESafetyControlCharactersEscaped(t *testing.T) {
	srv, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 3, People: 5, Projects: 6, TimeEntries: 100}})
	evil := "Mallory\x1b[2J\x1b]0;pwned\x07"
	srv.AddUser(harvest.User{FirstName: evil, LastName: "Q", IsActive: true, Roles: []string{}})
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	r := runBin(t, vars, "status")
	if strings.ContainsAny(r.stdout, "\x1b\x07") {
		t.Fatalf("status printed raw control characters:\n%q", r.stdout)
	}
	if !strings.Contains(r.stdout, `Mallory\x1b[2J\x1b]0;pwned\x07 Q`) {
		t.Errorf("status does not show the escaped name:\n%s", r.stdout)
	}
	var st struct {
		UnknownRoles []struct {
			Name string `json:"person_name"`
		} `json:"people_with_role_unknown"`
	}
	decodeOne(t, runBin(t, vars, "status", "--output", "json").stdout, &st)
	names := []string{}
	for _, p := range st.UnknownRoles {
		if strings.HasPrefix(p.Name, "Mallory") {
			names = append(names, p.Name)
		}
	}
	if want := []string{evil + " Q"}; !reflect.DeepEqual(names, want) {
		t.Errorf("status --output json names %q, want %q", names, want)
	}
}

// The second-run scenario of issue 9: after a good first sync, each way an API misbehaves
// during an incident (an empty Harvest listing, an empty page, a cut-short listing, an empty
// Runn listing of people or actuals) and two runs at once end with Runn exactly as it was, a
// failed run whose report names the stop, and a clean run after them that has nothing to do.
func TestE2ESafetySecondRunLeavesRunnUnchanged(t *testing.T) {
	srv, rsrv, vars, _ := safetyFakes(t)
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("first sync: exit %d\n%s", r.code, r.stderr)
	}
	want := runnState(t, rsrv)

	for _, tc := range []struct {
		name  string
		fault func()
		stop  string // the stop and listing the JSON report must name
	}{
		{"Harvest answers an empty listing of time entries", func() {
			srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.EmptyListing})
		}, "R17b time_entries"},
		{"Harvest sends an empty page mid-listing", func() {
			srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.EmptyPage, AfterPages: 1})
		}, "R17a time_entries"},
		{"Harvest cuts the listing short", func() {
			srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.CutShort, AfterPages: 1})
		}, "R17a time_entries"},
		{"Runn answers an empty listing of actuals", func() {
			rsrv.InjectFault(runntest.Fault{Method: "GET", PathPrefix: "/actuals/", Kind: runntest.EmptyListing})
		}, "R17b actuals"},
		// The stopped run's empty snapshot is not the next run's baseline.
		{"Runn answers an empty listing of actuals a second night", func() {
			rsrv.InjectFault(runntest.Fault{Method: "GET", PathPrefix: "/actuals/", Kind: runntest.EmptyListing})
		}, "R17b actuals"},
		{"Runn answers an empty listing of people", func() {
			rsrv.InjectFault(runntest.Fault{Method: "GET", PathPrefix: "/people/", Kind: runntest.EmptyListing})
		}, "R17b people"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.fault()
			r := runBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
			var res stopsJSON
			decodeOne(t, r.stdout, &res)
			stop, listing, _ := strings.Cut(tc.stop, " ")
			if r.code != exitFailed || res.Status != "failed" || !res.has(stop, listing) {
				t.Errorf("exit %d, %+v, want a failed run stopped by %s\n%s", r.code, res, tc.stop, r.stderr)
			}
			if !strings.Contains(lastLine(r.stderr), "R17") {
				t.Errorf("the closing line does not name the stop: %s", lastLine(r.stderr))
			}
			if got := runnState(t, rsrv); got != want {
				t.Fatalf("Runn changed")
			}
		})
	}

	// Two runs at once on one warehouse: one runs, the other is refused and says by which run.
	a := startBin(t, vars, "sync", "--today", "2025-06-27")
	b := startBin(t, vars, "sync", "--today", "2025-06-27")
	ra, rb := a.wait(t), b.wait(t)
	codes := []int{ra.code, rb.code}
	if !(codes[0] == exitOK || codes[1] == exitOK) || runnState(t, rsrv) != want {
		t.Fatalf("two runs at once: exits %v, Runn changed: %v\n%s\n%s", codes, runnState(t, rsrv) != want, ra.stderr, rb.stderr)
	}
	for _, r := range []result{ra, rb} {
		if r.code != exitOK && !strings.Contains(r.stderr, "in use") {
			t.Errorf("the refused run does not say the warehouse is in use: exit %d\n%s", r.code, r.stderr)
		}
	}

	r := runBin(t, vars, "sync", "--today", "2025-06-27")
	if r.code != exitOK || !strings.Contains(r.stdout, "nothing to send") || runnState(t, rsrv) != want {
		t.Fatalf("the clean run after the incidents: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
