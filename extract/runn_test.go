package extract

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// runnState builds a Runn account big enough that roles, people and actuals span several pages.
func runnState(people, actualsPerPerson int, today time.Time) *runntest.State {
	at := today.AddDate(0, -1, 0)
	s := &runntest.State{}
	s.Clients = append(s.Clients, runn.Client{ID: 1, Name: "Acme", References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: "501"}}, CreatedAt: at, UpdatedAt: at})
	s.ProjectTags = append(s.ProjectTags, runn.ProjectTag{ID: 1, Name: "sync_off", ProjectIDs: []int64{2}, CreatedAt: at, UpdatedAt: at})
	for i := int64(1); i <= 3; i++ {
		s.Projects = append(s.Projects, runn.Project{ID: i, Name: fmt.Sprintf("P%d", i), ClientID: 1, IsConfirmed: i != 3,
			PricingModel: "tm", RateType: "hours", RateCardID: 1, CustomFields: map[string]any{}, ManagerIDs: []int64{},
			References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: fmt.Sprint(9000 + i)}}, CreatedAt: at, UpdatedAt: at})
	}
	for i := int64(1); i <= int64(people); i++ {
		name := fmt.Sprintf("Role %d", i)
		s.Roles = append(s.Roles, runn.Role{ID: i, Name: &name, References: []runn.Reference{}, PersonIDs: []int64{i}, CreatedAt: at, UpdatedAt: at})
		s.People = append(s.People, runn.Person{ID: i, FirstName: "P", LastName: fmt.Sprint(i), References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: fmt.Sprint(7000 + i)}},
			Tags: []runn.Tag{}, Managers: []map[string]any{}, CreatedAt: at, UpdatedAt: at})
		s.Contracts = append(s.Contracts, runn.Contract{ID: i, PersonID: i, RoleID: i, StartDate: "2024-01-01", EmploymentType: "employee",
			RosteredDays: runn.RosteredDays{Monday: 480, Tuesday: 480, Wednesday: 480, Thursday: 480, Friday: 480}, CreatedAt: at, UpdatedAt: at})
		s.Assignments = append(s.Assignments, runn.Assignment{ID: i, PersonID: i, ProjectID: 1, RoleID: i, StartDate: "2020-01-01", EndDate: "2030-12-31",
			MinutesPerDay: 240, IsActive: true, CreatedAt: at, UpdatedAt: at})
		for d := 0; d < actualsPerPerson; d++ {
			s.Actuals = append(s.Actuals, runn.Actual{ID: i*1000 + int64(d), Date: today.AddDate(0, 0, -d).Format(time.DateOnly),
				BillableMinutes: 60, PersonID: i, ProjectID: 1, RoleID: i, CreatedAt: at, UpdatedAt: at})
		}
	}
	return s
}

func TestRunnSnapshotLandsEveryEndpoint(t *testing.T) {
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	state := runnState(250, 6, today) // 250 roles and people: 2 pages at limit 200; 1500 actuals: 3 pages at 500
	api := testwarehouse.StartRunn(t, state, runntest.Options{Token: testToken, Today: today.Format(time.DateOnly)}).Client(t, runn.Config{})
	w := testwarehouse.Open(t)
	ctx := context.Background()
	run, err := w.StartRun(ctx, "extract", today, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The window holds 4 of each person's 6 days of actuals.
	win := Window{From: today.AddDate(0, 0, -3), To: today}
	m, err := Runn(ctx, w, api, RunnOptions{RunID: run.ID, ActualsWindow: win})
	if err != nil {
		t.Fatalf("Runn() = %v", err)
	}
	want := map[string]int{"roles": 250, "clients": 1, "projects": 3, "people": 250, "project_tags": 1,
		"contracts": 250, "assignments": 250, "actuals": 250 * 4}
	for table, n := range want {
		var got int
		if err := w.DB.Get(&got, "SELECT count(*) FROM raw.runn_"+table+" WHERE extract_id = ?", m.ExtractID); err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("raw.runn_%s: %d rows, want %d", table, got, n)
		}
	}
	// The fewest requests the page limits allow: roles 2, clients 1, projects 1, people 2,
	// tags 1, contracts 2, assignments 1, actuals 2.
	if m.Requests != 12 {
		t.Errorf("snapshot took %d requests, the page limits allow 12", m.Requests)
	}
	var ext string
	if err := w.DB.Get(&ext, `SELECT r.external_id FROM raw.runn_people p, unnest(p."references") AS u(r) WHERE p.id = 7`); err != nil || ext != "7007" {
		t.Errorf("person 7's Harvest reference = %q, %v", ext, err)
	}
	var tagged string
	if err := w.DB.Get(&tagged, `SELECT t.name FROM raw.runn_project_tags t WHERE list_contains(t.project_ids, 2)`); err != nil || tagged != "sync_off" {
		t.Errorf("project 2's tag = %q, %v", tagged, err)
	}
	body, err := PageBody(ctx, w, "runn", m.ExtractID, "clients", 1)
	if err != nil || !strings.Contains(string(body), `"Acme"`) {
		t.Errorf("clients page body = %.80s, %v", body, err)
	}
}

// bigRunnState is a Runn account of the given size: a contract and three assignments per
// person, and actuals on every weekday of the last `days` days on one or two projects.
func bigRunnState(people, projects, days int, today time.Time) *runntest.State {
	at := today.AddDate(-1, 0, 0)
	s := &runntest.State{}
	const roles = 40
	for i := int64(1); i <= roles; i++ {
		name := fmt.Sprintf("Role %d", i)
		s.Roles = append(s.Roles, runn.Role{ID: i, Name: &name, CreatedAt: at, UpdatedAt: at})
	}
	clients := max(projects/20, 1)
	for i := int64(1); i <= int64(clients); i++ {
		s.Clients = append(s.Clients, runn.Client{ID: i, Name: fmt.Sprintf("Client %d", i),
			References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: fmt.Sprint(500000 + i)}}, CreatedAt: at, UpdatedAt: at})
	}
	for i := int64(1); i <= int64(projects); i++ {
		s.Projects = append(s.Projects, runn.Project{ID: i, Name: fmt.Sprintf("Project %d", i), ClientID: 1 + i%int64(clients),
			IsConfirmed: true, PricingModel: "tm", RateType: "hours", RateCardID: 1,
			References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: fmt.Sprint(900000 + i)}}, CreatedAt: at, UpdatedAt: at})
	}
	var actualID int64
	for p := int64(1); p <= int64(people); p++ {
		role := 1 + p%roles
		s.People = append(s.People, runn.Person{ID: p, FirstName: "Person", LastName: fmt.Sprint(p),
			References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: fmt.Sprint(700000 + p)}}, CreatedAt: at, UpdatedAt: at})
		s.Contracts = append(s.Contracts, runn.Contract{ID: p, PersonID: p, RoleID: role, StartDate: "2024-01-01", EmploymentType: "employee",
			RosteredDays: runn.RosteredDays{Monday: 480, Tuesday: 480, Wednesday: 480, Thursday: 480, Friday: 480}, CreatedAt: at, UpdatedAt: at})
		proj := [3]int64{1 + (p*7)%int64(projects), 1 + (p*13+1)%int64(projects), 1 + (p*29+2)%int64(projects)}
		for k, j := range proj {
			s.Assignments = append(s.Assignments, runn.Assignment{ID: p*3 + int64(k), PersonID: p, ProjectID: j, RoleID: role,
				StartDate: today.AddDate(0, -6, 0).Format(time.DateOnly), EndDate: today.AddDate(0, 6, 0).Format(time.DateOnly),
				MinutesPerDay: 240, IsActive: true, CreatedAt: at, UpdatedAt: at})
		}
		for d := 0; d < days; d++ {
			day := today.AddDate(0, 0, -d)
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			for k := 0; k < 1+int(p+int64(d))%2; k++ {
				actualID++
				s.Actuals = append(s.Actuals, runn.Actual{ID: actualID, Date: day.Format(time.DateOnly), BillableMinutes: 240,
					PersonID: p, ProjectID: proj[k], RoleID: role, CreatedAt: at, UpdatedAt: at})
			}
		}
	}
	return s
}

// TestRunnSnapshotReadsActualsInRanges (issue 14): after a first snapshot, the next one reads
// the window's actuals in date ranges side by side, split by the last snapshot's actuals per day
// so that the ranges take no request beyond the fewest, a range whose last page is not full from
// both ends. Every actual of the window is landed (the ends' overlap twice, counted once).
func TestRunnSnapshotReadsActualsInRanges(t *testing.T) {
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		people     int // actuals a day, on each of 20 days
		wantRanges int
		wantEnds   int // listings of actuals in the second snapshot
	}{
		// 250 a day, 10 pages: ranges of an even number of days fill their pages, each read from
		// one end. The longest other listing takes 2 pages: 4 ranges, one of 3 pages (3 ranges
		// would need 4). An even split of 5 days a range takes 12 pages.
		{"full pages", 250, 4, 4},
		// 230 a day, 10 pages (9.2): ranges of 8, 8 and 4 days (4, 4 and 2 pages, the last
		// ones not full) read from both ends, 2 pages each end.
		{"last pages not full", 230, 3, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := runnState(tt.people, 20, today)
			srv := testwarehouse.StartRunn(t, state, runntest.Options{Token: testToken, Today: today.Format(time.DateOnly)})
			api := srv.Client(t, runn.Config{})
			w := testwarehouse.Open(t)
			ctx := context.Background()
			win := Window{From: today.AddDate(0, 0, -19), To: today}
			var ms []Manifest
			for range 2 {
				run, err := w.StartRun(ctx, "extract", today, nil)
				if err != nil {
					t.Fatal(err)
				}
				m, err := Runn(ctx, w, api, RunnOptions{RunID: run.ID, ActualsWindow: win})
				if err != nil {
					t.Fatalf("Runn() = %v", err)
				}
				ms = append(ms, m)
			}
			total := int64(tt.people * 20)
			var landed, rows int64
			if err := w.DB.QueryRow("SELECT count(DISTINCT id), count(*) FROM raw.runn_actuals WHERE extract_id = ?", ms[1].ExtractID).Scan(&landed, &rows); err != nil {
				t.Fatal(err)
			}
			if landed != total || ms[1].PerResource["actuals"] != total {
				t.Errorf("second snapshot landed %d actuals (%d rows) and counted %d, want each of the %d", landed, rows, ms[1].PerResource["actuals"], total)
			}
			if ms[1].Records != ms[0].Records {
				t.Errorf("second snapshot counted %d records, the first %d: want the same", ms[1].Records, ms[0].Records)
			}
			ranges, ends := map[string]bool{}, 0
			for _, r := range srv.Requests()[len(srv.Requests())-int(ms[1].Requests):] {
				if r.Path == "/actuals/" && !strings.Contains(r.Query, "cursor") {
					ends++
					q := r.Query
					for _, p := range []string{"&order=desc", "&sortBy=id"} {
						q = strings.ReplaceAll(q, p, "")
					}
					ranges[q] = true
				}
			}
			if len(ranges) != tt.wantRanges || ends != tt.wantEnds {
				t.Errorf("second snapshot read actuals in %d ranges by %d listings, want %d by %d: %v", len(ranges), ends, tt.wantRanges, tt.wantEnds, ranges)
			}
			// The fewest: roles, people and contracts 2 pages each, actuals 10, the other four 1.
			if ms[1].Requests != ms[0].Requests || ms[0].Requests != 20 {
				t.Errorf("the split snapshot took %d requests, the whole-window one %d: want the fewest, 20, for both", ms[1].Requests, ms[0].Requests)
			}
		})
	}
}

// TestRunnSizesCountWhatTheLoadsWrote (issue 14): a sync's snapshot comes before its load, so
// the next snapshot's split counts what the loads confirmed since (R11's audit.actual_keys, the
// creates in the audit trail) beside the last snapshot's records: each new key once, a key the
// snapshot held not again, other runs' and reverts' writes not at all.
func TestRunnSizesCountWhatTheLoadsWrote(t *testing.T) {
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	state := runnState(150, 2, today) // 150 people (1 page), 150 actuals a day on the last 2 days
	api := testwarehouse.StartRunn(t, state, runntest.Options{Token: testToken, Today: today.Format(time.DateOnly)}).Client(t, runn.Config{})
	w := testwarehouse.Open(t)
	ctx := context.Background()
	earlier, err := w.StartRun(ctx, "sync", today, nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := w.StartRun(ctx, "sync", today, nil)
	if err != nil {
		t.Fatal(err)
	}
	win := Window{From: today.AddDate(0, 0, -3), To: today}
	if _, err := Runn(ctx, w, api, RunnOptions{RunID: run.ID, ActualsWindow: win}); err != nil {
		t.Fatalf("Runn() = %v", err)
	}
	yesterday, before := today.AddDate(0, 0, -1), today.AddDate(0, 0, -2)
	key := func(runID int64, day time.Time, person int64, how string) string {
		return fmt.Sprintf("(%d, DATE '%s', %d, 1, %d, 60, 0, '%s')", runID, day.Format(time.DateOnly), person, person, how)
	}
	var keys []string
	for p := int64(1); p <= 100; p++ {
		keys = append(keys, key(run.ID, before, p, "written")) // new: the day before had none
	}
	keys = append(keys,
		key(run.ID, before, 1, "written"),                    // written twice: one record
		key(run.ID, yesterday, 7, "written"),                 // the snapshot held it
		key(run.ID, before, 200, "found_equal"),              // not written
		key(earlier.ID, before, 201, "written"),              // before the snapshot: it held what it left
		key(run.ID, today.AddDate(0, 0, -9), 202, "written")) // outside the window
	stmts := []string{
		`INSERT INTO audit.actual_keys (run_id, date, runn_person_id, runn_project_id, runn_role_id,
			billable_minutes, nonbillable_minutes, how) VALUES ` + strings.Join(keys, ", "),
	}
	// 60 people created by the load (and one revert's write, not counted): 210, two pages.
	for i := int64(1); i <= 61; i++ {
		mode := "apply"
		if i == 61 {
			mode = "revert"
		}
		stmts = append(stmts,
			fmt.Sprintf(`INSERT INTO audit.writes (write_id, load_id, run_id, mode, kind, target_key) VALUES (%d, 1, %d, '%s', 'person', 'harvest:%d')`, i, run.ID, mode, i),
			fmt.Sprintf(`INSERT INTO audit.outcomes (outcome_id, write_id, status, how, runn_id) VALUES (%d, %d, 'confirmed', 'answer', %d)`, i, i, 5000+i))
	}
	for _, s := range stmts {
		if _, err := w.DB.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	predicted := func(win Window) (map[string]int64, int64) {
		t.Helper()
		sizes, err := lastRunnSizes(ctx, w, win)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, d := range sizes.days {
			got[d.Date.Format(time.DateOnly)] = d.Count
		}
		return got, sizes.longestOther
	}
	want := map[string]int64{before.Format(time.DateOnly): 100, yesterday.Format(time.DateOnly): 150, today.Format(time.DateOnly): 150}
	got, longest := predicted(win)
	if !maps.Equal(got, want) {
		t.Errorf("predicted actuals by date = %v, want %v", got, want)
	}
	if longest != 2 {
		t.Errorf("predicted longest other listing = %d pages, want 2 (210 people)", longest)
	}

	// What the sync stores after its load is what the next split reads, while it holds. The raw
	// rows are changed behind its back to tell the stored sizes from the ones worked out anew.
	if err := RecordRunnSizes(ctx, w, run.ID, win); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.ExecContext(ctx, `DELETE FROM raw.runn_actuals WHERE date = ?`, today); err != nil {
		t.Fatal(err)
	}
	anew := maps.Clone(want)
	delete(anew, today.Format(time.DateOnly))
	next := Window{From: win.From.AddDate(0, 0, 1), To: win.To.AddDate(0, 0, 1)}
	for _, tt := range []struct {
		name  string
		setup string
		win   Window
		want  map[string]int64
	}{
		{"stored, for the next day's window", "", next, want},
		{"worked out anew for a window that starts earlier", "", Window{From: win.From.AddDate(0, 0, -1), To: win.To}, anew},
		{"worked out anew once a load has started since", `INSERT INTO audit.loads (load_id, run_id, mode, status) VALUES (99, 1, 'revert', 'running')`, next, anew},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != "" {
				if _, err := w.DB.ExecContext(ctx, tt.setup); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := predicted(tt.win); !maps.Equal(got, tt.want) {
				t.Errorf("predicted actuals by date = %v, want %v", got, tt.want)
			}
		})
	}
}
