package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type reportFlags struct {
	common commonFlags
	output string
	week   string
	run    int64
	all    bool
	out    string
}

func reportCommand() *command {
	return &command{
		name:    "report",
		summary: "reports over the warehouse: discrepancies (Harvest vs Runn per person, project, week), html (a run report to look at)",
		usage:   "discrepancies [--week W] [--run ID] [--all] [--output text|json|csv] | html [--run ID] [--out FILE]",
		help: `report discrepancies lists, for a run (default: the latest planned one), the minutes per person,
project and week in Harvest against those in Runn before and after the run, with the time excluded
and why, largest discrepancy first (the view analytics.minutes_by_week; rows without a discrepancy
only with --all). --week takes a date inside the week or an ISO week. A run with none prints
"no discrepancies in run N (window ...)".

report html writes one self-contained HTML page about a run (default: the latest planned one):
its summary, its plan by kind and rule, the time not sent by reason with the entries behind it,
the people with role Unknown and what blocks them, and per person and per project a week-by-week
chart of Harvest minutes against Runn's before and after the run, discrepancies highlighted. It
needs no network: open it from disk in any browser. --out chooses the file (default
harvest2runn-run-N.html in the current folder; - for stdout).

Both read what the run's transform kept in plan.*, so they show the same after prune removed the
run's extracts. A run that is not in the warehouse exits 2.

Example:
  harvest2runn report discrepancies
  harvest2runn report discrepancies --week 2025-W23 --output csv > week23.csv
  harvest2runn report html --run 12 --out run12.html
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &reportFlags{}
			fs.StringVar(&f.week, "week", "", "discrepancies: only this week, a date inside it (2025-06-02) or an ISO week (2025-W23)")
			fs.Int64Var(&f.run, "run", 0, "the run to report on (default: the latest planned run)")
			fs.BoolVar(&f.all, "all", false, "discrepancies: include rows without a discrepancy")
			fs.StringVar(&f.out, "out", "", "html: the file to write (default harvest2runn-run-N.html; - for stdout)")
			registerOutput(fs, &f.output, outputText, outputJSON, outputCSV)
			f.common.registerWarehouse(fs)
			return f
		},
		run: runReport,
	}
}

func runReport(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*reportFlags)
	if len(args) != 1 || (args[0] != "discrepancies" && args[0] != "html") {
		return usagef("give the report to make: harvest2runn report discrepancies, or harvest2runn report html")
	}
	path, _, err := f.common.resolveWarehouse(e)
	if err != nil {
		return err
	}
	if args[0] == "html" {
		return runReportHTML(ctx, e, f, path)
	}
	format, err := checkOutput(f.output, outputText, outputJSON, outputCSV)
	if err != nil {
		return err
	}
	opts := pipelines.DiscrepancyOptions{WarehousePath: path, RunID: f.run, All: f.all}
	if f.week != "" {
		if opts.Week, err = pipelines.ParseWeek(f.week); err != nil {
			return usagef("--week %v", err)
		}
	}
	rep, err := pipelines.Discrepancies(ctx, opts)
	if err != nil {
		return err
	}
	switch format {
	case outputJSON:
		return json.NewEncoder(e.stdout).Encode(rep)
	case outputCSV:
		return writeDiscrepanciesCSV(e.stdout, rep)
	}
	return printDiscrepancies(e.stdout, rep)
}

// printDiscrepancies is the report for people: names beside ids, minutes as hours and minutes,
// the reasons time was excluded.
func printDiscrepancies(w io.Writer, rep pipelines.DiscrepancyReport) error {
	scope := fmt.Sprintf("run %d (window %s", rep.RunID, rep.Window)
	if rep.Week != nil {
		scope += ", week of " + *rep.Week
	}
	scope += ")"
	if len(rep.Discrepancies) == 0 {
		what := "no discrepancies"
		if rep.All {
			what = "no Harvest or Runn time"
		}
		_, err := fmt.Fprintf(w, "%s in %s\n", what, scope)
		return err
	}
	var total int64
	for _, d := range rep.Discrepancies {
		total += d.DiscrepancyMinutes
	}
	fmt.Fprintf(w, "%d rows in %s, largest discrepancy first; in all %s minutes (Harvest − excluded − Runn after)\n\n",
		len(rep.Discrepancies), scope, signed(total))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "person\trole\tproject\tweek\tharvest\texcluded\trunn before\trunn after\tdiscrepancy\texcluded because\t")
	for _, d := range rep.Discrepancies {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", named(d.PersonName, "Harvest user", d.HarvestUserID),
			flat(deref(d.RoleNames)), named(d.ProjectName, "Harvest project", d.HarvestProjectID), d.Week, d.HarvestMinutes,
			d.ExcludedMinutes, d.RunnMinutesBefore, d.RunnMinutesAfter, signed(d.DiscrepancyMinutes), reasons(d.Exclusions))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nminutes; rows with no discrepancy are left out unless --all")
	return err
}

func writeDiscrepanciesCSV(w io.Writer, rep pipelines.DiscrepancyReport) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"run_id", "harvest_user_id", "person_name", "role_names", "harvest_project_id", "project_name", "week",
		"harvest_minutes", "excluded_minutes", "runn_minutes_before", "runn_minutes_after", "discrepancy_minutes", "excluded_reasons"})
	for _, d := range rep.Discrepancies {
		_ = cw.Write([]string{fmt.Sprint(rep.RunID), derefInt(d.HarvestUserID), deref(d.PersonName), deref(d.RoleNames),
			derefInt(d.HarvestProjectID), deref(d.ProjectName), d.Week, fmt.Sprint(d.HarvestMinutes), fmt.Sprint(d.ExcludedMinutes),
			fmt.Sprint(d.RunnMinutesBefore), fmt.Sprint(d.RunnMinutesAfter), fmt.Sprint(d.DiscrepancyMinutes), reasons(d.Exclusions)})
	}
	cw.Flush()
	return cw.Error()
}

// named is a name with its id beside it, or the id alone when the name is unknown.
func named(name *string, kind string, id *int64) string {
	switch {
	case id == nil:
		return "(none)"
	case name == nil || *name == "":
		return fmt.Sprintf("%s %d", kind, *id)
	}
	return fmt.Sprintf("%s (%d)", flat(*name), *id)
}

// reasons is "role Unknown 120 min (R9); after today 30 min (R9)", largest first.
func reasons(xs []pipelines.Exclusion) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%s %d min (%s)", x.Reason, x.Minutes, x.Rule)
	}
	return strings.Join(parts, "; ")
}

// flat keeps a name on one table line.
func flat(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }

func signed(n int64) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}
