package main

// The blocks that several commands' text output share: each is printed by one function here,
// so that sync, load, transform, replay and status say the same thing the same way.

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

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

// printCounts is the table of a plan's writes per kind and rule, and what became of them: done
// by an earlier load, landed now, adopted (found in Runn right before creating, R17), rejected
// by Runn, or skipped.
func printCounts(w io.Writer, counts []load.Counts) {
	fmt.Fprintf(w, "  %-8s %-10s %8s %8s %8s %8s %8s %8s\n", "kind", "rule", "planned", "done", "landed", "rejected", "skipped", "adopted")
	for _, c := range counts {
		fmt.Fprintf(w, "  %-8s %-10s %8d %8d %8d %8d %8d %8d\n", c.Kind, c.Rule, c.Planned, c.AlreadyDone, c.Applied+c.Reconciled,
			c.Rejected, c.Skipped, c.Adopted)
	}
}

// planKinds are the plan's kinds of Runn writes in the order of R15: roles, then the kinds a
// run may be limited to.
func planKinds() []string { return append([]string{"roles"}, transform.Kinds...) }

// printPlanWrites is a plan's Runn writes per kind, with the rows of each rule.
func printPlanWrites(w io.Writer, changes []transform.ChangeCount) {
	fmt.Fprintln(w, "  Runn writes:")
	for _, kind := range planKinds() {
		var total int64
		var rules []string
		for _, c := range changes {
			if c.Kind == kind {
				total += c.Rows
				rules = append(rules, fmt.Sprintf("%s %d", c.Rule, c.Rows))
			}
		}
		detail := ""
		if len(rules) > 0 {
			detail = " (" + strings.Join(rules, ", ") + ")"
		}
		fmt.Fprintf(w, "    %-9s %7d%s\n", kind, total, detail)
	}
}

// exclusionTotals adds up the time not sent (R9) over every reason.
func exclusionTotals(xs []transform.ExclusionSum) (minutes, entries int64) {
	for _, x := range xs {
		minutes += x.Minutes
		entries += x.Entries
	}
	return minutes, entries
}

// printExclusions is the time not sent (R9), one line per reason, each line led by prefix.
func printExclusions(w io.Writer, prefix string, xs []transform.ExclusionSum) {
	for _, x := range xs {
		fmt.Fprintf(w, "%s%-26s %10s  %6d entries\n", prefix, x.Reason, hoursMinutes(x.Minutes), x.Entries)
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

// printAttention is the line of what a person should look at in Runn.
func printAttention(w io.Writer, unknownRoles, possibleDuplicates, referenceConflicts int64) {
	fmt.Fprintf(w, "  people with role Unknown: %d   possible duplicates: %d   reference conflicts: %d\n",
		unknownRoles, possibleDuplicates, referenceConflicts)
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
