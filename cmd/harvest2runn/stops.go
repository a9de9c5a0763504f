package main

import (
	"fmt"
	"io"

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
