package demo

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// seed is what the demo's Runn holds before the first sync: a team that already keyed a few
// Harvest records into Runn by hand, so that the rules that depend on Runn's side show up. Each
// case names the rule it exercises.
type seed struct {
	state *runntest.State
	cases []string // one line per case, for the demo's output
}

// busyPair is a (user, project) with stopped Harvest time in the window.
type busyPair struct {
	user, project int64
	entries       int
	lastDate      string
}

// seedBuilder holds the generated account, indexed, and the six busy pairs the cases use.
type seedBuilder struct {
	acct       *harvesttest.Account
	users      map[int64]harvest.User
	projects   map[int64]harvest.Project
	windowFrom time.Time
	picked     []*busyPair
}

// runnSeed builds Runn's starting state from the generated Harvest account: a tentative
// project, a project tagged sync_off, an archived project and an archived person (R9), a person
// whose contract has the role Unknown (R6, R8), a person and project with an assignment that R13
// autofills, a manual actual R10 overwrites, and a client with a Harvest client's name but no
// reference (R1a).
func runnSeed(acct *harvesttest.Account, windowFrom time.Time) seed {
	b := &seedBuilder{acct: acct, users: map[int64]harvest.User{}, projects: map[int64]harvest.Project{}, windowFrom: windowFrom}
	for _, u := range acct.Users {
		b.users[u.ID] = u
	}
	for _, p := range acct.Projects {
		b.projects[p.ID] = p
	}
	b.picked = distinctPairs(b.busyPairs(), 6)
	s := seed{state: &runntest.State{}}
	if len(b.picked) < 6 {
		return s
	}
	s.cases = b.clients(s.state)
	b.records(s.state)
	s.cases = append(s.cases, b.cases()...)
	return s
}

// busyPairs are the (user, project) pairs with stopped time in the window, of active people with
// one role on active projects with a client, busiest first.
func (b *seedBuilder) busyPairs() []*busyPair {
	from := b.windowFrom.Format(time.DateOnly)
	counts := map[[2]int64]*busyPair{}
	for _, e := range b.acct.TimeEntries {
		u, p := b.users[e.User.ID], b.projects[e.Project.ID]
		if e.IsRunning || e.SpentDate < from || !u.IsActive || !p.IsActive || p.Client == nil || len(u.Roles) != 1 {
			continue
		}
		k := [2]int64{u.ID, p.ID}
		if counts[k] == nil {
			counts[k] = &busyPair{user: u.ID, project: p.ID}
		}
		counts[k].entries++
		counts[k].lastDate = max(counts[k].lastDate, e.SpentDate)
	}
	var pairs []*busyPair
	for _, p := range counts {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b *busyPair) int {
		if a.entries != b.entries {
			return b.entries - a.entries
		}
		if a.user != b.user {
			return int(a.user - b.user)
		}
		return int(a.project - b.project)
	})
	return pairs
}

// distinctPairs picks up to n pairs with distinct users and projects: one for each case.
func distinctPairs(pairs []*busyPair, n int) []*busyPair {
	var picked []*busyPair
	usedU, usedP := map[int64]bool{}, map[int64]bool{}
	for _, p := range pairs {
		if len(picked) == n {
			break
		}
		if usedU[p.user] || usedP[p.project] {
			continue
		}
		usedU[p.user], usedP[p.project] = true, true
		picked = append(picked, p)
	}
	return picked
}

func ref(id int64) []runn.Reference {
	return []runn.Reference{{ReferenceName: runn.HarvestReferenceName, ExternalID: strconv.FormatInt(id, 10)}}
}

// clients keys in the roles, the first case's client with its reference, and another active
// client by name only (R1a).
func (b *seedBuilder) clients(st *runntest.State) (cases []string) {
	name := func(s string) *string { return &s }
	st.Roles = []runn.Role{{ID: 950001, Name: name("Unknown")}, {ID: 950002, Name: name("Developer")}}
	clientOf := b.projects[b.picked[0].project].Client
	st.Clients = []runn.Client{{ID: 960001, Name: clientOf.Name, References: ref(clientOf.ID)}}
	for _, c := range b.acct.Clients {
		if c.ID != clientOf.ID && c.IsActive {
			st.Clients = append(st.Clients, runn.Client{ID: 960002, Name: c.Name})
			cases = append(cases, fmt.Sprintf("R1a: Runn client %q has Harvest client %d's name but no reference: it is still created, and reported", c.Name, c.ID))
			break
		}
	}
	return cases
}

// records keys in the projects, people, contracts, the assignment and the manual actual.
func (b *seedBuilder) records(st *runntest.State) {
	picked := b.picked
	project := func(id, runnID int64, confirmed, archived bool, tags []runn.Tag) runn.Project {
		return runn.Project{ID: runnID, Name: b.projects[id].Name, ClientID: 960001, IsConfirmed: confirmed, IsArchived: archived,
			PricingModel: "tm", References: ref(id), Tags: tags}
	}
	person := func(id, runnID int64, archived bool) runn.Person {
		u := b.users[id]
		return runn.Person{ID: runnID, FirstName: u.FirstName, LastName: u.LastName, IsArchived: archived, References: ref(id)}
	}
	rostered := runn.RosteredDays{Monday: 480, Tuesday: 480, Wednesday: 480, Thursday: 480, Friday: 480}
	contract := func(id, person, role int64) runn.Contract {
		return runn.Contract{ID: id, PersonID: person, RoleID: role, StartDate: "2020-01-01", EmploymentType: "employee", RosteredDays: rostered}
	}
	st.ProjectTags = []runn.ProjectTag{{ID: 970001, Name: "sync_off", ProjectIDs: []int64{980002}}}
	st.Projects = []runn.Project{
		project(picked[0].project, 980001, false, false, nil),
		project(picked[1].project, 980002, true, false, []runn.Tag{{ID: 970001, Name: "sync_off"}}),
		project(picked[2].project, 980003, true, true, nil),
		project(picked[5].project, 980005, true, false, nil),
	}
	st.People = []runn.Person{
		person(picked[3].user, 990003, true),
		person(picked[4].user, 990004, false),
		person(picked[5].user, 990005, false),
	}
	st.Contracts = []runn.Contract{
		contract(991003, 990003, 950002),
		contract(991004, 990004, 950001),
		contract(991005, 990005, 950002),
	}
	st.Assignments = []runn.Assignment{{ID: 992005, PersonID: 990005, ProjectID: 980005, RoleID: 950002, MinutesPerDay: 240,
		StartDate: b.windowFrom.Format(time.DateOnly), EndDate: b.windowFrom.AddDate(1, 0, 0).Format(time.DateOnly), IsActive: true, IsBillable: true}}
	st.Actuals = []runn.Actual{{ID: 993005, Date: picked[5].lastDate, PersonID: 990005, ProjectID: 980005, RoleID: 950002, BillableMinutes: 17}}
}

// cases describe what records keyed in, one line each, naming the rule.
func (b *seedBuilder) cases() []string {
	picked := b.picked
	p := func(i int) string {
		return fmt.Sprintf("%q (Harvest %d)", b.projects[picked[i].project].Name, picked[i].project)
	}
	u := func(i int) string {
		return fmt.Sprintf("%s %s (Harvest %d)", b.users[picked[i].user].FirstName, b.users[picked[i].user].LastName, picked[i].user)
	}
	return []string{
		"R9: project " + p(0) + " is tentative in Runn: its time is not sent",
		"R9: project " + p(1) + " carries the tag sync_off in Runn: its time is not sent",
		"R9: project " + p(2) + " is archived in Runn: its time is not sent",
		"R9: person " + u(3) + " is archived in Runn: their time is not sent",
		"R6, R8: person " + u(4) + " has the role Unknown in Runn: their time is blocked until it is fixed",
		fmt.Sprintf("R10, R13: person %s works on %s with an assignment of 4 h a day: a manual actual of 17 min on %s is overwritten, rostered days without time are filled with 0",
			u(5), p(5), picked[5].lastDate),
	}
}

// RunnState is what the demo's Runn holds before its first sync, for the generated account and
// the first sync's window start: end-to-end tests rebuild the demo's first day on a fixed date.
func RunnState(acct *harvesttest.Account, windowFrom time.Time) *runntest.State {
	return runnSeed(acct, windowFrom).state
}
