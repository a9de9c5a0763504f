package main

// End-to-end tests of the readable plan (issue 11): sync --dry-run, transform and replay print
// it as text and as JSON, reasons name their cause and rule (R9), and "people with role Unknown"
// is one set wherever it shows (R6, R8).

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/demo"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden from what the binary prints")

// planDay1 is the demo's first day in these tests: the demo runs on the real date, the tests on
// a fixed one, so that the plan is the same on every run.
var planDay1 = time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)

// demoAccount is the demo's account and Runn (harvest2runn demo with its default 50 people and
// 200 projects) on planDay1: the same generator options as internal/demo, the same seed of Runn.
func demoAccount() e2eAccount {
	gen := harvesttest.GenerateOptions{Seed: 1, People: 50, Clients: 25, Projects: 200, TimeEntries: 50 * 130 * 2,
		From: planDay1.AddDate(0, -6, 0), To: planDay1, Now: planDay1.Add(17*time.Hour + 30*time.Minute)}
	return e2eAccount{gen: gen, runnToday: planDay1.Format(time.DateOnly),
		runnState: demo.RunnState(harvesttest.Generate(gen), planDay1.AddDate(0, 0, -demo.Lookback))}
}

// planVolatile are the parts of a text plan that change from run to run: how long things took
// and where the warehouse is.
var planVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s|m\d+(\.\d+)?s)\b`), "<duration>"},
	{regexp.MustCompile(`warehouse \S+;`), "warehouse <path>;"},
}

func normalisePlan(s string) string {
	for _, v := range planVolatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// checkGolden compares got with testdata/golden/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/harvest2runn -run %s -update, then review the file)", err, t.Name())
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %q\nwant: %q\n(go test -run %s -update rewrites it)", path, i+1, g, w, t.Name())
			}
		}
	}
}

// planJSON is the part of a plan's JSON these tests read.
type planJSON struct {
	Creates []struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"creates"`
	People []struct {
		PersonName string `json:"person_name"`
		Projects   []struct {
			ProjectName string `json:"project_name"`
			Actuals     []struct {
				Action string `json:"action"`
			} `json:"actuals"`
		} `json:"projects"`
	} `json:"people"`
	Totals struct {
		CreateCount int `json:"create_count"`
		ChangeCount int `json:"change_count"`
		ZeroCount   int `json:"zero_count"`
	} `json:"totals"`
	PossibleDuplicatesCount int `json:"possible_duplicates_count"`
}

// unknownJSON is "people with role Unknown" as every JSON output carries it.
type unknownJSON struct {
	People []struct {
		RunnPersonID  *int64 `json:"runn_person_id"`
		HarvestUserID *int64 `json:"harvest_user_id"`
		Name          string `json:"person_name"`
	} `json:"people_with_role_unknown"`
	Count *int `json:"people_with_role_unknown_count"`
}

// R2-R13: the demo's first day, planned by sync --dry-run, reads like terraform plan: creates
// with their fields, actuals by person and project with before -> after and the rule, a legend,
// the reasons of the time not sent, people with role Unknown, the possible duplicates with the
// pointer to link (R1a, R16), and one summary line. The same plan comes as JSON, valid against
// its schema, with the same totals.
func TestE2EPlanDemoFirstDay(t *testing.T) {
	_, rsrv, vars := e2eFakes(t, demoAccount())
	day := planDay1.Format(time.DateOnly)
	r := runBin(t, vars, "sync", "--dry-run", "--today", day)
	if r.code != exitOK {
		t.Fatalf("sync --dry-run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := writes(rsrv); n != 0 {
		t.Fatalf("a dry run sent %d writes to Runn", n)
	}
	checkGolden(t, "plan_demo_day1.txt", normalisePlan(r.stdout))
	for _, want := range []string{"Legend: + create", "Projects to create: ", "+ project \"", ", fixed fee",
		"Actuals to write: ", "(R10)", "-> ", "project inactive in Harvest, not created (R4)",
		"harvest2runn link --dry-run (R16)", "People with role Unknown: "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the plan has no %q", want)
		}
	}
	line := regexp.MustCompile(`(?m)^Plan: ([\d,]+) to create .*, ([\d,]+) to change, ([\d,]+) to zero\.$`).FindStringSubmatch(r.stdout)
	if line == nil {
		t.Fatalf("no summary line Plan: N to create, N to change, N to zero.:\n%s", r.stdout)
	}

	j := runBin(t, vars, "sync", "--dry-run", "--today", day, "--output", "json")
	if j.code != exitOK {
		t.Fatalf("sync --dry-run --output json: exit %d\n%s", j.code, j.stderr)
	}
	checkSchema(t, "sync", []byte(j.stdout))
	var res struct {
		Plan planJSON `json:"plan"`
		unknownJSON
	}
	decodeOne(t, j.stdout, &res)
	tot := res.Plan.Totals
	if got := []string{thousands(int64(tot.CreateCount)), thousands(int64(tot.ChangeCount)), thousands(int64(tot.ZeroCount))}; strings.Join(got, " ") != strings.Join(line[1:], " ") {
		t.Errorf("JSON totals create/change/zero %v, the text's summary line %v", got, line[1:])
	}
	if len(res.Plan.Creates) == 0 || len(res.Plan.People) == 0 || res.Plan.PossibleDuplicatesCount == 0 {
		t.Errorf("the JSON plan misses creates, actuals or the possible duplicate: %+v", res.Plan.Totals)
	}
	if res.Count == nil || *res.Count != len(res.People) || len(res.People) == 0 {
		t.Errorf("people_with_role_unknown_count %v, the array has %d", res.Count, len(res.People))
	}
}

// The text plan lists --show N records of each group and counts the rest; --show all lists
// every one, --show 0 only the groups; anything else is a usage error naming the flag.
func TestE2EPlanShow(t *testing.T) {
	_, _, vars := e2eFakes(t, e2eAccount{})
	if r := runBin(t, vars, "sync", "--dry-run", "--today", "2025-06-27", "--show", "all"); r.code != exitOK || strings.Contains(r.stdout, "more (--show all lists them)") {
		t.Fatalf("--show all: exit %d, still counts records it does not list:\n%s\n%s", r.code, r.stdout, r.stderr)
	} else if !regexp.MustCompile(`(?m)^      \+ 2025-`).MatchString(r.stdout) {
		t.Fatalf("--show all lists no actual:\n%s", r.stdout)
	}
	r := runBin(t, vars, "transform", "--show", "0")
	if r.code != exitOK || regexp.MustCompile(`(?m)^      [+~-] 2025-`).MatchString(r.stdout) || !strings.Contains(r.stdout, "more (--show all lists them)") {
		t.Fatalf("--show 0: exit %d, lists actuals or counts none:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	def := runBin(t, vars, "transform")
	if got := len(regexp.MustCompile(`(?m)^  \+ project `).FindAllString(def.stdout, -1)); got != defaultShow {
		t.Errorf("the default lists %d projects, want %d:\n%s", got, defaultShow, def.stdout)
	}
	if r := runBin(t, vars, "transform", "--show", "lots"); r.code != exitUsage || !strings.Contains(r.stderr, "--show") {
		t.Errorf("--show lots: exit %d, %s", r.code, r.stderr)
	}
}

// The JSON of transform and replay follows its schema and carries the plan record by record;
// replay's text shows the same plan and what differs from the run's own.
func TestE2EPlanTransformReplayJSON(t *testing.T) {
	_, _, vars := e2eFakes(t, e2eAccount{})
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	r := runBin(t, vars, "transform", "--run", "1", "--output", "json")
	if r.code != exitOK {
		t.Fatalf("transform --output json: exit %d\n%s", r.code, r.stderr)
	}
	checkSchema(t, "transform", []byte(r.stdout))
	var tr struct {
		RunID  int64    `json:"run_id"`
		Status string   `json:"status"`
		Plan   planJSON `json:"plan"`
	}
	decodeOne(t, r.stdout, &tr)
	if tr.RunID != 1 || tr.Status != "planned" || len(tr.Plan.Creates) == 0 {
		t.Errorf("transform --output json: run %d, status %q, %d creates", tr.RunID, tr.Status, len(tr.Plan.Creates))
	}
	r = runBin(t, vars, "replay", "1", "--output", "json")
	if r.code != exitOK {
		t.Fatalf("replay --output json: exit %d\n%s", r.code, r.stderr)
	}
	checkSchema(t, "replay", []byte(r.stdout))
	var rp struct {
		Identical bool     `json:"identical"`
		Plan      planJSON `json:"plan"`
	}
	decodeOne(t, r.stdout, &rp)
	if !rp.Identical || rp.Plan.Totals.CreateCount != tr.Plan.Totals.CreateCount {
		t.Errorf("replay: identical %v, %d creates, transform %d", rp.Identical, rp.Plan.Totals.CreateCount, tr.Plan.Totals.CreateCount)
	}
	r = runBin(t, vars, "replay", "1")
	for _, want := range []string{"Legend: + create", "Plan: ", "identical to what run 1 planned"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("replay's text has no %q:\n%s", want, r.stdout)
		}
	}
}

// R6, R8, R9: after the demo's second run, "people with role Unknown" is the same set in the
// sync's summary, in status and in plan.rpt_unknown_roles (it was 0, 10 and 0 rows), and every
// reason time is not sent for names its cause and rule.
func TestE2EPlanUnknownRolesAgree(t *testing.T) {
	_, _, vars := e2eFakes(t, demoAccount())
	day := planDay1.Format(time.DateOnly)
	var runs [2]unknownJSON
	var last struct {
		RunID      int64 `json:"run_id"`
		Exclusions []struct {
			Reason string `json:"reason"`
		} `json:"exclusions"`
	}
	for i := range runs {
		r := runBin(t, vars, "sync", "--today", day, "--output", "json")
		if r.code != exitOK {
			t.Fatalf("sync %d: exit %d\n%s", i+1, r.code, r.stderr)
		}
		checkSchema(t, "sync", []byte(r.stdout))
		decodeOne(t, r.stdout, &runs[i])
		decodeOne(t, r.stdout, &last)
	}
	second := runs[1]
	if second.Count == nil || *second.Count == 0 || *second.Count != len(second.People) || len(second.People) != len(runs[0].People) {
		t.Fatalf("people with role Unknown: first run %d, second run %d (count %v): want the same set on both", len(runs[0].People), len(second.People), valueOf(second.Count))
	}
	var st unknownJSON
	decodeOne(t, runBin(t, vars, "status", "--output", "json").stdout, &st)
	// The docs' query (docs/warehouse.md) on the latest planned run.
	q := runBin(t, vars, "query", "SELECT count(*) AS n FROM plan.rpt_unknown_roles WHERE run_id = (SELECT max(run_id) FROM meta.transforms)", "--format", "csv")
	rows := strings.Fields(q.stdout)
	if q.code != exitOK || len(rows) != 2 || rows[0] != "n" {
		t.Fatalf("query plan.rpt_unknown_roles: exit %d\n%s\n%s", q.code, q.stdout, q.stderr)
	}
	if want := strconv.Itoa(len(second.People)); len(st.People) != len(second.People) || rows[1] != want {
		t.Errorf("people with role Unknown: summary %d, status %d, plan.rpt_unknown_roles %s rows", len(second.People), len(st.People), rows[1])
	}
	names := map[string]bool{}
	for _, p := range second.People {
		names[p.Name] = true
	}
	for _, p := range st.People {
		if !names[p.Name] {
			t.Errorf("status lists %q, the summary does not", p.Name)
		}
	}
	rule := regexp.MustCompile(`\((--only, )?R\d+[a-z]?\)$`)
	for _, x := range last.Exclusions {
		if !rule.MatchString(x.Reason) || x.Reason == "project not in Runn" {
			t.Errorf("run %d: reason %q does not name its cause and rule", last.RunID, x.Reason)
		}
	}
}
