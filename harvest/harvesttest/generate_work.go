package harvesttest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

func (g *generator) genClients() {
	n := g.clients
	ids := g.ids(5_735_000, n, 300)
	created := g.createdTimes(n, g.from.AddDate(-4, 0, 0), g.from.AddDate(0, -1, 0))
	names := map[string]int{}
	clients := make([]harvest.Client, n)
	for i := range clients {
		c := harvest.Client{
			ID:           ids[i],
			Name:         uniqueName(names, pick(g, clientWords)+" "+pick(g, clientKinds)),
			IsActive:     i != 1 && (i < 2 || !g.chance(0.1)), // the second client is archived
			StatementKey: fmt.Sprintf("%016x%016x", g.rng.Uint64(), g.rng.Uint64()),
			Currency:     pick(g, currencies),
			CreatedAt:    created[i],
		}
		if g.chance(0.7) {
			c.Address = ptr(fmt.Sprintf("%d Harbour Street\r\nUnit %d\r\nBergen %04d", 1+g.rng.IntN(200), 1+g.rng.IntN(30), g.rng.IntN(10000)))
		}
		c.UpdatedAt = g.updatedAfter(c.CreatedAt)
		clients[i] = c
	}
	g.acct.Clients = clients
}

// uniqueName numbers a name already taken, as people do in Harvest ("Intranet 2").
func uniqueName(taken map[string]int, name string) string {
	taken[name]++
	if k := taken[name]; k > 1 {
		return fmt.Sprintf("%s %d", name, k)
	}
	return name
}

type clientChoice int

const (
	anyClient      clientChoice = iota
	archivedClient              // the second client, which is archived
	noClient
)

// projectCase is a featured project; the first projects get them so that small accounts
// have every project type and budget kind.
type projectCase struct {
	billable, fixedFee bool
	billBy, budgetBy   string
	costBudget         bool // project_cost only: whether cost_budget is set
	inactive           bool
	client             clientChoice
}

var projectCases = []projectCase{
	{billable: true, billBy: "Project", budgetBy: "project"},                                       // T&M, total project hours
	{billable: true, fixedFee: true, billBy: "People", budgetBy: "project_cost", costBudget: true}, // fixed fee, total project fees
	{billBy: "none", budgetBy: "none"},                                                             // non-billable
	{billable: true, billBy: "Tasks", budgetBy: "task"},                                            // hours per task
	{billable: true, billBy: "People", budgetBy: "task_fees"},                                      // fees per task
	{billable: true, billBy: "People", budgetBy: "person"},                                         // hours per person
	{billable: true, fixedFee: true, billBy: "Project", budgetBy: "project_cost"},                  // total fees without cost_budget
	{billable: true, billBy: "Tasks", budgetBy: "none", inactive: true},                            // archived
	{billable: true, billBy: "none", budgetBy: "project"},                                          // billable yet bill_by none
	{billable: true, billBy: "People", budgetBy: "none", client: archivedClient},                   // active, client archived
	{billBy: "none", budgetBy: "project", inactive: true},                                          // archived non-billable
	{billable: true, billBy: "Project", budgetBy: "none", client: noClient},                        // no client
}

func (g *generator) randomProjectCase() projectCase {
	c := projectCase{inactive: g.chance(0.08), costBudget: g.chance(0.85)}
	switch r := g.rng.Float64(); {
	case r < 0.2:
		c.billBy, c.budgetBy = "none", pick(g, []string{"none", "project", "task", "person"})
	case r < 0.35:
		c.billable, c.fixedFee = true, true
		c.billBy, c.budgetBy = pick(g, []string{"People", "Project"}), pick(g, []string{"project_cost", "project_cost", "project", "none"})
	default:
		c.billable = true
		c.billBy = pick(g, []string{"Project", "Tasks", "People"})
		c.budgetBy = pick(g, []string{"project", "project_cost", "task", "task_fees", "person", "none"})
	}
	return c
}

func (g *generator) genProjects() {
	n := g.projects
	ids := g.ids(14_300_000, n, 60)
	recent := 0
	if g.to.Sub(g.from) >= 14*24*time.Hour && n > len(projectCases) {
		recent = max(1, n/20)
	}
	created := g.createdTimes(n-recent, g.from.AddDate(-2, 0, 0), g.from.AddDate(0, 0, -1))
	created = append(created, g.createdTimes(recent, g.from, g.to.AddDate(0, 0, -7))...)
	taIDs := g.ids(155_500_000, n*6, 20)

	names := map[string]int{}
	projects := make([]harvest.Project, n)
	g.projTasks = make([][]projectTask, n)
	for i := range projects {
		c := g.randomProjectCase()
		if i < len(projectCases) {
			c = projectCases[i]
		}
		p := harvest.Project{
			ID:                               ids[i],
			Name:                             uniqueName(names, pick(g, projectThings)+" "+pick(g, projectKinds)),
			IsActive:                         !c.inactive,
			IsBillable:                       c.billable,
			IsFixedFee:                       c.fixedFee,
			BillBy:                           c.billBy,
			BudgetBy:                         c.budgetBy,
			BudgetIsMonthly:                  g.chance(0.1),
			NotifyWhenOverBudget:             g.chance(0.5),
			OverBudgetNotificationPercentage: num("80.0"),
			ShowBudgetToAll:                  g.chance(0.2),
			CreatedAt:                        created[i],
		}
		if cl := g.projectClient(c.client); cl != nil {
			p.Client = &harvest.ClientRef{ID: cl.ID, Name: cl.Name, Currency: ptr(cl.Currency)}
			if !cl.IsActive && c.client == anyClient {
				p.IsActive = false // archiving a client archives its projects
			}
			if g.chance(0.7) {
				p.Code = ptr(fmt.Sprintf("%s-%02d", strings.ToUpper(cl.Name[:3]), 1+g.rng.IntN(99)))
			}
		}
		if c.fixedFee {
			p.Fee = num(pick(g, []string{"48000.0", "21900.0", "9500.0", "125000.0"}))
		}
		if c.billBy == "Project" {
			p.HourlyRate = num(pick(g, billableRates))
		}
		switch c.budgetBy {
		case "project", "task":
			p.Budget = num(pick(g, []string{"400.0", "120.0", "80.0", "250.5"}))
		case "person":
			p.Budget = num("150.0") // per-person projects still show a project figure
		case "project_cost":
			if c.costBudget {
				p.CostBudget = num(pick(g, []string{"48000.0", "15000.0", "7250.5"}))
				if p.Fee != nil {
					p.CostBudget = ptr(*p.Fee)
				}
				p.CostBudgetIncludeExpenses = g.chance(0.5)
			}
		}
		if g.chance(0.3) {
			p.Notes = ptr(pick(g, []string{"Signed SOW 2024-03", "Retainer, renews quarterly", "Internal work"}))
		}
		if g.chance(0.6) {
			p.StartsOn = ptr(day(created[i]).AddDate(0, 0, 7).Format(time.DateOnly))
			if g.chance(0.5) {
				p.EndsOn = ptr(g.to.AddDate(0, 1+g.rng.IntN(12), 0).Format(time.DateOnly))
			}
		}
		p.UpdatedAt = g.updatedAfter(p.CreatedAt)
		projects[i] = p
		g.projTasks[i] = g.projectTasks(&projects[i], taIDs[i*6:i*6+6])
	}
	g.acct.Projects = projects
}

func (g *generator) projectClient(c clientChoice) *harvest.Client {
	switch {
	case c == noClient:
		return nil
	case c == archivedClient && len(g.acct.Clients) > 1:
		return &g.acct.Clients[1]
	}
	return &g.acct.Clients[g.rng.IntN(len(g.acct.Clients))]
}

// projectTasks assigns 2 to 5 tasks to p: always an active billable one, sometimes an
// archived one.
func (g *generator) projectTasks(p *harvest.Project, ids []int64) []projectTask {
	chosen := []int{g.rng.IntN(8)} // the first 8 tasks are active and billable by default
	for len(chosen) < 2+g.rng.IntN(4) {
		if t := g.rng.IntN(len(taskTable)); !slices.Contains(chosen, t) {
			chosen = append(chosen, t)
		}
	}
	out := make([]projectTask, len(chosen))
	for i, t := range chosen {
		task := &g.acct.Tasks[t]
		ta := &harvest.EntryTaskAssignment{
			ID:        ids[i],
			Billable:  p.IsBillable && task.BillableByDefault,
			IsActive:  task.IsActive,
			CreatedAt: p.CreatedAt,
			UpdatedAt: p.CreatedAt,
		}
		if p.BillBy == "Tasks" {
			ta.HourlyRate = dup(task.DefaultHourlyRate)
			if ta.HourlyRate == nil {
				ta.HourlyRate = num(pick(g, billableRates))
			}
		}
		switch p.BudgetBy {
		case "task":
			ta.Budget = num(pick(g, []string{"40.0", "16.0", "80.0"}))
		case "task_fees":
			ta.Budget = num(pick(g, []string{"5000.0", "12000.0", "800.0"}))
		}
		out[i] = projectTask{task: task, ta: ta}
	}
	return out
}

// The records of the account share no memory with each other (a caller may change one
// through its pointers); only time entries share parts among themselves.

// genAssignments puts 1 to 3 people on every project and every person on at least one
// project; time entries are only ever made on these pairs.
func (g *generator) genAssignments() {
	type pair struct{ user, project int }
	var pairs []pair
	has := make([]bool, len(g.acct.Users))
	for p := range g.acct.Projects {
		var on []int
		for len(on) < 1+g.rng.IntN(3) && len(on) < len(g.acct.Users) {
			if u := g.rng.IntN(len(g.acct.Users)); !slices.Contains(on, u) {
				on = append(on, u)
			}
		}
		for _, u := range on {
			pairs = append(pairs, pair{u, p})
			has[u] = true
		}
	}
	withClient := g.projectsWithClient()
	for u, ok := range has {
		if !ok && len(withClient) > 0 {
			pairs = append(pairs, pair{u, pick(g, withClient)})
		}
	}

	assigns := make([]assignment, len(pairs))
	for i, pr := range pairs {
		u, p := &g.acct.Users[pr.user], &g.acct.Projects[pr.project]
		start := u.CreatedAt
		if p.CreatedAt.After(start) {
			start = p.CreatedAt
		}
		created := g.beforeNow(g.between(start, start.Add(72*time.Hour)))
		ua := &harvest.UserAssignment{
			Project:          harvest.ProjectRef{ID: p.ID, Name: p.Name, Code: dup(p.Code)},
			User:             harvest.IDName{ID: u.ID, Name: u.FirstName + " " + u.LastName},
			IsActive:         !g.chance(0.05),
			IsProjectManager: g.chance(0.15),
			UseDefaultRates:  !g.chance(0.2),
			CreatedAt:        created,
		}
		ua.UpdatedAt = g.updatedAfter(created)
		if ua.UseDefaultRates {
			ua.HourlyRate = dup(u.DefaultHourlyRate)
		} else {
			ua.HourlyRate = num(pick(g, billableRates))
		}
		if p.BudgetBy == "person" {
			ua.Budget = num(pick(g, []string{"35.0", "33.0", "60.0"}))
		}
		assigns[i] = assignment{ua: ua, user: u, project: pr.project, firstDay: day(created)}
	}
	// Ids follow creation, as in Harvest.
	slices.SortStableFunc(assigns, func(a, b assignment) int { return a.ua.CreatedAt.Compare(b.ua.CreatedAt) })
	ids := g.ids(125_068_000, len(assigns), 40)
	g.acct.UserAssignments = make([]harvest.UserAssignment, len(assigns))
	for i := range assigns {
		a := &assigns[i]
		a.ua.ID = ids[i]
		a.nested = &harvest.EntryUserAssignment{
			ID:               a.ua.ID,
			IsProjectManager: a.ua.IsProjectManager,
			IsActive:         a.ua.IsActive,
			UseDefaultRates:  a.ua.UseDefaultRates,
			Budget:           dup(a.ua.Budget),
			CreatedAt:        a.ua.CreatedAt,
			UpdatedAt:        a.ua.UpdatedAt,
			HourlyRate:       dup(a.ua.HourlyRate),
		}
		g.acct.UserAssignments[i] = *a.ua
	}
	g.assigns = assigns
}

func (g *generator) projectsWithClient() []int {
	var out []int
	for i := range g.acct.Projects {
		if g.acct.Projects[i].Client != nil {
			out = append(out, i)
		}
	}
	return out
}
