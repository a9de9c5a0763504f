package main

import (
	"fmt"
	"io"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/pipelines"
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
