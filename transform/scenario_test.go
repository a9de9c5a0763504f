package transform

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files of the scenarios from what the transform produces")

// A scenario is a folder of testdata/scenarios: what Harvest holds (harvest.json, a
// harvesttest account), what Runn holds (runn.json, a runntest state), the run's settings
// (scenario.json) and the expected plan (golden/<table>.json, one per changes.* and report.*
// table). The test serves the two fakes, extracts them through the real clients, transforms,
// and compares every planned table with its golden file.
type scenario struct {
	// Rules names the sync rules the scenario pins down (R1..R15), for people reading it.
	Rules        []string `json:"rules"`
	Description  string   `json:"description"`
	Today        string   `json:"today"`
	LookbackDays *int     `json:"lookback_days"` // default 45; null with full_history
	FullHistory  bool     `json:"full_history"`
	NoAutofill   bool     `json:"no_autofill"`
	Only         []string `json:"only"`
	// ActualKeys seeds audit.actual_keys: what earlier runs wrote or found equal (R11, R12).
	ActualKeys []actualKey `json:"actual_keys"`
	// FailingAudits, when set, are the audits that must fail (and only they).
	FailingAudits []string `json:"failing_audits"`
	// HarvestNonAdmin serves Harvest to a token that cannot read /v2/roles (R6 without role ids).
	HarvestNonAdmin bool `json:"harvest_non_admin"`
}

type actualKey struct {
	RunID              int64  `json:"run_id"`
	Date               string `json:"date"`
	RunnPersonID       int64  `json:"runn_person_id"`
	RunnProjectID      int64  `json:"runn_project_id"`
	RunnRoleID         int64  `json:"runn_role_id"`
	BillableMinutes    int64  `json:"billable_minutes"`
	NonbillableMinutes int64  `json:"nonbillable_minutes"`
	How                string `json:"how"`
}

const scenarioToken = "scenario-token"

func TestScenarios(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "testdata", "scenarios", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Skip("no scenarios yet")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) { runScenario(t, dir) })
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func runScenario(t *testing.T, dir string) {
	var sc scenario
	readJSON(t, filepath.Join(dir, "scenario.json"), &sc)
	today, err := time.Parse(time.DateOnly, sc.Today)
	if err != nil {
		t.Fatalf("scenario.json today: %v", err)
	}
	hf, err := os.Open(filepath.Join(dir, "harvest.json"))
	if err != nil {
		t.Fatal(err)
	}
	acct, err := harvesttest.LoadAccount(hf)
	hf.Close()
	if err != nil {
		t.Fatal(err)
	}
	rf, err := os.Open(filepath.Join(dir, "runn.json"))
	if err != nil {
		t.Fatal(err)
	}
	state, err := runntest.LoadState(rf)
	rf.Close()
	if err != nil {
		t.Fatal(err)
	}

	w := scenarioWarehouse(t, acct, state, sc, today)
	lookback := 45
	if sc.LookbackDays != nil {
		lookback = *sc.LookbackDays
	}
	opts := Options{RunID: 1, Today: today, WindowFrom: today.AddDate(0, 0, -lookback), Autofill: !sc.NoAutofill, Only: sc.Only}
	if sc.FullHistory {
		opts.WindowFrom = time.Time{}
	}
	res, err := Run(context.Background(), w, opts)
	var failed []string
	for _, f := range res.AuditFailures {
		failed = append(failed, f.Audit)
	}
	if diff := cmp.Diff(sc.FailingAudits, failed); diff != "" {
		t.Errorf("failing audits (-want +got):\n%s\nerror: %v", diff, err)
	}
	if err != nil && len(sc.FailingAudits) == 0 {
		t.Fatalf("transform: %v", err)
	}
	compareGolden(t, w, dir)
	readViews(t, w)
}

// readViews reads every analysts' view whole: a view is only compiled when the transform makes
// it, so a value it cannot convert (hours too large for a DECIMAL, R7's "Implausible time")
// shows only when it is read.
func readViews(t *testing.T, w *warehouse.Warehouse) {
	t.Helper()
	var views []string
	if err := w.DB.Select(&views, `SELECT 'analytics.' || view_name FROM duckdb_views() WHERE schema_name = 'analytics' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		if _, err := selectRows(context.Background(), w.DB, "SELECT * FROM "+v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
}

// scenarioWarehouse extracts the scenario's Harvest and Runn through the real clients into a
// fresh warehouse, as run 1.
func scenarioWarehouse(t *testing.T, acct *harvesttest.Account, state *runntest.State, sc scenario, today time.Time) *warehouse.Warehouse {
	t.Helper()
	w := openScenarioWarehouse(t)
	lookback := 45
	if sc.LookbackDays != nil {
		lookback = *sc.LookbackDays
	}
	win := extract.Window{From: today.AddDate(0, 0, -lookback), To: today}
	if sc.FullHistory {
		win.From = time.Time{}
	}
	extractRun(t, w, acct, state, sc.HarvestNonAdmin, win)
	for _, k := range sc.ActualKeys {
		if _, err := w.DB.Exec(`INSERT INTO audit.actual_keys (run_id, date, runn_person_id, runn_project_id, runn_role_id,
			billable_minutes, nonbillable_minutes, how) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, k.RunID, k.Date, k.RunnPersonID,
			k.RunnProjectID, k.RunnRoleID, k.BillableMinutes, k.NonbillableMinutes, k.How); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// openScenarioWarehouse opens an empty warehouse in a session far from UTC, so that a date
// taken in the session's zone instead of UTC (R5's start date, week boundaries) shows.
func openScenarioWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	w := testwarehouse.Open(t)
	if _, err := w.DB.ExecContext(context.Background(), "SET GLOBAL TimeZone = 'Pacific/Auckland'"); err != nil {
		t.Fatal(err)
	}
	return w
}

// extractRun starts a run of today win.To and extracts acct and state into w through the real
// clients, served by two fakes that stop when the test ends: Harvest's time entries and Runn's actuals for win. It
// returns the run's id.
func extractRun(t *testing.T, w *warehouse.Warehouse, acct *harvesttest.Account, state *runntest.State, harvestNonAdmin bool, win extract.Window) int64 {
	t.Helper()
	ctx := context.Background()
	today := win.To.Format(time.DateOnly)
	hc := testwarehouse.StartHarvest(t, acct, harvesttest.Options{Token: scenarioToken, AccountID: "1", NonAdmin: harvestNonAdmin}).
		Client(t, harvest.Config{})
	rc := testwarehouse.StartRunn(t, state, runntest.Options{Token: scenarioToken, Today: today}).Client(t, runn.Config{})
	run, err := w.StartRun(ctx, "sync", win.To, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := extract.Harvest(ctx, w, hc, extract.HarvestOptions{RunID: run.ID, Window: win}); err != nil {
		t.Fatal(err)
	}
	if _, err := extract.Runn(ctx, w, rc, extract.RunnOptions{RunID: run.ID, ActualsWindow: win}); err != nil {
		t.Fatal(err)
	}
	return run.ID
}

// compareGolden compares every changes.* and report.* table with golden/<schema>.<table>.json.
func compareGolden(t *testing.T, w *warehouse.Warehouse, dir string) {
	t.Helper()
	var tables []string
	if err := w.DB.Select(&tables, `SELECT schema_name || '.' || table_name FROM duckdb_tables()
		WHERE schema_name IN ('changes', 'report') ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(dir, "golden")
	if *update {
		if err := os.MkdirAll(golden, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range tables {
		got := dumpTable(t, w, table)
		path := filepath.Join(golden, table+".json")
		if *update {
			b, _ := json.MarshalIndent(got, "", "  ")
			if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var want []map[string]any
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: no golden file %s (run go test ./transform -run TestScenarios -update, then review it)", table, path)
			continue
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if want == nil {
			want = []map[string]any{}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", table, path, diff)
		}
	}
}

// dumpTable reads a table as JSON-like rows in a stable order (all columns, ascending).
func dumpTable(t *testing.T, w *warehouse.Warehouse, table string) []map[string]any {
	t.Helper()
	rows, err := w.DB.Queryx("SELECT * FROM " + table + " ORDER BY ALL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		row := map[string]any{}
		if err := rows.MapScan(row); err != nil {
			t.Fatal(err)
		}
		out = append(out, normalise(row))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// normalise makes a row compare equal to its JSON round trip: dates as YYYY-MM-DD, numbers
// (DECIMALs included) as float64, everything else through JSON.
func normalise(row map[string]any) map[string]any {
	out := map[string]any{}
	keys := make([]string, 0, len(row))
	for k := range row {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := row[k]
		if tm, ok := v.(time.Time); ok {
			if tm.Hour() == 0 && tm.Minute() == 0 && tm.Second() == 0 && tm.Nanosecond() == 0 {
				v = tm.Format(time.DateOnly)
			} else {
				v = tm.UTC().Format(time.RFC3339)
			}
		}
		if d, ok := v.(interface{ Float64() float64 }); ok { // a DECIMAL (duckdb.Decimal): its number
			v = d.Float64()
		}
		b, err := json.Marshal(v)
		if err != nil {
			v = fmt.Sprint(v)
			b, _ = json.Marshal(v)
		}
		var back any
		_ = json.Unmarshal(b, &back)
		if s, ok := back.(string); ok {
			back = strings.TrimSpace(s)
		}
		out[k] = back
	}
	return out
}
