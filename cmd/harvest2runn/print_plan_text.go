package main

// The readable plan (issue 11): what sync --dry-run, transform and replay print, like
// `terraform plan`: the records created with the fields sent, the actuals written by person and
// project with Runn's minutes before -> after and the rule, a legend and one summary line.

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
)

// planLegend explains the plan's symbols once, above it.
const planLegend = `Legend: + create   ~ change what Runn holds   - set to 0 what Runn holds (R11, R12)
        minutes are Runn's before -> after (billable and non-billable together); (Rn) is the sync rule
`

// printPlan prints p, listing show records of each group.
func printPlan(w io.Writer, p *pipelines.Plan, show showFlag) {
	if p == nil {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, planLegend)
	printCreates(w, p.Creates, show)
	printPlanActuals(w, p, show)
	if len(p.Exclusions) > 0 {
		// The largest reasons first: the plan is where a person looks into what is not sent.
		xs := slices.Clone(p.Exclusions)
		slices.SortStableFunc(xs, func(a, b transform.ExclusionSum) int { return cmp.Compare(b.Minutes, a.Minutes) })
		minutes, entries := exclusionTotals(xs)
		fmt.Fprintf(w, "\nNot sent (R9): %s in %s entries\n", hoursMinutes(minutes), thousands(entries))
		printExclusions(w, "  ", xs)
	}
	printUnknownRoles(w, p, show)
	printDuplicates(w, p, show)
	if p.ReferenceConflictsCount > 0 {
		fmt.Fprintf(w, "\nReference conflicts (R1): %d Runn records carry a Harvest reference another one carries too: the lowest id is the match (SELECT * FROM plan.rpt_reference_conflicts WHERE run_id = %d)\n",
			p.ReferenceConflictsCount, p.RunID)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, planLine(p))
}

// planLine is the plan's one summary line.
func planLine(p *pipelines.Plan) string {
	t := p.Totals
	if t.CreateCount+t.ChangeCount+t.ZeroCount == 0 {
		return "Plan: nothing to send: Runn already holds what Harvest says (R14)."
	}
	var parts []string
	for _, k := range []struct{ kind, one, many string }{
		{"role", "role", "roles"}, {"client", "client", "clients"}, {"project", "project", "projects"}, {"person", "person", "people"},
	} {
		if n := t.RecordsByKind[k.kind]; n > 0 {
			parts = append(parts, plural(n, k.one, k.many))
		}
	}
	if n := t.CreateCount - len(p.Creates); n > 0 {
		parts = append(parts, plural(n, "actual", "actuals"))
	}
	line := fmt.Sprintf("Plan: %s to create", thousands(int64(t.CreateCount)))
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	return line + fmt.Sprintf(", %s to change, %s to zero.", thousands(int64(t.ChangeCount)), thousands(int64(t.ZeroCount)))
}

// kindTitles head each kind of create, in the order of R15.
var kindTitles = []struct{ kind, title string }{
	{"role", "Roles"}, {"client", "Clients"}, {"project", "Projects"}, {"person", "People"},
}

// printCreates is the records created, kind by kind, each with the fields its create sends.
func printCreates(w io.Writer, creates []pipelines.PlanCreate, show showFlag) {
	for _, k := range kindTitles {
		var of []pipelines.PlanCreate
		for _, c := range creates {
			if c.Kind == k.kind {
				of = append(of, c)
			}
		}
		if len(of) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s to create: %s (%s)\n", k.title, thousands(int64(len(of))), of[0].Rule)
		n := show.limit(len(of))
		for _, c := range of[:n] {
			fmt.Fprintf(w, "  + %s\n", createText(c))
		}
		printRest(w, "    ", len(of)-n)
	}
}

// createText is one create: its kind, name, Harvest id and the fields sent.
func createText(c pipelines.PlanCreate) string {
	s := fmt.Sprintf("%s %q", c.Kind, c.Name)
	switch {
	case c.HarvestID != nil && c.Kind == "role":
		s += fmt.Sprintf(" (Harvest role %d)", *c.HarvestID)
	case c.HarvestID != nil:
		s += fmt.Sprintf(" (Harvest %d)", *c.HarvestID)
	}
	var fields []string
	switch c.Kind {
	case "project":
		fields = projectFields(c)
	case "person":
		fields = personFields(c)
	}
	if len(fields) > 0 {
		s += " " + strings.Join(fields, ", ")
	}
	return s
}

// projectFields are what a project's create sends besides its name (R4).
func projectFields(c pipelines.PlanCreate) []string {
	client := "client " + strconv.Quote(valueOf(c.ClientName))
	if c.RunnClientID != nil {
		client += fmt.Sprintf(" (Runn %d)", *c.RunnClientID)
	} else {
		client += " (created above)"
	}
	fields := []string{client, pricingText(valueOf(c.PricingModel))}
	if c.Budget != nil {
		fields = append(fields, "budget "+amount(*c.Budget))
	}
	return fields
}

// personFields are what a person's create sends besides their name (R5, R6).
func personFields(c pipelines.PlanCreate) []string {
	var fields []string
	if c.Email != nil {
		fields = append(fields, *c.Email)
	}
	role := "role " + strconv.Quote(valueOf(c.RoleName))
	if c.RunnRoleID == nil {
		role += " (created above)"
	}
	fields = append(fields, role, valueOf(c.EmploymentType))
	if c.CostPerHour != nil {
		fields = append(fields, "cost "+amount(*c.CostPerHour)+"/h")
	}
	if c.StartDate != nil {
		fields = append(fields, "from "+*c.StartDate)
	}
	return fields
}

func pricingText(model string) string {
	switch model {
	case "nb":
		return "non-billable"
	case "fp":
		return "fixed fee"
	case "tm":
		return "time and materials"
	}
	return "pricing " + model
}

// printPlanActuals is the actuals written, by person, then project: each group with its counts
// and minutes before -> after, and its first records.
func printPlanActuals(w io.Writer, p *pipelines.Plan, show showFlag) {
	t := p.Totals
	if t.ActualsCount == 0 {
		return
	}
	var rules []string
	for _, r := range sortedKeys(t.ActualsByRule) {
		rules = append(rules, fmt.Sprintf("%s %s", r, thousands(int64(t.ActualsByRule[r]))))
	}
	fmt.Fprintf(w, "\nActuals to write: %s (%s), by person and project\n", thousands(int64(t.ActualsCount)), strings.Join(rules, ", "))
	for _, pe := range p.People {
		fmt.Fprintf(w, "  %s (%s): %s\n", pe.PersonName, idsText(pe.HarvestUserID, pe.RunnPersonID), countsText(pe.Totals))
		for _, pr := range pe.Projects {
			fmt.Fprintf(w, "    %q (%s): %s\n", pr.ProjectName, idsText(pr.HarvestProjectID, pr.RunnProjectID), countsText(pr.Totals))
			n := show.limit(len(pr.Actuals))
			for _, a := range pr.Actuals[:n] {
				fmt.Fprintf(w, "      %s\n", actualText(a))
			}
			printRest(w, "      ", len(pr.Actuals)-n)
		}
	}
}

// actualText is one actual: symbol, date, role, minutes before -> after, rule.
func actualText(a pipelines.PlanActual) string {
	before := "none"
	if a.Before != nil {
		before = minutesText(*a.Before)
	}
	return fmt.Sprintf("%s %s  %-20s %22s -> %-22s (%s)", actionSymbol(a.Action), a.Date, a.RoleName, before, minutesText(a.After), a.Rule)
}

func actionSymbol(action string) string {
	switch action {
	case pipelines.ActionCreate:
		return "+"
	case pipelines.ActionZero:
		return "-"
	}
	return "~"
}

// minutesText is an actual's minutes, with the billable part when only some are billable.
func minutesText(m pipelines.PlanMinutes) string {
	s := hoursMinutes(m.Total())
	switch {
	case m.Billable > 0 && m.Nonbillable > 0:
		s += fmt.Sprintf(" (%s bill.)", hoursMinutes(m.Billable))
	case m.Nonbillable > 0:
		s += " non-bill."
	}
	return s
}

// countsText is a group's actuals by action, and its minutes before -> after.
func countsText(c pipelines.PlanCounts) string {
	var parts []string
	for _, x := range []struct {
		n   int
		sym string
	}{{c.CreateCount, "+"}, {c.ChangeCount, "~"}, {c.ZeroCount, "-"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%s%d", x.sym, x.n))
		}
	}
	return fmt.Sprintf("%s (%s), %s -> %s", plural(c.ActualsCount, "actual", "actuals"), strings.Join(parts, " "),
		hoursMinutes(c.MinutesBefore), hoursMinutes(c.MinutesAfter))
}

// idsText is a record's ids: Harvest's and Runn's, or "new" for a record the plan creates.
func idsText(harvestID, runnID *int64) string {
	var ids []string
	if harvestID != nil {
		ids = append(ids, fmt.Sprintf("Harvest %d", *harvestID))
	}
	if runnID != nil {
		ids = append(ids, fmt.Sprintf("Runn %d", *runnID))
	} else {
		ids = append(ids, "new")
	}
	return strings.Join(ids, ", ")
}

// printUnknownRoles lists the people whose role is Unknown (R6, R8): the one set the summary,
// status and plan.rpt_unknown_roles agree on.
func printUnknownRoles(w io.Writer, p *pipelines.Plan, show showFlag) {
	if len(p.PeopleWithRoleUnknown) == 0 {
		return
	}
	fmt.Fprintf(w, "\nPeople with role Unknown: %d: their time is not sent until their role is fixed in Runn (R6, R8)\n",
		len(p.PeopleWithRoleUnknown))
	n := show.limit(len(p.PeopleWithRoleUnknown))
	for _, u := range p.PeopleWithRoleUnknown[:n] {
		fmt.Fprintf(w, "  %s (%s): %s (%s)\n", u.Name, idsText(u.HarvestUserID, u.RunnPersonID), u.Why, u.Rule)
	}
	printRest(w, "    ", len(p.PeopleWithRoleUnknown)-n)
}

// printDuplicates lists the possible duplicates (R1a) and points to `link`, which links them
// instead (R16).
func printDuplicates(w io.Writer, p *pipelines.Plan, show showFlag) {
	if len(p.PossibleDuplicates) == 0 {
		return
	}
	fmt.Fprintf(w, "\nPossible duplicates: %d: created although Runn has a record alike without a Harvest reference (R1a)\n",
		len(p.PossibleDuplicates))
	n := show.limit(len(p.PossibleDuplicates))
	for _, d := range p.PossibleDuplicates[:n] {
		fmt.Fprintf(w, "  %s %q (Harvest %d) and Runn %s %q (Runn %d): same %s\n", d.Kind, d.HarvestValue, d.HarvestID,
			d.Kind, d.RunnValue, d.RunnID, d.ComparedOn)
	}
	printRest(w, "    ", len(p.PossibleDuplicates)-n)
	fmt.Fprintln(w, "  To link them instead of creating duplicates: harvest2runn link --dry-run (R16)")
}

// printRest counts the records a group does not list.
func printRest(w io.Writer, indent string, rest int) {
	if rest > 0 {
		fmt.Fprintf(w, "%s... and %s more (--show all lists them)\n", indent, thousands(int64(rest)))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(int64(n)) + " " + many
}

// thousands is n with a comma between thousands, as the plan reads.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// amount is a budget or a rate: whole amounts without decimals, others with two.
func amount(v float64) string {
	whole := int64(v)
	if float64(whole) == v {
		return thousands(whole)
	}
	return thousands(whole) + strings.TrimPrefix(strconv.FormatFloat(v-float64(whole), 'f', 2, 64), "0")
}

func valueOf[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
