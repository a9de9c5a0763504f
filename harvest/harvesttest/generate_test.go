package harvesttest

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/harvest"
)

func TestGenerateIsDeterministic(t *testing.T) {
	opts := GenerateOptions{Seed: 7, People: 40, Clients: 8, Projects: 30, TimeEntries: 3000}
	a, b := Generate(opts), Generate(opts)
	if !reflect.DeepEqual(a, b) { // cmp.Diff only to explain: it is slow on 3,000 entries
		t.Fatalf("two accounts from one seed differ:\n%s", gocmp.Diff(a, b))
	}
	opts.Seed = 8
	if reflect.DeepEqual(a, Generate(opts)) {
		t.Error("two seeds gave the same account")
	}
}

func normRole(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func isZero(n string) bool { f, err := strconv.ParseFloat(n, 64); return err == nil && f == 0 }

// TestGenerateVariety checks every case the Generate doc promises, for many seeds, on the
// default account and on the smallest account the doc names.
func TestGenerateVariety(t *testing.T) {
	for seed := range int64(12) {
		for _, opts := range []GenerateOptions{
			{Seed: seed},
			{Seed: seed, People: 13, Projects: 12, Clients: 2, TimeEntries: 100},
		} {
			a := Generate(opts)
			if err := a.validate(); err != nil {
				t.Fatalf("%+v: invalid account: %v", opts, err)
			}
			if missing := missingVariety(t, a); len(missing) > 0 {
				t.Errorf("%+v: no %s", opts, strings.Join(missing, "; no "))
			}
		}
	}
}

func missingVariety(t *testing.T, a *Account) []string {
	has := map[string]bool{}
	note := func(name string, ok bool) {
		if ok {
			has[name] = true
		}
	}

	// People and roles.
	spellings := map[string][]string{}
	for _, r := range a.Roles {
		n := normRole(r.Name)
		spellings[n] = append(spellings[n], r.Name)
		note("role named unknown", n == "unknown")
		note("blank role name", n == "")
	}
	for n, names := range spellings {
		for _, x := range names {
			for _, y := range names {
				note("role names differing only by case", x != y && strings.EqualFold(x, y) && n != "")
				note("role names differing only by white space", x != y && strings.Join(strings.Fields(x), " ") == strings.Join(strings.Fields(y), " "))
			}
		}
	}
	for _, u := range a.Users {
		note("user with no role", len(u.Roles) == 0)
		note("user with one role", len(u.Roles) == 1)
		note("user with several roles", len(u.Roles) > 1)
		note("user with two spellings of one role", len(u.Roles) == 2 && normRole(u.Roles[0]) == normRole(u.Roles[1]))
		note("contractor", u.IsContractor)
		note("employee", !u.IsContractor)
		note("user with empty email", u.Email == "")
		note("user without cost_rate", u.CostRate == nil)
		note("user with cost_rate 0", u.CostRate != nil && isZero(string(*u.CostRate)))
		note("archived user", !u.IsActive)
		note("administrator", slices.Contains(u.AccessRoles, "administrator"))
		if u.Roles == nil {
			t.Errorf("user %d: roles is null, Harvest sends []", u.ID)
		}
	}

	// Clients and projects.
	clients := map[int64]harvest.Client{}
	for _, c := range a.Clients {
		clients[c.ID] = c
		note("archived client", !c.IsActive)
	}
	projects := map[int64]harvest.Project{}
	for _, p := range a.Projects {
		projects[p.ID] = p
		note("archived project", !p.IsActive)
		note("non-billable project", !p.IsBillable)
		note("fixed fee project", p.IsBillable && p.IsFixedFee)
		note("time & materials project", p.IsBillable && !p.IsFixedFee)
		note("billable project billed by none", p.IsBillable && p.BillBy == "none")
		note("budget_by "+p.BudgetBy, true)
		note("project_cost with cost_budget", p.BudgetBy == "project_cost" && p.CostBudget != nil)
		note("project_cost without cost_budget", p.BudgetBy == "project_cost" && p.CostBudget == nil)
		note("project without client", p.Client == nil)
		note("active project of an archived client", p.IsActive && p.Client != nil && !clients[p.Client.ID].IsActive)
		if p.BudgetBy == "project_cost" && !p.IsBillable {
			t.Errorf("project %d: a fee budget on a non-billable project", p.ID)
		}
	}

	// Time entries.
	assignments := map[[2]int64]harvest.UserAssignment{}
	for _, ua := range a.UserAssignments {
		assignments[[2]int64{ua.User.ID, ua.Project.ID}] = ua
	}
	for _, e := range a.TimeEntries {
		h, _ := strconv.ParseFloat(string(e.Hours), 64)
		secs := h * 3600
		note("hours not whole minutes", math.Abs(secs/60-math.Round(secs/60)) > 0.001)
		note("billable entry on a non-billable project", e.Billable && !projects[e.Project.ID].IsBillable)
		note("running timer", e.IsRunning && e.TimerStartedAt != nil)
		note("entry on an archived project", !projects[e.Project.ID].IsActive)
		note("invoiced entry", e.IsBilled && e.Invoice != nil && e.IsLocked)
		note("approved entry", e.IsClosed && e.IsLocked)
		note("external reference", e.ExternalReference != nil)
		d, _ := time.Parse(time.DateOnly, e.SpentDate)
		note("weekend entry", d.Weekday() == time.Saturday || d.Weekday() == time.Sunday)
		note("weekday entry", d.Weekday() != time.Saturday && d.Weekday() != time.Sunday)
		if e.IsRunning != (e.TimerStartedAt != nil) {
			t.Errorf("entry %d: is_running %v with timer_started_at %v", e.ID, e.IsRunning, e.TimerStartedAt)
		}
	}

	want := []string{
		"role named unknown", "blank role name", "role names differing only by case", "role names differing only by white space",
		"user with no role", "user with one role", "user with several roles", "user with two spellings of one role",
		"contractor", "employee", "user with empty email", "user without cost_rate", "user with cost_rate 0", "archived user", "administrator",
		"archived client", "archived project", "non-billable project", "fixed fee project", "time & materials project",
		"billable project billed by none", "budget_by project", "budget_by project_cost", "budget_by task", "budget_by task_fees",
		"budget_by person", "budget_by none", "project_cost with cost_budget", "project_cost without cost_budget",
		"project without client", "active project of an archived client",
		"hours not whole minutes", "billable entry on a non-billable project", "running timer", "entry on an archived project",
		"invoiced entry", "approved entry", "external reference", "weekend entry", "weekday entry",
	}
	var missing []string
	for _, w := range want {
		if !has[w] {
			missing = append(missing, w)
		}
	}
	return missing
}

// TestGenerateConsistency checks what ties the records together, for several sizes.
func TestGenerateConsistency(t *testing.T) {
	now := time.Date(2024, 4, 2, 12, 0, 0, 0, time.UTC)
	for _, opts := range []GenerateOptions{
		{Seed: 1},
		{Seed: 2, People: 3, Clients: 1, Projects: 2, TimeEntries: 5},
		{Seed: 3, People: 120, Clients: 15, Projects: 200, TimeEntries: 20000,
			From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC), Now: now},
	} {
		t.Run(strconv.FormatInt(opts.Seed, 10), func(t *testing.T) {
			a := Generate(opts)
			checkConsistency(t, a, opts)
		})
	}
}

func checkConsistency(t *testing.T, a *Account, opts GenerateOptions) {
	t.Helper()
	if err := a.validate(); err != nil {
		t.Fatalf("invalid account: %v", err)
	}
	g := newGenerator(opts)
	if len(a.Users) != g.people || len(a.Clients) != g.clients || len(a.Projects) != g.projects {
		t.Errorf("%d users, %d clients, %d projects; want %d, %d, %d", len(a.Users), len(a.Clients), len(a.Projects), g.people, g.clients, g.projects)
	}
	if n := len(a.TimeEntries); math.Abs(float64(n-g.entries)) > float64(g.entries)/50+5 {
		t.Errorf("%d time entries, want about %d", n, g.entries)
	}
	from, to := g.from.Format(time.DateOnly), g.to.Format(time.DateOnly)

	// Roles and users name each other exactly.
	roleUsers := map[string][]int64{}
	for _, r := range a.Roles {
		roleUsers[r.Name] = r.UserIDs
		if r.UserIDs == nil {
			t.Errorf("role %d: user_ids is null", r.ID)
		}
	}
	for _, u := range a.Users {
		for _, name := range u.Roles {
			if !slices.Contains(roleUsers[name], u.ID) {
				t.Errorf("user %d has role %q but the role does not list the user", u.ID, name)
			}
		}
	}
	users := map[int64]harvest.User{}
	for _, u := range a.Users {
		users[u.ID] = u
	}
	for name, ids := range roleUsers {
		for _, id := range ids {
			if !slices.Contains(users[id].Roles, name) {
				t.Errorf("role %q lists user %d, who does not have it", name, id)
			}
		}
	}

	// Entries only on assignments, and carry them.
	assignments := map[[2]int64]harvest.UserAssignment{}
	for _, ua := range a.UserAssignments {
		assignments[[2]int64{ua.User.ID, ua.Project.ID}] = ua
	}
	for _, e := range a.TimeEntries {
		ua, ok := assignments[[2]int64{e.User.ID, e.Project.ID}]
		if !ok {
			t.Fatalf("entry %d: user %d has no assignment on project %d", e.ID, e.User.ID, e.Project.ID)
		}
		n := e.UserAssignment
		if n == nil || n.ID != ua.ID || n.IsActive != ua.IsActive || n.UseDefaultRates != ua.UseDefaultRates ||
			!n.CreatedAt.Equal(ua.CreatedAt) || !gocmp.Equal(n.HourlyRate, ua.HourlyRate) || !gocmp.Equal(n.Budget, ua.Budget) {
			t.Fatalf("entry %d: nested user_assignment %+v does not match assignment %+v", e.ID, n, ua)
		}
		if e.SpentDate < from || e.SpentDate > to {
			t.Errorf("entry %d: spent_date %s outside %s..%s", e.ID, e.SpentDate, from, to)
		}
		if !e.CreatedAt.Before(g.now) || !e.UpdatedAt.Before(g.now) || e.UpdatedAt.Before(e.CreatedAt) {
			t.Errorf("entry %d: created %v, updated %v, now %v", e.ID, e.CreatedAt, e.UpdatedAt, g.now)
		}
		if e.ID <= math.MaxInt32 {
			t.Errorf("entry %d: time entry ids should be bigint-sized", e.ID)
		}
		if !e.Billable && e.BillableRate != nil {
			t.Errorf("entry %d: not billable, yet billable_rate %v", e.ID, *e.BillableRate)
		}
	}
	for _, u := range a.Users {
		if u.ID < 1_000_000 || u.ID > 9_999_999 || u.CreatedAt.After(u.UpdatedAt) || !u.UpdatedAt.Before(g.now) {
			t.Errorf("user %d: id or timestamps (%v, %v) unrealistic", u.ID, u.CreatedAt, u.UpdatedAt)
		}
	}
}

func TestGeneratedAccountsDoNotShareRecords(t *testing.T) {
	a := Generate(GenerateOptions{Seed: 5})
	b := Generate(GenerateOptions{Seed: 5})
	a.Users[0].Roles[0] = "Changed"
	*a.TimeEntries[0].UserAssignment = harvest.EntryUserAssignment{}
	if b.Users[0].Roles[0] == "Changed" || b.TimeEntries[0].UserAssignment.ID == 0 {
		t.Error("two generated accounts share memory")
	}
	if userCases[0].roles[0] != "Developer" {
		t.Error("changing a generated user changed the generator's table")
	}
}
