package main

// End-to-end tests of the commands' everyday use: the daily cycle, replay, import, exit
// statuses, configuration errors, help, the demo and the schedule.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// The daily cycle of a real account: a dry run first, the first sync, a sync with nothing new,
// then what a user looks at afterwards: status, replay, query, report, prune, import.
func TestE2ESyncDailyCycle(t *testing.T) {
	_, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 3, People: 20, Projects: 40, TimeEntries: 1500}})

	r := runBin(t, vars, "sync", "--dry-run", "--today", "2025-06-27", "--output", "json")
	var dry syncJSON
	decodeOne(t, r.stdout, &dry)
	if r.code != exitOK || !dry.DryRun || dry.RunID != 1 || dry.Status != "succeeded" || dry.planned("person") == 0 || dry.planned("actual") == 0 {
		t.Fatalf("sync --dry-run: exit %d, %+v\n%s", r.code, dry, r.stderr)
	}
	if n := writes(rsrv); n != 0 {
		t.Fatalf("the dry run sent %d writes to Runn", n)
	}
	if dry.Window.From == nil || *dry.Window.From != "2025-05-13" || dry.Window.To != "2025-06-27" || dry.Requests["harvest"].Requests == 0 {
		t.Errorf("dry run window or requests: %+v", dry)
	}

	start := time.Now()
	r = runBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	took := time.Since(start)
	var first syncJSON
	decodeOne(t, r.stdout, &first)
	if r.code != exitOK || first.RunID != 2 || first.Status != "succeeded" || first.applied() == 0 || first.applied() != first.planned("role")+
		first.planned("client")+first.planned("project")+first.planned("person")+first.planned("actual") {
		t.Fatalf("sync: exit %d, %+v\n%s", r.code, first, r.stderr)
	}
	t.Logf("first sync of 20 people, 40 projects: %s wall (binary start included), %d Runn requests", took.Round(time.Millisecond),
		first.Requests["runn"].Requests)
	if took > 30*time.Second {
		t.Errorf("the first sync of a small account took %s", took)
	}
	if len(first.Exclusions) == 0 {
		t.Error("the generated account's exclusions (archived projects, running timers) are not reported")
	}
	for _, tok := range []string{testToken, testRunnToken} {
		if strings.Contains(r.stdout+r.stderr, tok) {
			t.Fatal("a token leaked")
		}
	}
	state := rsrv.State()
	if len(state.People) != first.planned("person") || len(state.Projects) != first.planned("project") {
		t.Errorf("Runn holds %d people and %d projects; the run planned %d and %d", len(state.People), len(state.Projects),
			first.planned("person"), first.planned("project"))
	}

	// R14: nothing changed, nothing is written.
	before := writes(rsrv)
	r = runBin(t, vars, "sync", "--today", "2025-06-27")
	if r.code != exitOK || !strings.Contains(r.stdout, "run 3 (sync, today 2025-06-27, window 2025-05-13 to 2025-06-27") ||
		!strings.Contains(r.stdout, "nothing to send") || writes(rsrv) != before {
		t.Fatalf("second sync: exit %d, %d writes\n%s\n%s", r.code, writes(rsrv)-before, r.stdout, r.stderr)
	}

	r = runBin(t, vars, "status")
	for _, want := range []string{"running now: nothing", "actuals   2025-06-27 (run 3", "last run: 3 (sync, today 2025-06-27) succeeded",
		"people with role Unknown:", "excluded time in run 3's plan (R9)", "rejected records pending (run 3): 0"} {
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q: exit %d\n%s\n%s", want, r.code, r.stdout, r.stderr)
		}
	}
	var st struct {
		LastSync []struct {
			Kind  string `json:"kind"`
			RunID int64  `json:"run_id"`
		} `json:"last_sync"`
		UnknownRoles []struct {
			Name string `json:"person_name"`
		} `json:"people_with_role_unknown"`
	}
	r = runBin(t, vars, "status", "--output", "json")
	decodeOne(t, r.stdout, &st)
	if len(st.LastSync) != 4 || st.LastSync[3].Kind != "actuals" || st.LastSync[3].RunID != 3 || len(st.UnknownRoles) == 0 {
		t.Errorf("status --output json: %+v", st)
	}

	// Replay plans what the run planned, and leaves its plan alone.
	r = runBin(t, vars, "replay", "2")
	if r.code != exitOK || !strings.Contains(r.stdout, "identical to what run 2 planned") {
		t.Fatalf("replay 2: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Run 3 came after run 2's creates: its R17 (b) checks count them, and the replay must too.
	r = runBin(t, vars, "replay", "3")
	if r.code != exitOK || !strings.Contains(r.stdout, "identical to what run 3 planned") {
		t.Fatalf("replay 3: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runBin(t, vars, "replay", "2", "--apply")
	if r.code != exitUsage || !strings.Contains(r.stderr, "add --i-know-this-writes-old-data") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("replay --apply without the confirmation: exit %d %q", r.code, r.stderr)
	}

	r = runBin(t, vars, "query", "SELECT run_id, kind, status FROM meta.runs ORDER BY run_id", "--format", "csv")
	if r.code != exitOK || r.stdout != "run_id,kind,status\n1,sync,succeeded\n2,sync,succeeded\n3,sync,succeeded\n" {
		t.Errorf("query --format csv: exit %d\n%q\n%s", r.code, r.stdout, r.stderr)
	}
	r = runBin(t, vars, "query", "CREATE TABLE meta.mine (x INT)")
	if r.code != exitFailed || !strings.Contains(r.stderr, "read-only") {
		t.Errorf("query that writes: exit %d %s", r.code, r.stderr)
	}
	r = runBin(t, vars, "report", "discrepancies", "--all", "--format", "json")
	var rep struct {
		RunID int64            `json:"run_id"`
		Rows  []map[string]any `json:"discrepancies"`
	}
	decodeOne(t, r.stdout, &rep)
	if r.code != exitOK || len(rep.Rows) == 0 || rep.RunID != 3 {
		t.Errorf("report discrepancies --all: exit %d, %d rows\n%s", r.code, len(rep.Rows), r.stderr)
	}

	r = runBin(t, vars, "prune", "--keep-days", "0", "--keep", "1")
	if r.code != exitOK || !strings.Contains(r.stdout, "run 2 ") || !strings.Contains(r.stdout, "kept run 3: the last successful run") ||
		!strings.Contains(r.stdout, "kept run 1: pinned") {
		t.Fatalf("prune: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runBin(t, vars, "replay", "2")
	if r.code != exitFailed || !strings.Contains(r.stderr, "run 2 cannot be replayed: its raw extracts were pruned") {
		t.Fatalf("replay of a pruned run: exit %d %s", r.code, r.stderr)
	}

	r = runBin(t, vars, "import", "people", "--dry-run", "--output", "json")
	var imp syncJSON
	decodeOne(t, r.stdout, &imp)
	if r.code != exitOK || imp.RunID != 4 || imp.planned("person") != 0 || imp.planned("actual") != 0 {
		t.Fatalf("import people --dry-run: exit %d %+v\n%s", r.code, imp, r.stderr)
	}
}

// A replay whose code is unchanged is identical; one whose original plan differs says how.
func TestE2EReplayShowsDifferences(t *testing.T) {
	t.Parallel()
	_, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 5}})
	if r := runBin(t, vars, "sync", "--dry-run", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: %s", r.stderr)
	}
	// The run's kept plan loses a client: as if the rules had changed since.
	r := runBin(t, vars, "query", "SELECT count(*) AS n FROM plan.chg_runn__clients WHERE run_id = 1", "--format", "csv")
	if r.code != exitOK || r.stdout == "n\n0\n" {
		t.Fatalf("no client planned to tamper with: %s %s", r.stdout, r.stderr)
	}
	testwarehouse.Tamper(t, vars["HARVEST2RUNN_WAREHOUSE"], `DELETE FROM plan.chg_runn__clients WHERE run_id = 1 AND harvest_client_id = (SELECT min(harvest_client_id) FROM plan.chg_runn__clients)`)
	r = runBin(t, vars, "replay", "1", "--output", "json")
	var rep struct {
		Identical bool `json:"identical"`
		Diff      []struct {
			Table        string `json:"table"`
			OnlyReplayed int64  `json:"only_in_replay"`
			OnlyOriginal int64  `json:"only_in_original"`
		} `json:"diff"`
	}
	decodeOne(t, r.stdout, &rep)
	var clients int64
	for _, d := range rep.Diff {
		if d.Table == "plan.chg_runn__clients" {
			clients = d.OnlyReplayed
		} else if d.OnlyReplayed+d.OnlyOriginal != 0 {
			t.Errorf("%s differs too: %+v", d.Table, d)
		}
	}
	if r.code != exitOK || rep.Identical || clients != 1 {
		t.Fatalf("replay: exit %d, %+v\n%s", r.code, rep, r.stderr)
	}
	// The run's own plan is left as it was: the replay ran in a scratch copy.
	r = runBin(t, vars, "replay", "1")
	if !strings.Contains(r.stdout, "DIFFERS from what run 1 planned") || !strings.Contains(r.stdout, "    + harvest_client_id ") {
		t.Fatalf("replay text:\n%s", r.stdout)
	}
	// Applying the replay makes it the run's plan and sends it: every client, the one the kept
	// plan had lost included.
	r = runBin(t, vars, "replay", "1", "--apply", "--i-know-this-writes-old-data", "--output", "json")
	var applied struct {
		Applied struct {
			Counts []struct {
				Kind    string `json:"kind"`
				Planned int    `json:"planned"`
				Applied int    `json:"applied"`
			} `json:"changes"`
		} `json:"applied"`
	}
	decodeOne(t, r.stdout, &applied)
	var sent int
	for _, c := range applied.Applied.Counts {
		if c.Kind == "client" {
			sent = c.Applied
		}
	}
	if r.code != exitOK || sent == 0 || len(rsrv.State().Clients) != sent {
		t.Fatalf("replay --apply: exit %d, %d clients sent, Runn holds %d\n%s", r.code, sent, len(rsrv.State().Clients), r.stderr)
	}
	if r = runBin(t, vars, "replay", "1"); !strings.Contains(r.stdout, "identical to what run 1 planned") {
		t.Errorf("after --apply the run's plan is the replay's:\n%s", r.stdout)
	}
	entries, _ := os.ReadDir(filepath.Dir(vars["HARVEST2RUNN_WAREHOUSE"]))
	for _, e := range entries {
		if strings.Contains(e.Name(), "replay") {
			t.Errorf("the replay left %s behind", e.Name())
		}
	}
}

// import creates the one kind asked for, now, and nothing else.
func TestE2EImport(t *testing.T) {
	t.Parallel()
	_, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 6}})
	r := runBin(t, vars, "import", "clients", "--output", "json")
	var res syncJSON
	decodeOne(t, r.stdout, &res)
	s := rsrv.State()
	if r.code != exitOK || res.planned("client") == 0 || len(s.Clients) != res.planned("client") || len(s.Projects)+len(s.People)+len(s.Actuals) != 0 {
		t.Fatalf("import clients: exit %d, %+v; Runn holds %d clients, %d projects, %d people, %d actuals\n%s", r.code, res,
			len(s.Clients), len(s.Projects), len(s.People), len(s.Actuals), r.stderr)
	}
	if res.Window.From == nil || *res.Window.From != res.Today {
		t.Errorf("an import reads today's time only: window %+v", res.Window)
	}
	var st struct {
		LastSync []struct {
			Kind string `json:"kind"`
		} `json:"last_sync"`
	}
	decodeOne(t, runBin(t, vars, "status", "--output", "json").stdout, &st)
	if len(st.LastSync) != 1 || st.LastSync[0].Kind != "clients" {
		t.Errorf("after importing clients, the last syncs are %+v", st.LastSync)
	}
}

// Exit 1 (interrupted, then resumed with nothing created twice), exit 3 (Runn rejected some
// records), and a run refused while another holds the warehouse.
func TestE2EExitStatusesAndResume(t *testing.T) {
	srv, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 7}})
	// Hold the load at its first person, then stop it as a scheduler or a user would.
	rsrv.InjectFault(runntest.Fault{Method: "POST", PathPrefix: "/people/", Kind: runntest.Delay, Delay: 30 * time.Second})
	run := startBin(t, vars, "sync", "--today", "2025-06-27")
	waitFor(t, "the load's first person", 20*time.Second, func() bool {
		for _, r := range rsrv.Requests() {
			if r.Method == "POST" && r.Path == "/people/" {
				return true
			}
		}
		return false
	})
	busy := runBin(t, vars, "sync", "--today", "2025-06-27")
	if busy.code != exitFailed || !strings.Contains(busy.stderr, "is in use by run 1 since") || !strings.Contains(busy.stderr, "stage load") {
		t.Errorf("a second sync meanwhile: exit %d %q", busy.code, busy.stderr)
	}
	st := runBin(t, vars, "status")
	if st.code != exitOK || !strings.Contains(st.stdout, "running now: run 1 (sync), stage load") {
		t.Errorf("status during a run: exit %d\n%s%s", st.code, st.stdout, st.stderr)
	}
	if err := run.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := run.wait(t)
	if r.code != exitFailed || !strings.Contains(lastLine(r.stderr), "interrupted") || !strings.Contains(r.stdout, "FAILED in the load stage") {
		t.Fatalf("interrupted sync: exit %d\n%s\n%s", r.code, r.stdout, lastLine(r.stderr))
	}
	// People other than the held one may land: creates of one kind go several at once (issue 14).
	projects := len(rsrv.State().Projects)
	if projects == 0 {
		t.Fatalf("before the interrupt, %d projects and %d people landed", projects, len(rsrv.State().People))
	}

	r = runBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	var again syncJSON
	decodeOne(t, r.stdout, &again)
	if r.code != exitOK || again.RunID != 2 || again.planned("project") != 0 || again.planned("person") == 0 {
		t.Fatalf("the rerun: exit %d %+v\n%s", r.code, again, r.stderr)
	}
	refs := map[string]int{}
	s := rsrv.State()
	for _, p := range s.Projects {
		for _, ref := range p.References {
			refs["project "+ref.ExternalID]++
		}
	}
	for _, p := range s.People {
		for _, ref := range p.References {
			refs["person "+ref.ExternalID]++
		}
	}
	for k, n := range refs {
		if n != 1 {
			t.Errorf("%s is in Runn %d times", k, n)
		}
	}
	if len(s.Projects) != projects {
		t.Errorf("the rerun created projects again: %d, then %d", projects, len(s.Projects))
	}
	q := runBin(t, vars, "query", "SELECT run_id, status FROM meta.runs ORDER BY 1", "--format", "csv")
	if q.stdout != "run_id,status\n1,failed\n2,succeeded\n" {
		t.Errorf("runs: %q", q.stdout)
	}

	// Exit 3: an entry dated after Runn's today is refused by Runn; the rest lands.
	q = runBin(t, vars, "query", `SELECT harvest_user_id || ' ' || harvest_project_id AS pair FROM plan.chg_runn__actuals
		WHERE run_id = 2 AND rule = 'R10' AND harvest_user_id IS NOT NULL ORDER BY ALL LIMIT 1`, "--format", "csv")
	pair := strings.TrimSpace(strings.TrimPrefix(q.stdout, "pair\n"))
	var model harvest.TimeEntry
	for _, e := range srv.Account().TimeEntries {
		if !e.IsRunning && fmt.Sprintf("%d %d", e.User.ID, e.Project.ID) == pair {
			model = e
		}
	}
	if model.ID == 0 {
		t.Fatalf("no entry of a written pair %q", pair)
	}
	model.ID, model.SpentDate, model.Hours = 0, "2025-06-28", "1.5"
	model.CreatedAt, model.UpdatedAt, model.Invoice, model.IsBilled, model.IsClosed, model.IsLocked, model.LockedReason = time.Time{}, time.Time{}, nil, false, false, false, nil
	srv.AddTimeEntry(model)
	r = runBin(t, vars, "sync", "--today", "2025-06-28", "--output", "json")
	var partial syncJSON
	decodeOne(t, r.stdout, &partial)
	if r.code != exitRejected || partial.Status != "partial" || len(partial.Rejected) == 0 ||
		!strings.Contains(partial.Rejected[0].Message, "future date") || !strings.Contains(lastLine(r.stderr), "did not land") {
		t.Fatalf("sync with a refused actual: exit %d %+v\n%s", r.code, partial, lastLine(r.stderr))
	}
	st = runBin(t, vars, "status")
	if !strings.Contains(st.stdout, "rejected records pending (run 3): 1") || !strings.Contains(st.stdout, "future date") {
		t.Errorf("status after a rejection:\n%s", st.stdout)
	}
}

// Each configuration mistake of sync: exit 2, one line that says what to do, nothing on stdout,
// no warehouse, nothing sent to Runn.
func TestE2ESyncConfigurationErrors(t *testing.T) {
	t.Parallel()
	srv, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 2, TimeEntries: 100}})
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"missing token", with(vars, "HARVEST_ACCESS_TOKEN", ""), nil, "HARVEST_ACCESS_TOKEN is not set: create a personal access token"},
		{"bad date", vars, []string{"--today", "27/06/2025"}, `--today "27/06/2025" is not a date: use YYYY-MM-DD`},
		{"unreachable URL", with(vars, "RUNN_BASE_URL", "http://127.0.0.1:1"), nil, "cannot reach Runn at http://127.0.0.1:1"},
		{"wrong account id", with(vars, "HARVEST_ACCOUNT_ID", "12"), nil, "check HARVEST_ACCESS_TOKEN and that HARVEST_ACCOUNT_ID"},
		{"unknown kind", vars, []string{"--only", "timesheets"}, `--only "timesheets": use any of clients,projects,people,actuals`},
		{"bad output", vars, []string{"--output", "yaml"}, "use text or json"},
		{"argument", vars, []string{"actuals"}, "kinds go in --only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rsrv.Requests())
			r := runBin(t, tc.vars, append([]string{"sync"}, tc.args...)...)
			if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", r.code, r.stdout, r.stderr, tc.want)
			}
			if n := len(rsrv.Requests()) - before; n > 1 {
				t.Errorf("%d requests to Runn", n)
			}
			if _, err := os.Stat(tc.vars["HARVEST2RUNN_WAREHOUSE"]); err == nil {
				t.Error("the warehouse was created")
			}
		})
	}
	_ = srv
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "give what to import"},
		{[]string{"import", "actuals"}, "actuals come with harvest2runn sync"},
		{[]string{"replay", "x"}, "is not a run id"},
		{[]string{"prune"}, "give --keep-days N"},
		{[]string{"schedule"}, "--at HH:MM"},
		{[]string{"schedule", "--at", "25:00"}, "is not a time of day"},
		{[]string{"schedule", "--at", "02:00", "--tz", "Nowhere/Else"}, "is not a time zone"},
		{[]string{"report", "weekly"}, "harvest2runn report discrepancies"},
		{[]string{"report", "discrepancies", "--week", "W23"}, "ISO week"},
		{[]string{"query"}, "give one SQL query"},
		{[]string{"status", "--output", "xml"}, "use text or json"},
	} {
		r := runBin(t, vars, tc.args...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	// Commands that read need a warehouse, and say where they looked: a configuration error.
	r := runBin(t, vars, "status")
	if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "no warehouse at") {
		t.Errorf("status without a warehouse: exit %d %q", r.code, r.stderr)
	}
}

func TestE2EHelpHasExamples(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		r := runBin(t, nil, c.name, "--help")
		_, example, _ := strings.Cut(r.stdout, "Example:\n")
		if r.code != exitOK || !strings.Contains(example, "  harvest2runn "+c.name+" ") && !strings.Contains(example, "  harvest2runn "+c.name+"\n") {
			t.Errorf("%s --help: exit %d\n%s", c.name, r.code, r.stdout)
		}
	}
}

// The demo's two days, and the second day's run: the Harvest edits between them are followed.
func TestE2EDemoTwoDays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := runBin(t, nil, "demo", "--warehouse", filepath.Join(dir, "demo.duckdb"), "--people", "20", "--projects", "40")
	if r.code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"day 1, ", "run 1 (sync", "between the syncs, in Harvest:", "edited entry", "deleted entry",
		"added a late entry", "day 2, ", "run 2 (sync", "The warehouse is " + dir, "harvest2runn query --warehouse"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	vars := map[string]string{"HARVEST2RUNN_WAREHOUSE": filepath.Join(dir, "demo.duckdb")}
	q := runBin(t, vars, "query", `SELECT count(*) FILTER (rule = 'R10') AS r10, count(*) FILTER (rule = 'R11') AS r11
		FROM plan.chg_runn__actuals WHERE run_id = 2`, "--format", "json")
	var day2 []struct {
		R10 int `json:"r10"`
		R11 int `json:"r11"`
	}
	decodeOne(t, q.stdout, &day2)
	// The edit and the late entry are rewritten (R10); the deletion leaves its day's other time
	// or a zero (R10 or R11).
	if q.code != exitOK || len(day2) != 1 || day2[0].R10+day2[0].R11 < 3 {
		t.Errorf("the second day planned %+v (exit %d %s)", day2, q.code, q.stderr)
	}
	st := runBin(t, vars, "status")
	if !strings.Contains(st.stdout, "last run: 2 (sync") || !strings.Contains(st.stdout, "succeeded") {
		t.Errorf("status of the demo:\n%s", st.stdout)
	}
}

// schedule runs a sync at its time, waits for a run that holds the warehouse, and stops
// cleanly on SIGTERM.
func TestE2EScheduleWaitsAndStops(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 11, TimeEntries: 200}, runnToday: time.Now().UTC().Format(time.DateOnly)})
	path := vars["HARVEST2RUNN_WAREHOUSE"]
	holder := holdWarehouse(t, path)
	// Far enough ahead that the binary is up and waiting before the slot, even on a busy machine.
	at := time.Now().UTC().Add(12 * time.Second)
	s := startBin(t, vars, "schedule", "--at", at.Format("15:04:05"), "--tz", "UTC")
	waitFor(t, "the scheduler to wait for the run holding the warehouse", 40*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "the scheduled sync waits for it")
	})
	holder()
	waitFor(t, "the scheduled sync", 30*time.Second, func() bool { return strings.Contains(s.stdout.String(), "(sync, today ") })
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := s.wait(t)
	if r.code != exitOK || !strings.Contains(r.stdout, at.Format(time.DateOnly)) || !strings.Contains(r.stderr, "schedule stopped") {
		t.Fatalf("schedule: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "next sync") {
		t.Errorf("the schedule does not say when it runs next:\n%s", r.stderr)
	}
}

// Speed a user feels, with Harvest answering 429 and both APIs failing now and then: the
// figures go to docs/benchmarks.md.
func TestE2ESyncSpeedWithFaults(t *testing.T) {
	srv, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 13, People: 40, Projects: 300, TimeEntries: 3000},
		runnLatency: time.Millisecond})
	srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.RateLimited, Delay: time.Second, Times: 2})
	srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/projects", Kind: harvesttest.ServerError, Status: 503, Times: 2})
	rsrv.InjectFault(runntest.Fault{Method: "POST", PathPrefix: "/projects/", Kind: runntest.ServerError, Status: 502, Times: 2})
	rsrv.InjectFault(runntest.Fault{Method: "GET", PathPrefix: "/people/", Kind: runntest.ServerError, Status: 500, Times: 1})
	start := time.Now()
	r := runBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	took := time.Since(start)
	var res syncJSON
	decodeOne(t, r.stdout, &res)
	if r.code != exitOK || res.Status != "succeeded" {
		t.Fatalf("sync with faults: exit %d %+v\n%s", r.code, res, r.stderr)
	}
	t.Logf("sync of 40 people, 300 projects with 2 Harvest 429s, 2 Harvest 503s, 3 Runn 5xx: %s wall, %d Harvest and %d Runn requests, %d writes",
		took.Round(time.Millisecond), res.Requests["harvest"].Requests, res.Requests["runn"].Requests, res.applied())
	if took > 2*time.Minute {
		t.Errorf("took %s, want well under two minutes", took)
	}
}
