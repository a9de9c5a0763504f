package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type statusFlags struct {
	warehouse string
	output    string
}

func statusCommand() *command {
	return &command{
		name:    "status",
		summary: "last sync per kind, last run, Unknown roles, excluded time, rejections, and what runs now",
		usage:   "[--output text|json] [flags]",
		help: `Shows the state of the warehouse: the last successful sync of each kind (clients, projects, people,
actuals: the "last sync date"), how the last run went, the people whose role is Unknown (their time
is blocked until it is fixed in Runn, R6, R8), the time the latest plan did not send, by reason
(R9), and the records Runn rejected in the latest load. While a run holds the warehouse (DuckDB lets
no other process open it then), status says which run, in which stage, since when. It only reads:
it never takes the warehouse from a run.

Example:
  harvest2runn status
  harvest2runn status --output json | jq '.last_sync'
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &statusFlags{}
			fs.StringVar(&f.output, "output", "text", "text or json")
			fs.StringVar(&f.warehouse, "warehouse", "", warehouseFlagHelp)
			return f
		},
		run: runStatus,
	}
}

func runStatus(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*statusFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: status takes only flags", args[0])
	}
	if f.output != "text" && f.output != "json" {
		return usagef("--output %q: use text or json", f.output)
	}
	c := commonFlags{warehouse: f.warehouse}
	res, err := pipelines.Status(ctx, c.warehousePath(e))
	if err != nil {
		return err
	}
	if f.output == "json" {
		return json.NewEncoder(e.stdout).Encode(res)
	}
	printStatus(e.stdout, res, time.Now())
	return nil
}

func printStatus(w io.Writer, s pipelines.StatusResult, now time.Time) {
	fmt.Fprintf(w, "warehouse %s\n", s.Warehouse)
	if s.Busy {
		if r := s.Running; r != nil && r.RunID != 0 {
			fmt.Fprintf(w, "  running now: run %d (%s), stage %s, since %s (%s ago), pid %d\n", r.RunID, r.Kind, orDash(r.Stage),
				r.Since.Local().Format(time.RFC3339), now.Sub(r.Since).Round(time.Second), r.PID)
		} else if r != nil {
			fmt.Fprintf(w, "  in use now by %s (pid %d) since %s\n", orDash(r.Holder), r.PID, r.Since.Local().Format(time.RFC3339))
		} else {
			fmt.Fprintln(w, "  in use now by another harvest2runn process")
		}
		fmt.Fprintln(w, "  the rest of the status shows once it is done (DuckDB lets one process at a time open the file)")
		return
	}
	fmt.Fprintln(w, "  running now: nothing")
	fmt.Fprintln(w, "  last successful sync:")
	for _, k := range []string{"clients", "projects", "people", "actuals"} {
		line := "never"
		for _, l := range s.LastSync {
			if l.Kind == k {
				line = fmt.Sprintf("%s (run %d, finished %s)", l.Today, l.RunID, l.FinishedAt.Local().Format("2006-01-02 15:04"))
			}
		}
		fmt.Fprintf(w, "    %-9s %s\n", k, line)
	}
	if r := s.LastRun; r != nil {
		fmt.Fprintf(w, "  last run: %d (%s, today %s) %s, started %s", r.RunID, r.Kind, orDash(r.Today), r.Status, r.StartedAt.Local().Format("2006-01-02 15:04:05"))
		if r.FinishedAt != nil {
			fmt.Fprintf(w, ", took %s", r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond))
		}
		fmt.Fprintln(w)
		if r.Error != "" {
			fmt.Fprintf(w, "    error: %s\n", oneLine(r.Error))
		}
		printStops(w, s.SafetyStops)
	} else {
		fmt.Fprintln(w, "  last run: none yet (harvest2runn sync --dry-run is a good first one)")
	}
	fmt.Fprintf(w, "  people with role Unknown: %d", len(s.UnknownRoles))
	if len(s.UnknownRoles) > 0 {
		fmt.Fprint(w, " (their time is not sent until their role is fixed in Runn)")
	}
	fmt.Fprintln(w)
	for _, p := range s.UnknownRoles {
		fmt.Fprintf(w, "    %-30s runn %-10s harvest %-10s %s\n", p.Name, intOrDash(p.RunnPersonID), intOrDash(p.HarvestUserID), p.Why)
	}
	if s.ExclusionsRun != 0 {
		var total int64
		for _, x := range s.Exclusions {
			total += x.Minutes
		}
		fmt.Fprintf(w, "  excluded time in run %d's plan (R9): %s\n", s.ExclusionsRun, hoursMinutes(total))
		for _, x := range s.Exclusions {
			fmt.Fprintf(w, "    %-26s %10s  %6d entries\n", x.Reason, hoursMinutes(x.Minutes), x.Entries)
		}
	}
	if s.RejectedRun != 0 {
		fmt.Fprintf(w, "  rejected records pending (run %d): %d\n", s.RejectedRun, len(s.Rejected))
		for _, p := range s.Rejected {
			fmt.Fprintf(w, "    %s %s %s: %s\n", p.Kind, p.Key, p.Status, p.Message)
		}
	}
	if s.PrunedRuns > 0 || len(s.PinnedRuns) > 0 {
		fmt.Fprintf(w, "  pruned runs: %d; pinned runs: %v\n", s.PrunedRuns, s.PinnedRuns)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func intOrDash(n *int64) string {
	if n == nil {
		return "-"
	}
	return fmt.Sprint(*n)
}
