package harvesttest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// userCase is a featured user: the variety the transform's tests rely on, given to the
// first users so that small accounts have it too.
type userCase struct {
	roles      []string
	admin      bool
	contractor bool
	noEmail    bool
	costRate   string // "" = random, "null" = none, else the value
	inactive   bool
}

var userCases = []userCase{
	{roles: []string{"Developer"}, admin: true},
	{roles: []string{}},                                // no role
	{roles: []string{"Designer", "Project Manager"}},   // several roles
	{roles: []string{"developer"}},                     // differs from "Developer" by case
	{roles: []string{"Project  Manager"}},              // differs by inner white space
	{roles: []string{"Contractors"}, contractor: true}, // contractor
	{roles: []string{"Developer"}, noEmail: true},      // empty email
	{roles: []string{"Designer"}, costRate: "null"},    // no cost_rate
	{roles: []string{"QA"}, costRate: "0.0"},           // cost_rate 0
	{roles: []string{"Developer"}, inactive: true},     // archived
	{roles: []string{"unknown"}},                       // Harvest role named unknown
	{roles: []string{" "}},                             // blank role name
	{roles: []string{"QA", "qa "}, contractor: true},   // two spellings of one role
}

func (g *generator) genUsers() {
	n := g.people
	ids := g.ids(4_100_000, n, 40)
	// Most people were created years before the range; the last few join during it.
	recent := 0
	if g.to.Sub(g.from) >= 14*24*time.Hour && n > len(userCases) {
		recent = max(1, n/20)
	}
	created := g.createdTimes(n-recent, g.from.AddDate(-3, 0, 0), g.from.AddDate(0, 0, -1))
	created = append(created, g.createdTimes(recent, g.from, g.to.AddDate(0, 0, -7))...)

	emails := map[string]int{}
	users := make([]harvest.User, n)
	for i := range users {
		var c userCase
		if i < len(userCases) {
			c = userCases[i]
		} else {
			c = g.randomUserCase()
		}
		first, last := pick(g, firstNames), pick(g, lastNames)
		u := harvest.User{
			ID:                           ids[i],
			FirstName:                    first,
			LastName:                     last,
			Timezone:                     pick(g, timezones),
			HasAccessToAllFutureProjects: g.chance(0.1),
			IsContractor:                 c.contractor,
			IsActive:                     !c.inactive,
			WeeklyCapacity:               pick(g, weeklyCapacities),
			Roles:                        slices.Clone(c.roles), // never alias the userCases table
			AvatarURL:                    fmt.Sprintf("https://cache.harvestapp.com/assets/profile_images/avatar_%d.png?%d", i%12, 1498516481+i),
			CreatedAt:                    created[i],
			CalendarIntegrationEnabled:   ptr(false),
		}
		u.UpdatedAt = g.updatedAfter(u.CreatedAt)
		if !c.noEmail {
			u.Email = email(emails, first, last)
		}
		if g.chance(0.3) {
			u.Telephone = fmt.Sprintf("+44 20 7946 %04d", g.rng.IntN(10000))
		}
		if !g.chance(0.05) {
			u.DefaultHourlyRate = num(pick(g, billableRates))
		}
		switch c.costRate {
		case "":
			u.CostRate = num(pick(g, costRates))
		case "null":
		default:
			u.CostRate = num(c.costRate)
		}
		switch {
		case c.admin || (i >= len(userCases) && g.chance(0.02)):
			u.AccessRoles = []string{"administrator"}
			u.PermissionsClaims = []string{"billable_rates:read:all", "expenses:read:all", "projects:read:all", "timers:read:all", "timers:write:all", "users:read:all"}
		case g.chance(0.1):
			u.AccessRoles = []string{"manager", "project_creator", "time_and_expenses_manager"}
			u.PermissionsClaims = []string{"projects:read:managed", "timers:read:managed", "timers:write:own"}
		default:
			u.AccessRoles = []string{"member"}
			u.PermissionsClaims = []string{"projects:read:own", "timers:read:own", "timers:write:own"}
		}
		u.CanCreateProjects = ptr(u.AccessRoles[0] != "member")
		users[i] = u
	}
	g.acct.Users = users
}

func (g *generator) randomUserCase() userCase {
	c := userCase{contractor: g.chance(0.08), noEmail: g.chance(0.03), inactive: g.chance(0.1)}
	switch r := g.rng.Float64(); {
	case r < 0.08:
		c.roles = []string{}
	case r < 0.88:
		c.roles = []string{pick(g, baseRoleNames)}
	default:
		c.roles = []string{pick(g, baseRoleNames), pick(g, baseRoleNames), pick(g, baseRoleNames)}[:2+g.rng.IntN(2)]
		c.roles = slices.Compact(slices.Sorted(slices.Values(c.roles)))
	}
	switch r := g.rng.Float64(); {
	case r < 0.05:
		c.costRate = "null"
	case r < 0.07:
		c.costRate = "0.0"
	}
	return c
}

// email makes first.last@domain, numbered when taken, ASCII only as mail systems like.
func email(taken map[string]int, first, last string) string {
	local := asciiLower(first) + "." + asciiLower(last)
	taken[local]++
	if k := taken[local]; k > 1 {
		local = fmt.Sprintf("%s%d", local, k)
	}
	return local + "@northwind-studio.example"
}

func asciiLower(s string) string {
	r := strings.NewReplacer("é", "e", "ë", "e", "ø", "o", "í", "i", "á", "a", "ı", "i", " ", "", "'", "")
	s = strings.ToLower(r.Replace(s))
	return strings.Map(func(c rune) rune {
		if c > 127 {
			return -1
		}
		return c
	}, s)
}

// genRoles lists every role name users carry, in order of first use, with user_ids matching
// exactly, plus two roles nobody has.
func (g *generator) genRoles() {
	var names []string
	members := map[string][]int64{}
	for _, u := range g.acct.Users {
		for _, r := range u.Roles {
			if _, seen := members[r]; !seen {
				names = append(names, r)
			}
			if !slices.Contains(members[r], u.ID) {
				members[r] = append(members[r], u.ID)
			}
		}
	}
	names = append(names, "Marketing", "Finance")
	ids := g.ids(610_000, len(names), 500)
	created := g.createdTimes(len(names), g.from.AddDate(-3, -1, 0), g.from.AddDate(-3, 0, 0))
	roles := make([]harvest.Role, len(names))
	for i, name := range names {
		userIDs := slices.Sorted(slices.Values(members[name]))
		if userIDs == nil {
			userIDs = []int64{}
		}
		roles[i] = harvest.Role{ID: ids[i], Name: name, UserIDs: userIDs, CreatedAt: created[i]}
		roles[i].UpdatedAt = g.updatedAfter(created[i])
	}
	g.acct.Roles = roles
}

func (g *generator) genTasks() {
	ids := g.ids(8_083_000, len(taskTable), 30)
	created := g.createdTimes(len(taskTable), g.from.AddDate(-4, 0, 0), g.from.AddDate(-3, 0, 0))
	tasks := make([]harvest.Task, len(taskTable))
	g.taskActive = make([]bool, len(taskTable))
	for i, t := range taskTable {
		tasks[i] = harvest.Task{
			ID:                ids[i],
			Name:              t.name,
			BillableByDefault: t.billable,
			IsDefault:         i < 4,
			IsActive:          i < activeTasks,
			CreatedAt:         created[i],
		}
		if t.rate != "" {
			tasks[i].DefaultHourlyRate = num(t.rate)
		}
		tasks[i].UpdatedAt = g.updatedAfter(created[i])
		g.taskActive[i] = i < activeTasks
	}
	g.acct.Tasks = tasks
}
