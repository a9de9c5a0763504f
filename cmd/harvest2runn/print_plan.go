package main

// Text output of the commands that print a plan: sync (and import, schedule, demo), transform
// and replay.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
)

func printSync(w io.Writer, format string, res pipelines.SyncResult) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	printSyncHeader(w, res)
	if len(res.Changes) > 0 {
		printCounts(w, res.Changes)
	} else if res.Stage == "done" || res.Stage == "load" {
		fmt.Fprintln(w, "  nothing to send: Runn already holds what Harvest says (R14)")
	}
	printNotSent(w, res.Exclusions)
	printAttention(w, res.UnknownRoles, res.PossibleDuplicates, res.ReferenceConflicts)
	printStops(w, res.SafetyStops)
	printAuditFailures(w, " failed", res.AuditFailures)
	if res.DryRun {
		printSamples(w, res.Samples)
	}
	printRejected(w, res.Rejected)
	for _, api := range []string{"harvest", "runn"} {
		if r, ok := res.Requests[api]; ok {
			fmt.Fprintf(w, "  %-7s %5d requests (%d retries, %d rate-limited, %d server errors)\n", api, r.Requests, r.Retries, r.RateLimited, r.ServerErrors)
		}
	}
	fmt.Fprintf(w, "  stages: extract %s, transform %s, load %s\n", res.Times.Extract.Round(time.Millisecond),
		res.Times.Transform.Round(time.Millisecond), res.Times.Load.Round(time.Millisecond))
	if p := res.Pruned; p != nil {
		fmt.Fprintf(w, "  pruned the raw extracts of %d runs older than %s (%s of page files)\n", len(p.Pruned), p.Cutoff.Format(time.DateOnly), humanBytes(p.PageBytes))
	}
	fmt.Fprintf(w, "  warehouse %s; details: harvest2runn status, harvest2runn audit --run %d\n", res.Warehouse, res.RunID)
	return nil
}

// printSyncHeader is a sync's first line: the run, its day and window, and how it went.
func printSyncHeader(w io.Writer, res pipelines.SyncResult) {
	from := ""
	if res.Window.From != nil {
		from = *res.Window.From
	}
	what := res.Status
	switch {
	case res.DryRun && res.Status != "failed":
		what = "planned (dry run: nothing sent to Runn)"
	case res.Status == "partial":
		what = "finished, but Runn rejected some records"
	case res.Status == "failed" && stopped(res.SafetyStops):
		what = "STOPPED by a safety check (R17) before anything was sent to Runn"
	case res.Status == "failed":
		what = "FAILED in the " + res.Stage + " stage: run the same command again to resume"
	}
	fmt.Fprintf(w, "run %d (%s, today %s, window %s, %s): %s in %s\n", res.RunID, res.Kind, res.Today, windowText(from, res.Window.To),
		strings.Join(res.Only, ","), what, res.Times.Total.Round(time.Millisecond))
}

func printTransform(w io.Writer, format string, res pipelines.TransformResult) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	t, s := res.Transform, res.Summary
	state := "plan ready"
	if len(t.AuditFailures) > 0 {
		state = "AUDITS FAILED: nothing will be sent"
	}
	fmt.Fprintf(w, "run %d planned (today %s, window %s) in %s: %s\n", t.RunID, res.Today, windowText(res.WindowFrom, res.WindowTo),
		t.Duration.Round(1e6), state)
	printPlanWrites(w, s.Changes)
	// The largest reasons first: the transform is where a person looks into what is not sent.
	slices.SortStableFunc(s.Exclusions, func(a, b transform.ExclusionSum) int { return cmp.Compare(b.Minutes, a.Minutes) })
	printNotSent(w, s.Exclusions)
	printAttention(w, s.UnknownRoles, s.PossibleDupes, s.ReferenceClashes)
	printAuditFailures(w, "", t.AuditFailures)
	fmt.Fprintf(w, "  details: SELECT * FROM plan.chg_runn__actuals WHERE run_id = %d; (and plan.rpt_exclusions, plan.rpt_unknown_roles)\n", t.RunID)
	return nil
}

func printReplay(w io.Writer, format string, res pipelines.ReplayResult) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	fmt.Fprintf(w, "run %d (%s) replayed: today %s, window %s, kinds %v, autofill %t, in %s\n", res.RunID, res.Kind, res.Today,
		windowText(res.WindowFrom, res.WindowTo), res.Only, res.Autofill, res.Duration.Round(time.Millisecond))
	printPlanWrites(w, res.Summary.Changes)
	printExclusions(w, "  not sent (R9) ", res.Summary.Exclusions)
	printAttention(w, res.Summary.UnknownRoles, res.Summary.PossibleDupes, res.Summary.ReferenceClashes)
	printAuditFailures(w, " failed", res.Transform.AuditFailures)
	switch {
	case !res.OriginalPlanned:
		fmt.Fprintf(w, "run %d had no plan of its own to compare with\n", res.RunID)
	case res.Identical:
		fmt.Fprintf(w, "identical to what run %d planned (%d plan tables, row for row)\n", res.RunID, len(res.Diff))
	default:
		fmt.Fprintf(w, "DIFFERS from what run %d planned:\n", res.RunID)
	}
	printPlanDiff(w, res.Diff)
	printStops(w, res.SafetyStops)
	if res.Applied != nil {
		_ = printLoad(w, "text", pipelines.LoadResult{Result: *res.Applied})
	}
	return nil
}

// printPlanDiff is each plan table a replay planned otherwise, with its first rows only in one.
func printPlanDiff(w io.Writer, diff []pipelines.TableDiff) {
	for _, d := range diff {
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
}
