package harvesttest

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// GenerateOptions size and date a generated account. Zero fields take the defaults noted.
type GenerateOptions struct {
	Seed        int64
	People      int       // users; default 16
	Clients     int       // default 6
	Projects    int       // default 16
	TimeEntries int       // approximate total; default 2,000
	From, To    time.Time // spent_date range of the time entries; default the 12 weeks up to Now's date
	Now         time.Time // every created_at and updated_at is before it; default 2025-06-27T17:30:00Z
}

// Generate builds a realistic account, the same for the same options.
//
// Ids look like Harvest's: 6-9 digit ints that grow with created_at, time entry ids above
// 2^31. Every case below appears when People >= 13, Projects >= 12, Clients >= 2 and
// TimeEntries >= 100 (the defaults are enough); smaller accounts get the first ones.
//
// People: an administrator, managers and members; users with no role, one role, several
// roles; role names that differ only by case ("Developer", "developer") or inner white space
// ("Project Manager", "Project  Manager"); one user with two spellings of one role ("QA",
// "qa "); a role named "unknown"; a blank role name (" "); contractors; a user with an empty
// email, one without cost_rate (null), one with cost_rate 0; archived users. /v2/roles lists
// every role name users carry, with user_ids matching users' roles exactly, plus unused roles.
//
// Clients and projects: archived clients, including one with an active project; archived
// projects; all three project types (non-billable, fixed fee, time & materials with bill_by
// Project, Tasks and People) and the oddity billable-but-bill_by-none; every budget_by:
// project (hours), project_cost with and without cost_budget, task, task_fees, person, none;
// one project without a client (the API allows null).
//
// Time entries: on weekdays, plus a few on weekends; only for (user, project) pairs that have
// a user assignment, whose nested user_assignment and task_assignment match; hours that are
// not whole minutes (0.172222 h = 10 min 20 s) beside quarter hours and two-decimal values;
// billable entries on non-billable projects; entries on archived projects; invoiced
// (is_billed, invoice set, locked) and approved (is_closed, locked) entries in the older
// half of the range; a few running timers (is_running, timer_started_at set) on the last
// day; notes with non-ASCII and HTML-sensitive characters; a few external references.
//
// To keep a million entries cheap, entries share their unchanging parts (nested
// assignments, rates, notes, invoices): change an entry by replacing a pointer field, not by
// writing through it, or work on a Clone.
func Generate(opts GenerateOptions) *Account {
	g := newGenerator(opts)
	g.genTasks()
	g.genUsers()
	g.genRoles()
	g.genClients()
	g.genProjects()
	g.genAssignments()
	g.genTimeEntries()
	return g.acct
}

// generator holds one generation's state.
type generator struct {
	rng                                *rand.Rand
	now                                time.Time
	from, to                           time.Time // midnight UTC
	people, clients, projects, entries int
	acct                               *Account

	taskActive []bool
	projTasks  [][]projectTask // per project: its task assignments
	assigns    []assignment
	nextID     int64 // scratch for id sequences
}

type projectTask struct {
	task *harvest.Task
	ta   *harvest.EntryTaskAssignment
}

// assignment is a user assignment with what time entries on it need.
type assignment struct {
	ua       *harvest.UserAssignment
	nested   *harvest.EntryUserAssignment
	user     *harvest.User
	project  int // index into acct.Projects
	firstDay time.Time

	costRate, peopleRate *json.Number // shared by the assignment's time entries
}

func newGenerator(o GenerateOptions) *generator {
	g := &generator{
		rng:      rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed_4a7e_2026)),
		people:   orDefault(o.People, 16),
		clients:  orDefault(o.Clients, 6),
		projects: orDefault(o.Projects, 16),
		entries:  orDefault(o.TimeEntries, 2000),
		acct:     &Account{},
	}
	g.now = o.Now.UTC().Truncate(time.Second)
	if o.Now.IsZero() {
		// Fixed, so that a seed gives the same account whenever it is generated.
		g.now = time.Date(2025, 6, 27, 17, 30, 0, 0, time.UTC)
	}
	g.to = day(o.To)
	if o.To.IsZero() {
		g.to = day(g.now)
	}
	g.from = day(o.From)
	if o.From.IsZero() {
		g.from = g.to.AddDate(0, 0, -83)
	}
	if g.from.After(g.to) {
		g.from = g.to
	}
	return g
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// chance reports true with probability p.
func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](g *generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

// between returns a whole-second instant in [a, b); a when the range is empty.
func (g *generator) between(a, b time.Time) time.Time {
	a = a.Truncate(time.Second) // Harvest timestamps have whole seconds
	span := int64(b.Sub(a) / time.Second)
	if span <= 0 {
		return a
	}
	return a.Add(time.Duration(g.rng.Int64N(span)) * time.Second)
}

// beforeNow keeps generated timestamps strictly in the past.
func (g *generator) beforeNow(t time.Time) time.Time {
	if t.Before(g.now) {
		return t
	}
	return g.now.Add(-time.Second)
}

// ids returns n increasing ids from start with random gaps, as Harvest's global sequences
// look from one account.
func (g *generator) ids(start int64, n, maxGap int) []int64 {
	out := make([]int64, n)
	id := start + g.rng.Int64N(int64(maxGap)*100)
	for i := range out {
		id += 1 + g.rng.Int64N(int64(maxGap))
		out[i] = id
	}
	return out
}

// createdTimes returns n increasing creation times spread over [a, b).
func (g *generator) createdTimes(n int, a, b time.Time) []time.Time {
	out := make([]time.Time, n)
	step := b.Sub(a) / time.Duration(n+1)
	for i := range out {
		out[i] = g.between(a.Add(step*time.Duration(i)), a.Add(step*time.Duration(i+1)))
	}
	return out
}

// updatedAfter is created, or sometimes a later edit, still before now.
func (g *generator) updatedAfter(created time.Time) time.Time {
	if g.chance(0.7) {
		return created
	}
	return g.between(created, g.now)
}

func num(s string) *json.Number {
	n := json.Number(s)
	return &n
}

func ptr[T any](v T) *T { return &v }

// decimal formats x with at least one decimal, as Harvest writes money and hours (150.0).
func decimal(x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s
		}
	}
	return s + ".0"
}
