package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// safetyCheck is a row of report.rpt_safety_checks, the columns the pipelines read (R17).
type safetyCheck struct {
	RunID             int64  `db:"run_id"`
	Stop              string `db:"stop"`
	Source            string `db:"source"`
	Listing           string `db:"listing"`
	PreviousExtractID *int64 `db:"previous_extract_id"`
	Expected          *int64 `db:"expected"`
	Got               int64  `db:"got"`
	Tripped           bool   `db:"tripped"`
	Detail            string `db:"detail"`
}

// check is what a test expects of one row: -1 for "no previous extract" (NULL).
type check struct {
	previous, expected, got int64
	tripped                 bool
}

var safetyToday = time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)

// runnListings is a Runn account holding n records in each named listing (people, roles, ...;
// actuals: one per date of actualDates, on the first role, project and person), nothing of
// Harvest's: R17 (b) counts listings, not matches.
func runnListings(n map[string]int, actualDates ...string) *runntest.State {
	s := &runntest.State{}
	for i := range n["roles"] {
		name := fmt.Sprintf("Role %d", i)
		s.Roles = append(s.Roles, runn.Role{ID: int64(100 + i), Name: &name})
	}
	for i := range n["clients"] {
		s.Clients = append(s.Clients, runn.Client{ID: int64(200 + i), Name: fmt.Sprintf("Client %d", i)})
	}
	for i := range n["projects"] {
		s.Projects = append(s.Projects, runn.Project{ID: int64(300 + i), Name: fmt.Sprintf("Project %d", i), ClientID: 200,
			IsConfirmed: true, PricingModel: "tm", RateType: "hours", RateCardID: 1})
	}
	for i := range n["people"] {
		s.People = append(s.People, runn.Person{ID: int64(400 + i), FirstName: "Person", LastName: fmt.Sprint(i)})
	}
	for i := range n["contracts"] {
		s.Contracts = append(s.Contracts, runn.Contract{ID: int64(500 + i), PersonID: 400, RoleID: 100, StartDate: "2024-01-01",
			EmploymentType: "employee"})
	}
	for i := range n["assignments"] {
		s.Assignments = append(s.Assignments, runn.Assignment{ID: int64(600 + i), PersonID: 400, ProjectID: 300, RoleID: 100,
			StartDate: "2025-06-02", EndDate: "2025-06-06", MinutesPerDay: 60, IsActive: true})
	}
	for i, d := range actualDates {
		s.Actuals = append(s.Actuals, runn.Actual{ID: int64(700 + i), Date: d, PersonID: 400, ProjectID: 300,
			RoleID: 100, BillableMinutes: 60})
	}
	return s
}

// harvestEntries is a Harvest account with one time entry per date (of a user and project it
// does not list: R17 (b) counts the listing, not what the rules make of it).
func harvestEntries(dates ...string) *harvesttest.Account {
	a := &harvesttest.Account{}
	for i, d := range dates {
		a.TimeEntries = append(a.TimeEntries, harvest.TimeEntry{ID: int64(9000 + i), SpentDate: d,
			User: harvest.IDName{ID: 100, Name: "User 100"}, Client: harvest.ClientRef{ID: 1, Name: "Acme"},
			Project: harvest.ProjectRef{ID: 10, Name: "Project 10"}, Task: harvest.IDName{ID: 1, Name: "Work"},
			Hours: json.Number("1.0"), Billable: true})
	}
	return a
}

// days lists n dates counting back from the day before last (the window's last days).
func days(last time.Time, n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = last.AddDate(0, 0, -i).Format(time.DateOnly)
	}
	return out
}

func many(n int) map[string]int {
	return map[string]int{"roles": n, "clients": n, "projects": n, "people": n, "contracts": n, "assignments": n}
}

func lookback(days int) extract.Window {
	return extract.Window{From: safetyToday.AddDate(0, 0, -days), To: safetyToday}
}

// A source of the run (Harvest, Runn) extracted for a window.
type safetyRun struct {
	harvest *harvesttest.Account
	runn    *runntest.State
	window  extract.Window
	status  string // set on the run's extracts after they landed ("failed", "pruned"): empty leaves them usable
}

// transformLast extracts runs in order into one warehouse and transforms the last one; it
// returns the ids of each run's Runn and Harvest extracts, and the run's
// plan.rpt_safety_checks keyed "stop source listing".
func transformLast(t *testing.T, runs []safetyRun) (runnIDs, harvestIDs []int64, got map[string]safetyCheck) {
	t.Helper()
	ctx := context.Background()
	w := openScenarioWarehouse(t)
	var last int64
	for _, r := range runs {
		id := extractRun(t, w, r.harvest, r.runn, false, r.window)
		var ids struct {
			Runn    int64 `db:"runn"`
			Harvest int64 `db:"harvest"`
		}
		if err := w.DB.Get(&ids, `SELECT max(extract_id) FILTER (WHERE source = 'runn') AS runn,
			max(extract_id) FILTER (WHERE source = 'harvest') AS harvest FROM meta.extracts WHERE run_id = ?`, id); err != nil {
			t.Fatal(err)
		}
		runnIDs, harvestIDs = append(runnIDs, ids.Runn), append(harvestIDs, ids.Harvest)
		if r.status != "" {
			if _, err := w.DB.Exec(`UPDATE meta.extracts SET status = ? WHERE run_id = ?`, r.status, id); err != nil {
				t.Fatal(err)
			}
		}
		last = id
	}
	if _, err := Run(ctx, w, Options{RunID: last, Today: safetyToday, WindowFrom: runs[len(runs)-1].window.From, Autofill: true}); err != nil {
		t.Fatalf("transform run %d: %v", last, err)
	}
	var rows []safetyCheck
	if err := w.DB.Select(&rows, `SELECT * FROM plan.rpt_safety_checks WHERE run_id = ? ORDER BY ALL`, last); err != nil {
		t.Fatal(err)
	}
	// What the pipelines read to stop a run: exactly the tripped rows.
	var tripped []safetyCheck
	if err := w.DB.Select(&tripped, `SELECT * FROM plan.rpt_safety_checks WHERE run_id = ? AND tripped ORDER BY ALL`, last); err != nil {
		t.Fatal(err)
	}
	var want []safetyCheck
	for _, r := range rows {
		if r.Tripped {
			want = append(want, r)
		}
	}
	if diff := cmp.Diff(want, tripped); diff != "" {
		t.Errorf("tripped rows (-want +got):\n%s", diff)
	}
	got = map[string]safetyCheck{}
	for _, r := range rows {
		got[r.Stop+" "+r.Source+" "+r.Listing] = r
	}
	if len(got) != 9 || len(rows) != 9 {
		t.Fatalf("rpt_safety_checks has %d rows (%d distinct): want one per Runn listing, one for Harvest's time entries and one for R17 (c)", len(rows), len(got))
	}
	return runnIDs, harvestIDs, got
}

func (c safetyCheck) short() check {
	out := check{previous: -1, expected: -1, got: c.Got, tripped: c.Tripped}
	if c.PreviousExtractID != nil {
		out.previous = *c.PreviousExtractID
	}
	if c.Expected != nil {
		out.expected = *c.Expected
	}
	return out
}

// R17 (b): a Runn listing that holds less than half of the last usable snapshot's and at least
// 10 records fewer trips; Harvest's time entries on the dates both extracts cover, less than
// half and at least 50 fewer. Every listing gets a row either way, and a first run never trips.
func TestR17bSourceShrank(t *testing.T) {
	eve := safetyToday.AddDate(0, 0, -1)
	none := harvestEntries()
	one := map[string]int{"roles": 1, "clients": 1, "projects": 1, "people": 1} // what actuals refer to
	for _, tc := range []struct {
		name string
		runs []safetyRun
		// want: rows by "stop source listing" with the runs' extract index for previous (-1:
		// none); rows not named must not trip.
		want map[string]check
		// detail: a row whose detail must read so.
		detail map[string]string
	}{
		{
			name: "R17b first run never trips",
			runs: []safetyRun{{harvest: harvestEntries(days(eve, 40)...), runn: runnListings(many(30), days(eve, 40)...), window: lookback(45)}},
			want: map[string]check{
				"R17b runn people":          {previous: -1, expected: -1, got: 30},
				"R17b runn actuals":         {previous: -1, expected: -1, got: 40},
				"R17b harvest time_entries": {previous: -1, expected: -1, got: 40},
				"R17c plan owned_keys":      {previous: -1, expected: 0, got: 0},
			},
			detail: map[string]string{
				"R17b runn people": "Runn's people listing holds 30 records; there is no earlier usable snapshot of Runn to compare with (R17 b)",
			},
		},
		{
			name: "R17b Runn people 14 to 0 trips",
			runs: []safetyRun{
				{harvest: none, runn: runnListings(map[string]int{"people": 14}), window: lookback(45)},
				{harvest: none, runn: runnListings(nil), window: lookback(45)},
			},
			want: map[string]check{"R17b runn people": {previous: 0, expected: 14, got: 0, tripped: true}},
			detail: map[string]string{
				"R17b runn people": "Runn's people listing holds 0 records where the last usable snapshot (extract %d) held 14: fewer than half and at least 10 fewer (R17 b)",
			},
		},
		{
			name: "R17b every Runn listing 12 to 0 trips",
			runs: []safetyRun{
				{harvest: none, runn: runnListings(many(12), days(eve, 12)...), window: lookback(45)},
				{harvest: none, runn: runnListings(nil), window: lookback(45)},
			},
			want: map[string]check{
				"R17b runn roles":       {previous: 0, expected: 12, got: 0, tripped: true},
				"R17b runn clients":     {previous: 0, expected: 12, got: 0, tripped: true},
				"R17b runn projects":    {previous: 0, expected: 12, got: 0, tripped: true},
				"R17b runn people":      {previous: 0, expected: 12, got: 0, tripped: true},
				"R17b runn assignments": {previous: 0, expected: 12, got: 0, tripped: true},
				"R17b runn contracts":   {previous: 0, expected: 12, got: 0, tripped: true},
				"R17b runn actuals":     {previous: 0, expected: 12, got: 0, tripped: true},
			},
		},
		{
			name: "R17b Runn exactly half is not less than half",
			runs: []safetyRun{
				{harvest: none, runn: runnListings(map[string]int{"people": 20}), window: lookback(45)},
				{harvest: none, runn: runnListings(map[string]int{"people": 10}), window: lookback(45)},
			},
			want: map[string]check{"R17b runn people": {previous: 0, expected: 20, got: 10}},
			detail: map[string]string{
				"R17b runn people": "Runn's people listing holds 10 records where the last usable snapshot (extract %d) held 20: at least half of it (R17 b)",
			},
		},
		{
			name: "R17b Runn 9 fewer is not at least 10 fewer",
			runs: []safetyRun{
				{harvest: none, runn: runnListings(map[string]int{"people": 17}), window: lookback(45)},
				{harvest: none, runn: runnListings(map[string]int{"people": 8}), window: lookback(45)},
			},
			want: map[string]check{"R17b runn people": {previous: 0, expected: 17, got: 8}},
			detail: map[string]string{
				"R17b runn people": "Runn's people listing holds 8 records where the last usable snapshot (extract %d) held 17: fewer than half, but only 9 fewer, under the 10 that stop a run (R17 b)",
			},
		},
		{
			name: "R17b Runn 10 fewer and less than half trips",
			runs: []safetyRun{
				{harvest: none, runn: runnListings(map[string]int{"people": 19}), window: lookback(45)},
				{harvest: none, runn: runnListings(map[string]int{"people": 9}), window: lookback(45)},
			},
			want: map[string]check{"R17b runn people": {previous: 0, expected: 19, got: 9, tripped: true}},
		},
		{
			name: "R17b Harvest 100 to 49 trips",
			runs: []safetyRun{
				{harvest: harvestEntries(days(eve, 100)...), runn: runnListings(nil), window: lookback(120)},
				{harvest: harvestEntries(days(eve, 49)...), runn: runnListings(nil), window: lookback(120)},
			},
			want: map[string]check{"R17b harvest time_entries": {previous: 0, expected: 100, got: 49, tripped: true}},
			detail: map[string]string{
				"R17b harvest time_entries": "Harvest's time_entries listing holds 49 records dated 2025-02-27 to 2025-06-27 (the dates both extracts cover) where the last usable extract (extract %d) held 100: fewer than half and at least 50 fewer (R17 b)",
			},
		},
		{
			name: "R17b Harvest exactly half is not less than half",
			runs: []safetyRun{
				{harvest: harvestEntries(days(eve, 100)...), runn: runnListings(nil), window: lookback(120)},
				{harvest: harvestEntries(days(eve, 50)...), runn: runnListings(nil), window: lookback(120)},
			},
			want: map[string]check{"R17b harvest time_entries": {previous: 0, expected: 100, got: 50}},
		},
		{
			name: "R17b Harvest 49 fewer is not at least 50 fewer",
			runs: []safetyRun{
				{harvest: harvestEntries(days(eve, 97)...), runn: runnListings(nil), window: lookback(120)},
				{harvest: harvestEntries(days(eve, 48)...), runn: runnListings(nil), window: lookback(120)},
			},
			want: map[string]check{"R17b harvest time_entries": {previous: 0, expected: 97, got: 48}},
		},
		{
			name: "R17b Harvest 50 fewer and less than half trips",
			runs: []safetyRun{
				{harvest: harvestEntries(days(eve, 98)...), runn: runnListings(nil), window: lookback(120)},
				{harvest: harvestEntries(days(eve, 48)...), runn: runnListings(nil), window: lookback(120)},
			},
			want: map[string]check{"R17b harvest time_entries": {previous: 0, expected: 98, got: 48, tripped: true}},
		},
		{
			// The last run read the whole history; this one reads 45 days: only those count, and
			// nothing shrank on them.
			name: "R17b only the dates both extracts cover count",
			runs: []safetyRun{
				{harvest: harvestEntries(days(eve, 120)...), runn: runnListings(one, days(eve, 100)...), window: extract.Window{To: safetyToday}},
				{harvest: harvestEntries(days(eve, 120)...), runn: runnListings(one, days(eve, 100)...), window: lookback(45)},
			},
			want: map[string]check{
				"R17b harvest time_entries": {previous: 0, expected: 45, got: 45},
				"R17b runn actuals":         {previous: 0, expected: 45, got: 45},
			},
			detail: map[string]string{
				"R17b runn actuals": "Runn's actuals listing holds 45 records dated 2025-05-13 to 2025-06-27 (the dates both snapshots cover) where the last usable snapshot (extract %d) held 45: at least half of it (R17 b)",
			},
		},
		{
			// The last run's today was a week ago and it read 45 days; this one reads the whole
			// history: only the dates both cover count (Harvest's extract holds entries after its
			// today too: they are not compared either).
			name: "R17b a longer window than the last run's is no growth",
			runs: []safetyRun{
				{harvest: harvestEntries(days(eve, 120)...), runn: runnListings(one, days(eve, 100)...),
					window: extract.Window{From: safetyToday.AddDate(0, 0, -52), To: safetyToday.AddDate(0, 0, -7)}},
				{harvest: harvestEntries(days(eve, 120)...), runn: runnListings(one, days(eve, 100)...), window: extract.Window{To: safetyToday}},
			},
			want: map[string]check{
				"R17b harvest time_entries": {previous: 0, expected: 46, got: 46},
				"R17b runn actuals":         {previous: 0, expected: 46, got: 46},
			},
			detail: map[string]string{
				"R17b harvest time_entries": "Harvest's time_entries listing holds 46 records dated 2025-05-06 to 2025-06-20 (the dates both extracts cover) where the last usable extract (extract %d) held 46: at least half of it (R17 b)",
			},
		},
		{
			// Run 2's extracts failed (an empty listing): run 3 is compared with run 1's.
			name: "R17b the last usable extract, not a failed one",
			runs: []safetyRun{
				{harvest: harvestEntries(days(eve, 60)...), runn: runnListings(map[string]int{"people": 14}), window: lookback(45)},
				{harvest: none, runn: runnListings(nil), window: lookback(45), status: "failed"},
				{harvest: none, runn: runnListings(nil), window: lookback(45)},
			},
			want: map[string]check{
				"R17b runn people":          {previous: 0, expected: 14, got: 0, tripped: true},
				"R17b harvest time_entries": {previous: 0, expected: 45, got: 0},
			},
		},
		{
			// Run 1's extracts were pruned (their raw rows are gone): there is nothing to compare with.
			name: "R17b a pruned extract is not usable",
			runs: []safetyRun{
				{harvest: harvestEntries(days(eve, 60)...), runn: runnListings(map[string]int{"people": 14}), window: lookback(45), status: "pruned"},
				{harvest: none, runn: runnListings(nil), window: lookback(45)},
			},
			want: map[string]check{
				"R17b runn people":          {previous: -1, expected: -1, got: 0},
				"R17b harvest time_entries": {previous: -1, expected: -1, got: 0},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runnIDs, harvestIDs, got := transformLast(t, tc.runs)
			for key, row := range got {
				w, named := tc.want[key]
				if !named {
					if row.Tripped {
						t.Errorf("%s tripped: %s", key, row.Detail)
					}
					continue
				}
				if w.previous >= 0 {
					if strings.Contains(key, " harvest ") {
						w.previous = harvestIDs[w.previous]
					} else {
						w.previous = runnIDs[w.previous]
					}
				}
				if diff := cmp.Diff(w, row.short(), cmp.AllowUnexported(check{})); diff != "" {
					t.Errorf("%s (-want +got):\n%s\ndetail: %s", key, diff, row.Detail)
				}
				if d, ok := tc.detail[key]; ok {
					if strings.Contains(d, "%d") {
						d = fmt.Sprintf(d, w.previous)
					}
					if row.Detail != d {
						t.Errorf("%s detail:\n got %q\nwant %q", key, row.Detail, d)
					}
				}
			}
		})
	}
}

// ownedKeysWarehouse is one person on ten projects: held keys harvest2runn wrote (60 minutes)
// that Runn still holds, the first zeroed of them with no Harvest time any more (so R11 zeroes
// them) and the others with Harvest's 60 minutes still (so nothing is written); and gone keys
// harvest2runn wrote whose actual a user has since deleted or zeroed in Runn. Forty days a project, all
// in the window.
func ownedKeysWarehouse(t *testing.T, held, zeroed, gone int) (*warehouse.Warehouse, int64) {
	t.Helper()
	ts := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	acct := &harvesttest.Account{
		Users:   []harvest.User{{ID: 100, FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", IsActive: true, Roles: []string{"Developer"}, CreatedAt: ts, UpdatedAt: ts}},
		Clients: []harvest.Client{{ID: 1, Name: "Acme", IsActive: true, CreatedAt: ts, UpdatedAt: ts}},
	}
	role := "Developer"
	state := &runntest.State{
		Clients: []runn.Client{{ID: 501, Name: "Acme", References: harvestRef(1)}},
		People:  []runn.Person{{ID: 701, FirstName: "Ada", LastName: "Lovelace", References: harvestRef(100)}},
		Roles:   []runn.Role{{ID: 21, Name: &role}},
		Contracts: []runn.Contract{{ID: 801, PersonID: 701, RoleID: 21, StartDate: "2024-01-01", EmploymentType: "employee",
			RosteredDays: runn.RosteredDays{Monday: 480, Tuesday: 480, Wednesday: 480, Thursday: 480, Friday: 480}}},
	}
	for p := range 10 {
		acct.Projects = append(acct.Projects, harvest.Project{ID: int64(10 + p), Client: &harvest.ClientRef{ID: 1, Name: "Acme"},
			Name: fmt.Sprintf("Project %d", p), IsActive: true, IsBillable: true, BudgetBy: "none", CreatedAt: ts, UpdatedAt: ts})
		state.Projects = append(state.Projects, runn.Project{ID: int64(601 + p), Name: fmt.Sprintf("Project %d", p), ClientID: 501,
			IsConfirmed: true, PricingModel: "tm", RateType: "hours", RateCardID: 1, References: harvestRef(int64(10 + p))})
	}
	type key struct {
		date    string
		project int64
	}
	var keys []key
	for i := range held + gone {
		keys = append(keys, key{safetyToday.AddDate(0, 0, -1-i%40).Format(time.DateOnly), int64(i / 40)})
	}
	for i, k := range keys {
		switch {
		case i < held:
			state.Actuals = append(state.Actuals, runn.Actual{ID: int64(9000 + i), Date: k.date, PersonID: 701, ProjectID: 601 + k.project,
				RoleID: 21, BillableMinutes: 60})
		case i%2 == 1: // every other gone key is zeroed in Runn rather than deleted
			state.Actuals = append(state.Actuals, runn.Actual{ID: int64(9000 + i), Date: k.date, PersonID: 701, ProjectID: 601 + k.project,
				RoleID: 21})
		}
		if i >= zeroed && i < held {
			acct.TimeEntries = append(acct.TimeEntries, harvest.TimeEntry{ID: int64(5000 + i), SpentDate: k.date,
				User: harvest.IDName{ID: 100, Name: "Ada"}, Client: harvest.ClientRef{ID: 1, Name: "Acme"},
				Project: harvest.ProjectRef{ID: 10 + k.project, Name: "Project"}, Task: harvest.IDName{ID: 1, Name: "Work"},
				Hours: json.Number("1.0"), Billable: true, CreatedAt: ts, UpdatedAt: ts})
		}
	}
	w := openScenarioWarehouse(t)
	run := extractRun(t, w, acct, state, false, lookback(45))
	for _, k := range keys {
		if _, err := w.DB.Exec(`INSERT INTO audit.actual_keys (run_id, date, runn_person_id, runn_project_id, runn_role_id,
			billable_minutes, nonbillable_minutes, how) VALUES (0, ?, 701, ?, 21, 60, 0, 'written')`, k.date, 601+k.project); err != nil {
			t.Fatal(err)
		}
	}
	return w, run
}

func harvestRef(id int64) []runn.Reference {
	return []runn.Reference{{ReferenceName: "Harvest", ExternalID: fmt.Sprint(id)}}
}

// R17 (c): the plan zeroing (R11) more than 10 % of the keys harvest2runn holds in the window
// and more than 20 of them trips; exactly 10 %, or 20 keys, does not. Keys harvest2runn wrote
// but Runn no longer holds are not held (R11 could not zero them).
func TestR17cPlanZeroesOwnedKeys(t *testing.T) {
	for _, tc := range []struct {
		name               string
		held, zeroed, gone int
		expected, got      int64
		tripped            bool
		detail             string
	}{
		{name: "R17c 22 of 210 trips", held: 210, zeroed: 22, expected: 210, got: 22, tripped: true,
			detail: "The plan zeroes (R11) 22 of the 210 keys harvest2runn holds in the window (its own minutes > 0, still in Runn): more than 10 % and more than 20 (R17 c)"},
		{name: "R17c 21 of 210 is not more than 10 %", held: 210, zeroed: 21, expected: 210, got: 21,
			detail: "The plan zeroes (R11) 21 of the 210 keys harvest2runn holds in the window (its own minutes > 0, still in Runn): no more than 10 % (R17 c)"},
		{name: "R17c 20 of 20 is not more than 20", held: 20, zeroed: 20, expected: 20, got: 20,
			detail: "The plan zeroes (R11) 20 of the 20 keys harvest2runn holds in the window (its own minutes > 0, still in Runn): no more than 20 (R17 c)"},
		{name: "R17c 21 of 21 trips", held: 21, zeroed: 21, expected: 21, got: 21, tripped: true},
		{name: "R17c keys Runn no longer holds are not held", held: 100, zeroed: 21, gone: 200, expected: 100, got: 21, tripped: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, run := ownedKeysWarehouse(t, tc.held, tc.zeroed, tc.gone)
			if _, err := Run(context.Background(), w, Options{RunID: run, Today: safetyToday, WindowFrom: safetyToday.AddDate(0, 0, -45), Autofill: true}); err != nil {
				t.Fatal(err)
			}
			var r11 int64
			if err := w.DB.Get(&r11, `SELECT count(*) FROM plan.chg_runn__actuals WHERE run_id = ? AND rule = 'R11'`, run); err != nil || r11 != int64(tc.zeroed) {
				t.Fatalf("the plan has %d R11 rows (%v), want %d: the fixture is wrong", r11, err, tc.zeroed)
			}
			var rows []safetyCheck
			if err := w.DB.Select(&rows, `SELECT * FROM plan.rpt_safety_checks WHERE run_id = ? AND stop = 'R17c'`, run); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 {
				t.Fatalf("%d R17c rows, want 1", len(rows))
			}
			got := rows[0]
			want := safetyCheck{RunID: run, Stop: "R17c", Source: "plan", Listing: "owned_keys", Expected: &tc.expected, Got: tc.got,
				Tripped: tc.tripped, Detail: got.Detail}
			if tc.detail != "" {
				want.Detail = tc.detail
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("R17c row (-want +got):\n%s", diff)
			}
			var others int
			if err := w.DB.Get(&others, `SELECT count(*) FROM plan.rpt_safety_checks WHERE run_id = ? AND stop = 'R17b' AND tripped`, run); err != nil || others != 0 {
				t.Errorf("%d R17b rows tripped on a first run (%v)", others, err)
			}
		})
	}
}

// The columns of plan.rpt_safety_checks are a contract with the pipelines (R17): names, order
// and types.
func TestR17SafetyChecksColumns(t *testing.T) {
	w, run := ownedKeysWarehouse(t, 1, 0, 0)
	if _, err := Run(context.Background(), w, Options{RunID: run, Today: safetyToday, WindowFrom: safetyToday.AddDate(0, 0, -45)}); err != nil {
		t.Fatal(err)
	}
	var cols []string
	if err := w.DB.Select(&cols, `SELECT column_name || ' ' || data_type FROM duckdb_columns()
		WHERE schema_name = 'plan' AND table_name = 'rpt_safety_checks' ORDER BY column_index`); err != nil {
		t.Fatal(err)
	}
	want := []string{"run_id BIGINT", "stop VARCHAR", "source VARCHAR", "listing VARCHAR", "previous_extract_id BIGINT",
		"expected BIGINT", "got BIGINT", "tripped BOOLEAN", "detail VARCHAR"}
	if diff := cmp.Diff(want, cols); diff != "" {
		t.Errorf("plan.rpt_safety_checks columns (-want +got):\n%s", diff)
	}
}
