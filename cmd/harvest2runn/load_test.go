package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// plannedWarehouse makes a warehouse holding run 1 as extract and transform leave it, with a
// small plan written by hand (the load's tests do not depend on the transform's SQL): a client
// and a project to create, and actuals on Runn's records and on the new project, one of them
// dated after today, which Runn refuses. It returns a fake Runn holding what the plan refers to.
func plannedWarehouse(t *testing.T, path string) *runntest.Server {
	t.Helper()
	ctx := context.Background()
	seed := &runntest.State{
		Roles:    []runn.Role{{ID: 21801, Name: ptrTo("Designer")}},
		Clients:  []runn.Client{{ID: 73001, Name: "Acme", References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "11"}}}},
		Projects: []runn.Project{{ID: 402001, Name: "Acme Web", ClientID: 73001, IsConfirmed: true}},
		People:   []runn.Person{{ID: 880001, FirstName: "Ann", LastName: "Archer"}},
		Actuals:  []runn.Actual{{ID: 5583001, Date: "2025-06-02", PersonID: 880001, ProjectID: 402001, RoleID: 21801, BillableMinutes: 90}},
	}
	// Harvest is not asked: the smallest account will do.
	_, srv, _ := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 1, People: 1, Projects: 1, Clients: 1, TimeEntries: 1},
		runnState: seed, runnLimit: runntest.DefaultRateLimit})

	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	run, err := w.StartRun(ctx, "extract", time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.FinishRun(ctx, run.ID, warehouse.RunSucceeded, nil); err != nil {
		t.Fatal(err)
	}
	ddl, err := os.ReadFile("../../load/testdata/plan_tables.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(ddl),
		`INSERT INTO meta.transforms (run_id, status) VALUES (1, 'planned')`,
		`INSERT INTO meta.extracts (run_id, source, status, started_at) VALUES (1, 'runn', 'succeeded', now())`,
		`INSERT INTO raw.runn_actuals (extract_id, page_seq, id, date, person_id, project_id, role_id, billable_minutes, nonbillable_minutes)
			VALUES (1, 1, 5583001, DATE '2025-06-02', 880001, 402001, 21801, 90, 0)`,
		`INSERT INTO plan.chg_runn__clients VALUES (1, 12, 'Globex', 'R2 R3', 'Harvest client 12 has no Runn client with its reference')`,
		`INSERT INTO plan.chg_runn__projects VALUES (1, 201, 'Globex Portal', 12, NULL, 'tm', NULL, 'R2 R4', 'Harvest project 201 has no Runn project')`,
		`INSERT INTO plan.chg_runn__actuals VALUES
			(1, DATE '2025-06-02', 1001, 880001, 101, 402001, 21801, NULL, 120, 15, 90, 0, 'R10', 'Harvest time'),
			(1, DATE '2025-06-03', 1001, 880001, 201, NULL, 21801, NULL, 60, 0, NULL, NULL, 'R10', 'Harvest time'),
			(1, DATE '2025-06-28', 1001, 880001, 101, 402001, 21801, NULL, 30, 0, NULL, NULL, 'R10', 'Harvest time')`,
	} {
		if _, err := w.DB.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return srv
}

func ptrTo[T any](v T) *T { return &v }

// lastLine is the closing line a command prints on stderr after its logs.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestLoadAuditRevertCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	srv := plannedWarehouse(t, path)
	vars := map[string]string{"RUNN_API_TOKEN": testRunnToken, "RUNN_BASE_URL": srv.URL(), "HARVEST2RUNN_WAREHOUSE": path}
	noToken := with(vars, "RUNN_API_TOKEN", "")

	// The dry run needs no token and sends nothing.
	r := runCLI(t, noToken, "load", "--dry-run")
	if r.code != exitOK || !strings.Contains(r.stdout, "run 1 plan (dry run: nothing sent)") || !strings.Contains(r.stdout, "first actuals: [") ||
		len(srv.Requests()) != 0 {
		t.Fatalf("load --dry-run: exit %d, %d requests\n%s\n%s", r.code, len(srv.Requests()), r.stdout, r.stderr)
	}
	if r := runCLI(t, noToken, "load"); r.code != exitUsage || !strings.Contains(r.stderr, "RUNN_API_TOKEN is not set") {
		t.Fatalf("load without a token: exit %d, %s", r.code, r.stderr)
	}

	// Runn refuses the actual after today: exit 3, the rest lands, the refusal is listed.
	r = runCLI(t, vars, "load")
	if r.code != exitRejected || !strings.Contains(lastLine(r.stderr), "harvest2runn load: run 1: 1 of 5 changes did not land") {
		t.Fatalf("load: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"run 1 loaded", "actual 2025-06-28 person 880001 project 402001 role 21801 rejected: Cannot create actual for future date 2025-06-28.",
		"details: harvest2runn audit --run 1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("load's summary lacks %q:\n%s", want, r.stdout)
		}
	}
	var landed int
	for _, a := range srv.State().Actuals {
		if a.Date == "2025-06-02" && a.BillableMinutes == 120 || a.Date == "2025-06-03" && a.BillableMinutes == 60 {
			landed++
		}
	}
	if landed != 2 {
		t.Errorf("%d of the 2 good actuals landed in Runn", landed)
	}
	// Again, as JSON: the rest is confirmed, the refused one is tried again.
	r = runCLI(t, vars, "load", "--run", "1", "--output", "json")
	var res struct {
		RunID    int64 `json:"run_id"`
		Rejected []struct {
			Message string `json:"message"`
		} `json:"rejected"`
		Counts []struct {
			AlreadyDone int `json:"already_done"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != exitRejected || res.RunID != 1 || len(res.Rejected) != 1 {
		t.Fatalf("load --output json: exit %d, %v\n%s", r.code, err, r.stdout)
	}

	// The trail, as CSV: every attempt, with Runn's message; the bodies as sent are in the JSON.
	r = runCLI(t, vars, "audit", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || r.code != exitOK || len(rows) < 2 || !slices.Equal(rows[0], trailColumns) {
		t.Fatalf("audit --format csv: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	var rejected int
	for _, row := range rows[1:] {
		if row[16] == "rejected" && strings.Contains(row[19], "future date") {
			rejected++
		}
	}
	if rejected != 2 {
		t.Errorf("csv: %d rejected attempts (want 2: one per load)", rejected)
	}
	var trail struct {
		Requests []struct {
			Body json.RawMessage `json:"body"`
		} `json:"requests"`
	}
	if r := runCLI(t, vars, "audit", "--run", "1", "--format", "json"); r.code != exitOK || json.Unmarshal([]byte(r.stdout), &trail) != nil ||
		len(trail.Requests) == 0 || !json.Valid(trail.Requests[0].Body) {
		t.Errorf("audit --format json: exit %d\n%s", r.code, r.stdout)
	}
	if r := runCLI(t, vars, "audit"); r.code != exitOK || !strings.Contains(r.stdout, "WRITE") || !strings.Contains(r.stdout, "confirmed") {
		t.Errorf("audit: exit %d\n%s", r.code, r.stdout)
	}

	// Revert: the actual Runn held goes back to 90 minutes; the new one to 0; the client and
	// project the run created are listed and kept.
	if r := runCLI(t, noToken, "revert", "1", "--dry-run"); r.code != exitOK || !strings.Contains(r.stdout, "revert planned") {
		t.Fatalf("revert --dry-run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, vars, "revert", "1", "--yes", "--verbose")
	if r.code != exitOK || !strings.Contains(r.stdout, "run 1 reverted") || !strings.Contains(r.stdout, `project harvest:201          "Globex Portal"`) {
		t.Fatalf("revert: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, a := range srv.State().Actuals {
		if want := map[string]float64{"2025-06-02": 90, "2025-06-03": 0}[a.Date]; a.BillableMinutes != want {
			t.Errorf("after revert, %s holds %g billable minutes, want %g", a.Date, a.BillableMinutes, want)
		}
	}

	for _, out := range []string{r.stdout, r.stderr, strings.Join(rows[0], ",")} {
		if strings.Contains(out, testRunnToken) {
			t.Error("the token leaked")
		}
	}
	w, err := warehouse.Open(context.Background(), path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if run, err := w.GetRun(context.Background(), 1); err != nil || run.Status != warehouse.RunPartial {
		t.Errorf("run 1 is %q (%v), want partial", run.Status, err)
	}
}

func TestLoadUsageErrors(t *testing.T) {
	for _, cmd := range []string{"load", "revert", "audit"} {
		if r := runCLI(t, nil, cmd, "--help"); r.code != exitOK || !strings.Contains(r.stdout, "Example:\n  harvest2runn "+cmd) {
			t.Errorf("%s --help: exit %d\n%s", cmd, r.code, r.stdout)
		}
	}
	vars := map[string]string{"HARVEST2RUNN_WAREHOUSE": filepath.Join(t.TempDir(), "w.duckdb")}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"load", "12"}, exitUsage, "give the run with --run ID"},
		{[]string{"load", "--output", "xml", "--dry-run"}, exitUsage, "use text or json"},
		{[]string{"revert"}, exitUsage, "give the run to revert"},
		{[]string{"revert", "twelve", "--dry-run"}, exitUsage, "is not a run id"},
		{[]string{"audit", "--format", "xml"}, exitUsage, "use text, json or csv"},
		{[]string{"load", "--dry-run"}, exitFailed, "no run has a plan"},
		{[]string{"audit"}, exitFailed, "the audit trail is empty"},
		{[]string{"revert", "7", "--dry-run"}, exitFailed, "no run 7"},
	} {
		r := runCLI(t, vars, tc.args...)
		if r.code != tc.code || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}
