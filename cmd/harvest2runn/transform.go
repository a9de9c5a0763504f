package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
)

type transformFlags struct {
	common     commonFlags
	run        int64
	noAutofill bool
	only       []string
}

func transformCommand() *command {
	return &command{
		name:    "transform",
		summary: "plan what Runn must receive from a run's stored extracts (sends nothing)",
		usage:   "[--run ID] [flags]",
		help: `Runs the sync rules (R1-R15, sql/) over the stored Harvest and Runn extracts of a run, with that
run's today and window, and prints the plan: the Runn writes per kind and rule, the time that will
not be sent and why, people whose role is Unknown, possible duplicates. The plan is kept in the
warehouse (plan.*) for the load and for analysts. A run whose audits find a problem stops here:
nothing of it can be loaded.

Example:
  harvest2runn transform                 # the latest run with both extracts
  harvest2runn transform --run 12 --output json
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &transformFlags{}
			fs.Int64Var(&f.run, "run", 0, "the run whose extracts to transform (default: the latest run with both extracts)")
			fs.BoolVar(&f.noAutofill, "no-autofill", false, "do not plan zeros for missing weekdays of finished weeks (R13)")
			fs.StringSliceVar(&f.only, "only", nil, "sync only these kinds: clients,projects,people,actuals (default all)")
			f.common.registerLocal(fs, "log each model as it runs")
			return f
		},
		run: runTransform,
	}
}

func runTransform(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*transformFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: give the run with --run ID", args[0])
	}
	if err := f.common.validateOutput(); err != nil {
		return err
	}
	for _, k := range f.only {
		if !contains(transform.Kinds, k) {
			return usagef("--only %q: use any of %s", k, strings.Join(transform.Kinds, ","))
		}
	}
	res, err := pipelines.Transform(ctx, pipelines.TransformOptions{
		WarehousePath: f.common.warehousePath(e), RunID: f.run, Autofill: !f.noAutofill, Only: f.only,
		Logger: f.common.logger(e),
	})
	if res.Transform.RunID != 0 {
		if perr := printTransform(e.stdout, f.common.output, res); perr != nil && err == nil {
			err = perr
		}
	}
	if errors.Is(err, transform.ErrAuditFailed) {
		return fmt.Errorf("run %d: %w", res.Transform.RunID, err)
	}
	return err
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func printTransform(w io.Writer, format string, res pipelines.TransformResult) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	t, s := res.Transform, res.Summary
	window := res.WindowFrom + " to " + res.WindowTo
	if res.WindowFrom == "" {
		window = "all history to " + res.WindowTo
	}
	state := "plan ready"
	if len(t.AuditFailures) > 0 {
		state = "AUDITS FAILED: nothing will be sent"
	}
	fmt.Fprintf(w, "run %d planned (today %s, window %s) in %s: %s\n", t.RunID, res.Today, window, t.Duration.Round(1e6), state)
	fmt.Fprintln(w, "  Runn writes:")
	byKind := map[string][]transform.ChangeCount{}
	for _, c := range s.Changes {
		byKind[c.Kind] = append(byKind[c.Kind], c)
	}
	for _, kind := range []string{"roles", "clients", "projects", "people", "actuals"} {
		var total int64
		var rules []string
		for _, c := range byKind[kind] {
			total += c.Rows
			rules = append(rules, fmt.Sprintf("%s %d", c.Rule, c.Rows))
		}
		detail := ""
		if len(rules) > 0 {
			detail = " (" + strings.Join(rules, ", ") + ")"
		}
		fmt.Fprintf(w, "    %-9s %7d%s\n", kind, total, detail)
	}
	if len(s.Exclusions) > 0 {
		var minutes, entries int64
		for _, x := range s.Exclusions {
			minutes += x.Minutes
			entries += x.Entries
		}
		fmt.Fprintf(w, "  not sent (R9): %s in %d entries\n", hoursMinutes(minutes), entries)
		sort.SliceStable(s.Exclusions, func(i, j int) bool { return s.Exclusions[i].Minutes > s.Exclusions[j].Minutes })
		for _, x := range s.Exclusions {
			fmt.Fprintf(w, "    %-26s %10s  %6d entries\n", x.Reason, hoursMinutes(x.Minutes), x.Entries)
		}
	}
	fmt.Fprintf(w, "  people with role Unknown: %d   possible duplicates: %d   reference conflicts: %d\n",
		s.UnknownRoles, s.PossibleDupes, s.ReferenceClashes)
	for _, f := range t.AuditFailures {
		b, _ := json.Marshal(f.First)
		fmt.Fprintf(w, "  audit %s: %d rows, first: %s\n", f.Audit, f.Rows, b)
	}
	fmt.Fprintf(w, "  details: SELECT * FROM plan.chg_runn__actuals WHERE run_id = %d; (and plan.rpt_exclusions, plan.rpt_unknown_roles)\n", t.RunID)
	return nil
}

func hoursMinutes(m int64) string {
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}
