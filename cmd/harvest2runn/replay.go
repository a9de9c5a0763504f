package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
)

type replayFlags struct {
	load      loadFlags
	apply     bool
	iKnow     bool
	autofill  string
	onlyKinds []string
}

func replayCommand() *command {
	return &command{
		name:    "replay",
		summary: "plan a past run again from its stored extracts and compare with what it planned",
		usage:   "RUN_ID [--apply --i-know-this-writes-old-data] [flags]",
		help: `Runs the sync rules again over exactly the input a run had (its stored Harvest and Runn extracts,
its today, its window, its --only and autofill, and the audit trail as it was when it was planned),
in a scratch copy beside the warehouse, prints the plan, and compares it with the plan the run
kept, table by table and row by row: identical unless the rules changed since. The run's own plan
is left as it was. --apply, given with --i-know-this-writes-old-data, makes the replayed plan the
run's plan and sends it to Runn (resuming the run's load: what it confirmed is not sent again);
the data is that day's, so it may be older than what Runn holds now. A pruned run cannot be
replayed: its extracts are gone (pin runs with prune --keep).

Example:
  harvest2runn replay 12
  harvest2runn replay 12 --output json | jq '.identical'
  harvest2runn replay 12 --apply --i-know-this-writes-old-data
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &replayFlags{}
			fs.BoolVar(&f.apply, "apply", false, "send the replayed plan to Runn (needs --i-know-this-writes-old-data)")
			fs.BoolVar(&f.iKnow, "i-know-this-writes-old-data", false, "confirm --apply: the run's data is that day's, not today's")
			fs.StringVar(&f.autofill, "autofill", "", "on or off: override the run's own autofill (R13)")
			fs.StringSliceVar(&f.onlyKinds, "only", nil, "override the run's own kinds: clients,projects,people,actuals")
			f.load.registerCommon(fs)
			return f
		},
		run: runReplay,
	}
}

func runReplay(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*replayFlags)
	if len(args) != 1 {
		return usagef("give the run to replay: harvest2runn replay RUN_ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("RUN_ID %q is not a run id: give the number a sync printed, e.g. harvest2runn replay 12", args[0])
	}
	if f.apply && !f.iKnow {
		return usagef("--apply sends run %d's plan, made from that day's data, to Runn now: add --i-know-this-writes-old-data if that is what you want", id)
	}
	if f.iKnow && !f.apply {
		return usagef("--i-know-this-writes-old-data confirms --apply: give both, or neither to only compare")
	}
	opts := pipelines.ReplayOptions{WarehousePath: f.load.common.warehousePath(e), RunID: id, Apply: f.apply}
	switch f.autofill {
	case "":
	case "on", "off":
		on := f.autofill == "on"
		opts.Autofill = &on
	default:
		return usagef("--autofill %q: use on or off", f.autofill)
	}
	for _, k := range f.onlyKinds {
		if !contains(transform.Kinds, k) {
			return usagef("--only %q: use any of clients,projects,people,actuals", k)
		}
	}
	if f.onlyKinds != nil {
		opts.Only = f.onlyKinds
	}
	f.load.dryRun = !f.apply
	prog, err := f.load.prepare(ctx, e, &opts.Runn, &opts.Logger, &opts.Progress)
	if err != nil {
		return err
	}
	res, err := pipelines.Replay(ctx, opts)
	prog.Close()
	if res.Today != "" {
		if perr := printReplay(e.stdout, f.load.common.output, res); perr != nil && err == nil {
			err = perr
		}
	}
	if errors.Is(err, transform.ErrAuditFailed) {
		return fmt.Errorf("replay of run %d: %w", id, err)
	}
	return err
}

func printReplay(w io.Writer, format string, res pipelines.ReplayResult) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	window := res.WindowFrom + " to " + res.WindowTo
	if res.WindowFrom == "" {
		window = "all history to " + res.WindowTo
	}
	fmt.Fprintf(w, "run %d (%s) replayed: today %s, window %s, kinds %v, autofill %t, in %s\n", res.RunID, res.Kind, res.Today, window,
		res.Only, res.Autofill, res.Duration.Round(time.Millisecond))
	printPlanSummary(w, res.Summary)
	for _, f := range res.Transform.AuditFailures {
		b, _ := json.Marshal(f.First)
		fmt.Fprintf(w, "  audit %s failed: %d rows, first: %s\n", f.Audit, f.Rows, b)
	}
	switch {
	case !res.OriginalPlanned:
		fmt.Fprintf(w, "run %d had no plan of its own to compare with\n", res.RunID)
	case res.Identical:
		fmt.Fprintf(w, "identical to what run %d planned (%d plan tables, row for row)\n", res.RunID, len(res.Diff))
	default:
		fmt.Fprintf(w, "DIFFERS from what run %d planned:\n", res.RunID)
	}
	for _, d := range res.Diff {
		if d.Same() {
			continue
		}
		fmt.Fprintf(w, "  %-32s original %6d rows, replay %6d rows: %d only in the original, %d only in the replay\n",
			d.Table, d.Original, d.Replayed, d.OnlyOriginal, d.OnlyReplayed)
		if d.Note != "" {
			fmt.Fprintf(w, "    (%s)\n", d.Note)
		}
		for _, r := range d.FirstOnlyOriginal {
			b, _ := json.Marshal(r)
			fmt.Fprintf(w, "    - %s\n", b)
		}
		for _, r := range d.FirstOnlyReplayed {
			b, _ := json.Marshal(r)
			fmt.Fprintf(w, "    + %s\n", b)
		}
	}
	if res.Applied != nil {
		_ = printLoad(w, "text", pipelines.LoadResult{Result: *res.Applied})
	}
	return nil
}

// printPlanSummary prints what a plan sends per kind and rule, and what it does not send.
func printPlanSummary(w io.Writer, s transform.Summary) {
	fmt.Fprintln(w, "  Runn writes:")
	for _, kind := range []string{"roles", "clients", "projects", "people", "actuals"} {
		var total int64
		rules := ""
		for _, c := range s.Changes {
			if c.Kind == kind {
				total += c.Rows
				rules += fmt.Sprintf(", %s %d", c.Rule, c.Rows)
			}
		}
		if rules != "" {
			rules = " (" + rules[2:] + ")"
		}
		fmt.Fprintf(w, "    %-9s %7d%s\n", kind, total, rules)
	}
	for _, x := range s.Exclusions {
		fmt.Fprintf(w, "  not sent (R9) %-26s %10s  %6d entries\n", x.Reason, hoursMinutes(x.Minutes), x.Entries)
	}
	fmt.Fprintf(w, "  people with role Unknown: %d   possible duplicates: %d   reference conflicts: %d\n",
		s.UnknownRoles, s.PossibleDupes, s.ReferenceClashes)
}
