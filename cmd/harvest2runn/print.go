package main

// The blocks that several commands' text output share: each is printed by one function here,
// so that sync, load, transform, replay and status say the same thing the same way.

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
)

// printStops shows the R17 checks that tripped, each with its figures: what was expected, what
// came, and whether --allow-large-changes lifted it.
func printStops(w io.Writer, stops []pipelines.SafetyStop) {
	if len(stops) == 0 {
		return
	}
	lifted := 0
	for _, s := range stops {
		if s.Lifted {
			lifted++
		}
	}
	if lifted == len(stops) {
		fmt.Fprintf(w, "  safety checks tripped but lifted by --allow-large-changes (%d):\n", lifted)
	} else {
		fmt.Fprintf(w, "  SAFETY STOP (R17): nothing was sent to Runn (%d):\n", len(stops))
	}
	for _, s := range stops {
		fmt.Fprintf(w, "    %-5s %-7s %-13s expected %d, got %d: %s\n", s.Stop, s.Source, s.Listing, s.Expected, s.Got, s.Detail)
	}
}

// printCounts is the table of a plan's writes per kind and rule, and what became of them, with a
// legend for its columns.
func printCounts(w io.Writer, counts []load.Counts) {
	fmt.Fprintf(w, "  %-8s %-10s %8s %8s %8s %8s %8s %8s\n", "kind", "rule", "planned", "done", "landed", "rejected", "skipped", "adopted")
	for _, c := range counts {
		fmt.Fprintf(w, "  %-8s %-10s %8d %8d %8d %8d %8d %8d\n", c.Kind, c.Rule, c.Planned, c.AlreadyDone, c.Applied+c.Reconciled,
			c.Rejected, c.Skipped, c.Adopted)
	}
	fmt.Fprint(w, countsLegend)
}

// countsLegend says what each column of printCounts counts.
const countsLegend = `  planned: writes in the plan; done: confirmed by an earlier load of this run, not sent again (R14);
  landed: confirmed by Runn now, or an unanswered create found in Runn; rejected: refused by Runn;
  skipped: not sent, a record it needs was not created; adopted: a create not sent, Runn had the
  record already (R1, R17)
`

// exclusionTotals adds up the time not sent (R9) over every reason.
func exclusionTotals(xs []transform.ExclusionSum) (minutes, entries int64) {
	for _, x := range xs {
		minutes += x.Minutes
		entries += x.Entries
	}
	return minutes, entries
}

// printExclusions is the time not sent (R9), one line per reason (which names its cause and
// rule), each line led by prefix.
func printExclusions(w io.Writer, prefix string, xs []transform.ExclusionSum) {
	for _, x := range xs {
		fmt.Fprintf(w, "%s%14s %6d entries  %s\n", prefix, hoursMinutes(x.Minutes), x.Entries, x.Reason)
	}
}

// printNotSent is the time a plan does not send (R9): the total, then each reason.
func printNotSent(w io.Writer, xs []transform.ExclusionSum) {
	if len(xs) == 0 {
		return
	}
	minutes, entries := exclusionTotals(xs)
	fmt.Fprintf(w, "  not sent (R9): %s in %d entries\n", hoursMinutes(minutes), entries)
	printExclusions(w, "    ", xs)
}

// printAttention is the line of what a person should look at in Runn, with where to look.
func printAttention(w io.Writer, unknownRoles, possibleDuplicates, referenceConflicts int64) {
	fmt.Fprintf(w, "  people with role Unknown: %d   possible duplicates: %d   reference conflicts: %d\n",
		unknownRoles, possibleDuplicates, referenceConflicts)
	if possibleDuplicates > 0 {
		fmt.Fprintln(w, "  possible duplicates (R1a): see them, and link them instead of creating duplicates, with: harvest2runn link --dry-run (R16)")
	}
}

// printAuditFailures is each audit that found rows, with its first rows; verb follows the
// audit's name ("failed" or nothing).
func printAuditFailures(w io.Writer, verb string, fails []transform.AuditFailure) {
	for _, a := range fails {
		b, _ := json.Marshal(a.First)
		fmt.Fprintf(w, "  audit %s%s: %d rows, first: %s\n", a.Audit, verb, a.Rows, b)
	}
}

// printSamples is the first planned changes of each kind, as a dry run shows them.
func printSamples(w io.Writer, samples map[string]any) {
	for _, kind := range load.Kinds() {
		if rows, err := json.Marshal(samples[kind]); err == nil && string(rows) != "null" && string(rows) != "[]" {
			fmt.Fprintf(w, "  first %ss: %s\n", kind, rows)
		}
	}
}

// printRejected is the records Runn refused, with Runn's message.
func printRejected(w io.Writer, rejected []load.Problem) {
	if len(rejected) == 0 {
		return
	}
	fmt.Fprintf(w, "  did not land (%d):\n", len(rejected))
	for _, p := range rejected {
		label := ""
		if p.Label != "" {
			label = " (" + p.Label + ")"
		}
		fmt.Fprintf(w, "    %s %s%s %s: %s\n", p.Kind, p.Key, label, p.Status, p.Message)
	}
}

// windowText is a run's window as people read it; from is empty for the whole history.
func windowText(from, to string) string {
	if from == "" {
		return "all history to " + to
	}
	return from + " to " + to
}

func hoursMinutes(m int64) string {
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
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
