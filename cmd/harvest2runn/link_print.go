package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

// linkCSVHeader is the header of `link --output csv`, which `link --from` reads back.
var linkCSVHeader = []string{"status", "kind", "harvest_id", "harvest_name", "runn_id", "runn_name", "compared_on", "harvest_value", "runn_value"}

// printLinkCSV prints one row per candidate pair, proposed and ambiguous alike: the file a user
// edits (deleting rows) before `link --from`.
func printLinkCSV(w io.Writer, res pipelines.LinkResult) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(linkCSVHeader); err != nil {
		return err
	}
	row := func(status, kind string, hid int64, hname string, rid int64, rname string, ev pipelines.LinkEvidence) error {
		return cw.Write([]string{status, kind, strconv.FormatInt(hid, 10), hname, strconv.FormatInt(rid, 10), rname,
			ev.ComparedOn, ev.HarvestValue, ev.RunnValue})
	}
	for _, e := range res.Proposed {
		if err := row("proposed", e.Kind, e.HarvestID, e.HarvestName, e.RunnID, e.RunnName, e.Evidence); err != nil {
			return err
		}
	}
	for _, a := range res.Ambiguous {
		for _, c := range a.Candidates {
			var err error
			if a.HarvestID != nil {
				err = row("ambiguous", a.Kind, *a.HarvestID, a.Name, *c.RunnID, c.Name, c.Evidence)
			} else {
				err = row("ambiguous", a.Kind, *c.HarvestID, c.Name, *a.RunnID, a.Name, c.Evidence)
			}
			if err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func printLinkText(w io.Writer, res pipelines.LinkResult) {
	what := fmt.Sprintf("linked %d pairs", len(res.Linked))
	switch {
	case res.DryRun:
		what = "dry run: nothing written to Runn"
	case res.Status == "partial":
		what = "finished, but some pairs were not linked"
	case res.Status == "failed":
		what = "FAILED: run the same command again to resume"
	}
	fmt.Fprintf(w, "link run %d: %s\n", res.RunID, what)
	if len(res.Proposed) == 0 && len(res.Ambiguous) == 0 && len(res.Linked) == 0 {
		fmt.Fprintln(w, "  no candidate pairs: every Harvest record is matched, or has no Runn record of the same name or email")
	}
	for _, kind := range []string{"client", "project", "person"} {
		printLinkKind(w, kind, res)
	}
	for _, p := range res.NotLinked {
		fmt.Fprintf(w, "  NOT LINKED %s harvest %d %q = runn %d %q: %s\n", p.Kind, p.HarvestID, p.HarvestName, p.RunnID, p.RunnName, p.Message)
	}
	if !res.DryRun && len(res.Linked) > 0 {
		fmt.Fprintf(w, "  undo with: harvest2runn revert %d\n", res.RunID)
	}
}

func printLinkKind(w io.Writer, kind string, res pipelines.LinkResult) {
	linked := map[string]bool{}
	for _, e := range res.Linked {
		if e.Kind == kind {
			linked[fmt.Sprintf("%d %d", e.HarvestID, e.RunnID)] = true
			fmt.Fprintf(w, "  linked   %-7s harvest %d %q = runn %d %q (%s)\n", kind, e.HarvestID, e.HarvestName, e.RunnID, e.RunnName, evidenceText(e.Evidence))
		}
	}
	for _, e := range res.Proposed {
		if e.Kind == kind && !linked[fmt.Sprintf("%d %d", e.HarvestID, e.RunnID)] {
			fmt.Fprintf(w, "  proposed %-7s harvest %d %q = runn %d %q (%s)\n", kind, e.HarvestID, e.HarvestName, e.RunnID, e.RunnName, evidenceText(e.Evidence))
		}
	}
	for _, a := range res.Ambiguous {
		if a.Kind != kind {
			continue
		}
		if a.HarvestID != nil {
			fmt.Fprintf(w, "  ambiguous %s harvest %d %q has %d Runn candidates:\n", kind, *a.HarvestID, a.Name, len(a.Candidates))
		} else {
			fmt.Fprintf(w, "  ambiguous %s runn %d %q has %d Harvest candidates:\n", kind, *a.RunnID, a.Name, len(a.Candidates))
		}
		for _, c := range a.Candidates {
			if c.RunnID != nil {
				fmt.Fprintf(w, "      runn %d %q (%s): --pair harvest:%s:%d=runn:%d\n", *c.RunnID, c.Name, evidenceText(c.Evidence), kind, *a.HarvestID, *c.RunnID)
			} else {
				fmt.Fprintf(w, "      harvest %d %q (%s): --pair harvest:%s:%d=runn:%d\n", *c.HarvestID, c.Name, evidenceText(c.Evidence), kind, *c.HarvestID, *a.RunnID)
			}
		}
	}
}

func evidenceText(e pipelines.LinkEvidence) string {
	return fmt.Sprintf("%s %q = %q", e.ComparedOn, e.HarvestValue, e.RunnValue)
}
