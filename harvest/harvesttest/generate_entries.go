package harvesttest

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// hourChoice is a duration as Harvest writes it, with its quarter-hour rounding.
type hourChoice struct{ hours, rounded json.Number }

// hourChoices mixes quarter hours (typed in), two-decimal values, and timer durations that
// are not whole minutes (620 s = 0.172222 h = 10 min 20 s).
func hourChoices() []hourChoice {
	var hs []string
	for q := 1; q <= 32; q++ {
		s := decimal(float64(q) / 4)
		hs = append(hs, s, s)
	}
	hs = append(hs, "1.35", "2.11", "0.83", "3.33", "6.67", "0.17", "4.9", "7.8")
	for _, secs := range []int{620, 3630, 9017, 1337, 45, 5555, 2710, 16385} {
		s := strconv.FormatFloat(float64(secs)/3600, 'f', 6, 64)
		hs = append(hs, strings.TrimRight(s, "0"))
	}
	out := make([]hourChoice, len(hs))
	for i, h := range hs {
		f, _ := strconv.ParseFloat(h, 64)
		out[i] = hourChoice{json.Number(h), json.Number(decimal(math.Ceil(f*4) / 4))}
	}
	return out
}

// entryKit is what time entries share: built once per account so that a million entries
// cost no allocation each.
type entryKit struct {
	hours    []hourChoice
	notes    []string
	times    [][2]string
	extRefs  []harvest.ExternalReference
	invoiced string
	approved string
	projects []projectKit
	invoices map[invoiceKey]*harvest.Invoice
	invoice  int64 // next invoice id
}

type projectKit struct {
	client   harvest.ClientRef
	project  harvest.ProjectRef
	rate     *json.Number // bill_by Project
	budgeted bool
}

type invoiceKey struct {
	client int64
	month  time.Time
}

func (g *generator) newEntryKit() *entryKit {
	k := &entryKit{
		hours:    hourChoices(),
		notes:    slices.Clone(entryNotes),
		times:    slices.Clone(entryTimes),
		invoiced: "Item Invoiced and Locked for this Time Period",
		approved: "Item Approved and Locked for this Time Period",
		invoices: map[invoiceKey]*harvest.Invoice{},
		invoice:  13_150_000 + g.rng.Int64N(100_000),
	}
	for i := range 3 {
		n := strconv.Itoa(1200 + 37*i)
		k.extRefs = append(k.extRefs, harvest.ExternalReference{
			ID: "PR_kwDOA" + n, GroupID: "1020304" + strconv.Itoa(i), AccountID: "998877",
			Permalink: "https://github.com/northwind/fleet-portal/pull/" + n, Service: "github.com",
			ServiceIconURL: "https://proxy.harvestfiles.net/production/external_service_icons/github.png",
		})
	}
	k.projects = make([]projectKit, len(g.acct.Projects))
	for i, p := range g.acct.Projects {
		pk := projectKit{
			project:  harvest.ProjectRef{ID: p.ID, Name: p.Name, Code: dup(p.Code)},
			budgeted: p.BudgetBy != "none",
		}
		if p.Client != nil {
			pk.client = *cloneClientRef(p.Client)
		}
		if p.BillBy == "Project" {
			pk.rate = dup(p.HourlyRate)
		}
		k.projects[i] = pk
	}
	return k
}

// entryTrait is what a featured entry must show; the first entries generated get them.
type entryTrait struct {
	project int // the featured project it is on; -1 for any
	apply   func(*harvest.TimeEntry, *entryKit)
}

var entryTraits = []entryTrait{
	{-1, func(e *harvest.TimeEntry, _ *entryKit) { setHours(e, "0.172222", "0.25") }}, // 10 min 20 s
	{2, func(e *harvest.TimeEntry, _ *entryKit) { e.Billable = true }},                // billable on a non-billable project
	{7, nil},  // archived project
	{10, nil}, // archived non-billable project
	{9, nil},  // active project of an archived client
	{-1, func(e *harvest.TimeEntry, _ *entryKit) { setHours(e, "1.008333", "1.25") }}, // 1 h 0 min 30 s
	{1, nil}, // fixed fee
	{-1, func(e *harvest.TimeEntry, k *entryKit) { e.ExternalReference = &k.extRefs[0] }},
	{-1, func(e *harvest.TimeEntry, k *entryKit) { e.Notes = &k.notes[10] }}, // "R&D: <prototype>..."
}

func setHours(e *harvest.TimeEntry, h, rounded string) {
	e.Hours = json.Number(h)
	e.HoursWithoutTimer, e.RoundedHours = num(h), num(rounded)
}

func (g *generator) genTimeEntries() {
	kit := g.newEntryKit()
	for i := range g.assigns {
		a := &g.assigns[i]
		a.costRate = dup(a.user.CostRate)
		a.peopleRate = dup(a.ua.HourlyRate)
	}
	// Time is only tracked on projects with a client, by people assigned before the day.
	var eligible []*assignment
	byProject := make([][]*assignment, len(g.acct.Projects))
	for i := range g.assigns {
		a := &g.assigns[i]
		if g.acct.Projects[a.project].Client == nil {
			continue
		}
		eligible = append(eligible, a)
		byProject[a.project] = append(byProject[a.project], a)
	}
	slices.SortStableFunc(eligible, func(a, b *assignment) int { return a.firstDay.Compare(b.firstDay) })

	running := 0
	switch {
	case g.entries >= 100:
		running = 3
	case g.entries >= 10:
		running = 1
	}
	days, counts := g.dayCounts(g.entries - running)
	entries := make([]harvest.TimeEntry, 0, g.entries)
	id := 2_400_000_000 + g.rng.Int64N(100_000_000)
	ready := 0 // eligible[:ready] may log time on the current day
	for di, d := range days {
		for ready < len(eligible) && !eligible[ready].firstDay.After(d) {
			ready++
		}
		date := d.Format(time.DateOnly)
		logged := map[int64]float64{} // hours per user on this day
		for range counts[di] {
			if ready == 0 {
				break
			}
			var trait entryTrait
			var a *assignment
			if n := len(entries); n < len(entryTraits) {
				trait = entryTraits[n]
				if trait.project >= 0 && trait.project < len(byProject) {
					a = firstReady(byProject[trait.project], d)
				}
			}
			if a == nil {
				a = eligible[g.rng.IntN(ready)]
			}
			id += 1 + g.rng.Int64N(30)
			e := g.entry(kit, a, id, d, date)
			if trait.apply != nil {
				trait.apply(&e, kit)
				if e.Billable && e.BillableRate == nil {
					e.BillableRate = a.peopleRate
				}
			} else {
				capDay(&e, logged)
			}
			entries = append(entries, e)
		}
	}
	entries = append(entries, g.runningTimers(kit, eligible, running, &id)...)
	g.acct.TimeEntries = entries
}

// maxDayHours keeps a generated person's day plausible: people seldom log more than a long
// working day, and a day above 24 h is excluded by the sync (the "Implausible time" edge case of
// R7, R9), which a generated account should show only where a test puts it on purpose.
const maxDayHours = 12

// capDay shortens e so that its user's day stays within maxDayHours (a quarter hour at least),
// and counts it in logged.
func capDay(e *harvest.TimeEntry, logged map[int64]float64) {
	h, err := e.Hours.Float64()
	if err != nil {
		return
	}
	if room := maxDayHours - logged[e.User.ID]; h > room {
		h = math.Max(0.25, math.Floor(room*4)/4)
		hours, without, rounded := json.Number(decimal(h)), json.Number(decimal(h)), json.Number(decimal(h))
		e.Hours, e.HoursWithoutTimer, e.RoundedHours = hours, &without, &rounded
	}
	logged[e.User.ID] += h
}

func firstReady(as []*assignment, d time.Time) *assignment {
	for _, a := range as {
		if !a.firstDay.After(d) {
			return a
		}
	}
	return nil
}

// dayCounts spreads n entries over the range: weekdays alike, weekends a fiftieth of a
// weekday, and at least one weekend entry when the range has a weekend.
func (g *generator) dayCounts(n int) ([]time.Time, []int) {
	var days []time.Time
	var weights []float64
	total := 0.0
	for d := g.from; !d.After(g.to); d = d.AddDate(0, 0, 1) {
		w := 1.0
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w = 0.02
		}
		days = append(days, d)
		weights = append(weights, w)
		total += w
	}
	counts := make([]int, len(days))
	acc, given := 0.0, 0
	for i, w := range weights {
		acc += w / total * float64(n)
		c := int(math.Round(acc)) - given
		counts[i] = c
		given += c
	}
	weekend, busiest, weekendCount := -1, 0, 0
	for i, d := range days {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			weekendCount += counts[i]
			if weekend < 0 {
				weekend = i
			}
		}
		if counts[i] > counts[busiest] {
			busiest = i
		}
	}
	if weekendCount == 0 && weekend >= 0 && counts[busiest] > 1 {
		counts[weekend]++
		counts[busiest]--
	}
	return days, counts
}

// entry makes a stopped time entry for a on day d, sharing the kit's parts.
func (g *generator) entry(k *entryKit, a *assignment, id int64, d time.Time, date string) harvest.TimeEntry {
	p := &g.acct.Projects[a.project]
	pk := &k.projects[a.project]
	pt := g.projTasks[a.project][g.rng.IntN(len(g.projTasks[a.project]))]
	h := &k.hours[g.rng.IntN(len(k.hours))]

	created := d.Add(8*time.Hour + time.Duration(g.rng.IntN(10*3600))*time.Second)
	if created.Before(a.ua.CreatedAt) {
		created = a.ua.CreatedAt
	}
	created = g.beforeNow(created)
	e := harvest.TimeEntry{
		ID:                id,
		SpentDate:         date,
		User:              a.ua.User,
		Client:            pk.client,
		Project:           pk.project,
		Task:              harvest.IDName{ID: pt.task.ID, Name: pt.task.Name},
		UserAssignment:    a.nested,
		TaskAssignment:    pt.ta,
		Hours:             h.hours,
		HoursWithoutTimer: &h.hours,
		RoundedHours:      &h.rounded,
		Billable:          pt.ta.Billable,
		Budgeted:          pk.budgeted,
		CostRate:          a.costRate,
		CreatedAt:         created,
		UpdatedAt:         created,
	}
	if !p.IsBillable && g.chance(0.03) {
		e.Billable = true // the project was made non-billable after the fact
	}
	if e.Billable {
		switch p.BillBy {
		case "Project":
			e.BillableRate = pk.rate
		case "Tasks":
			e.BillableRate = pt.ta.HourlyRate
		default:
			e.BillableRate = a.peopleRate
		}
	}
	if g.chance(0.8) {
		e.Notes = &k.notes[g.rng.IntN(len(k.notes))]
	}
	if g.chance(0.1) {
		t := &k.times[g.rng.IntN(len(k.times))]
		e.StartedTime, e.EndedTime = &t[0], &t[1]
	}
	if g.chance(0.01) {
		e.ExternalReference = &k.extRefs[g.rng.IntN(len(k.extRefs))]
	}
	if g.chance(0.12) {
		e.UpdatedAt = g.between(created, g.beforeNow(created.Add(7*24*time.Hour)))
	}
	// The older half of the range is partly invoiced and approved, which locks entries.
	mid := g.from.Add(g.to.Sub(g.from) / 2)
	switch {
	case d.Before(mid) && e.Billable && g.chance(0.5):
		inv, issued := g.invoiceFor(k, pk.client.ID, d)
		e.IsBilled, e.Invoice = true, inv
		e.IsLocked, e.LockedReason = true, &k.invoiced
		if issued.After(e.UpdatedAt) {
			e.UpdatedAt = g.beforeNow(issued)
		}
	case d.Before(mid.Add(g.to.Sub(mid)/2)) && g.chance(0.6):
		e.IsClosed, e.IsLocked, e.LockedReason = true, true, &k.approved
	}
	return e
}

// invoiceFor returns the client's invoice for d's month and when it was issued (early in
// the following month).
func (g *generator) invoiceFor(k *entryKit, client int64, d time.Time) (*harvest.Invoice, time.Time) {
	month := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	issued := month.AddDate(0, 1, 2).Add(10 * time.Hour)
	key := invoiceKey{client, month}
	inv, ok := k.invoices[key]
	if !ok {
		k.invoice += 1 + g.rng.Int64N(20)
		inv = &harvest.Invoice{ID: k.invoice, Number: strconv.Itoa(1001 + len(k.invoices))}
		k.invoices[key] = inv
	}
	return inv, issued
}

// runningTimers starts n timers, for different people, on the last day up to now.
func (g *generator) runningTimers(k *entryKit, eligible []*assignment, n int, id *int64) []harvest.TimeEntry {
	d := g.to
	if today := day(g.now); today.Before(d) {
		d = today
	}
	if d.Before(g.from) || n == 0 {
		return nil
	}
	var ready []*assignment
	for _, a := range eligible {
		if !a.firstDay.After(d) && a.user.IsActive {
			ready = append(ready, a)
		}
	}
	var out []harvest.TimeEntry
	var users []int64
	for try := 0; len(out) < n && try < 50 && len(ready) > 0; try++ {
		a := ready[g.rng.IntN(len(ready))]
		if slices.Contains(users, a.user.ID) {
			continue
		}
		users = append(users, a.user.ID)
		*id += 1 + g.rng.Int64N(30)
		e := g.entry(k, a, *id, d, d.Format(time.DateOnly))
		started := g.now.Add(-time.Duration(10+g.rng.IntN(110)) * time.Minute)
		elapsed := decimal(math.Round(g.now.Sub(started).Hours()*100) / 100)
		e.IsRunning, e.TimerStartedAt = true, &started
		e.Hours, e.HoursWithoutTimer, e.RoundedHours = json.Number(elapsed), num("0.0"), num(elapsed)
		e.StartedTime, e.EndedTime = nil, nil
		e.IsBilled, e.Invoice, e.IsClosed, e.IsLocked, e.LockedReason = false, nil, false, false, nil
		e.CreatedAt, e.UpdatedAt = started, started
		out = append(out, e)
	}
	return out
}
