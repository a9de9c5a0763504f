package main

// Text output of the commands that read the warehouse: status and audit.

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

func printStatus(w io.Writer, s pipelines.StatusResult, now time.Time) {
	fmt.Fprintf(w, "warehouse %s\n", s.Warehouse)
	if s.Busy {
		printBusy(w, s.Running, now)
		return
	}
	fmt.Fprintln(w, "  running now: nothing")
	fmt.Fprintln(w, "  last successful sync:")
	for _, k := range transform.Kinds {
		line := "never"
		for _, l := range s.LastSync {
			if l.Kind == k {
				line = fmt.Sprintf("%s (run %d, finished %s)", l.Today, l.RunID, l.FinishedAt.Local().Format("2006-01-02 15:04"))
			}
		}
		fmt.Fprintf(w, "    %-9s %s\n", k, line)
	}
	printLastRun(w, s)
	fmt.Fprintf(w, "  people with role Unknown: %d", len(s.UnknownRoles))
	if len(s.UnknownRoles) > 0 {
		fmt.Fprint(w, " (their time is not sent until their role is fixed in Runn)")
	}
	fmt.Fprintln(w)
	for _, p := range s.UnknownRoles {
		fmt.Fprintf(w, "    %-30s runn %-10s harvest %-10s %s\n", p.Name, intOrDash(p.RunnPersonID), intOrDash(p.HarvestUserID), p.Why)
	}
	if s.ExclusionsRun != 0 {
		total, _ := exclusionTotals(s.Exclusions)
		fmt.Fprintf(w, "  excluded time in run %d's plan (R9): %s\n", s.ExclusionsRun, hoursMinutes(total))
		printExclusions(w, "    ", s.Exclusions)
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

// printBusy says which run holds the warehouse, in which stage, since when.
func printBusy(w io.Writer, r *warehouse.LockInfo, now time.Time) {
	if r != nil && r.RunID != 0 {
		fmt.Fprintf(w, "  running now: run %d (%s), stage %s, since %s (%s ago), pid %d\n", r.RunID, r.Kind, orDash(r.Stage),
			r.Since.Local().Format(time.RFC3339), now.Sub(r.Since).Round(time.Second), r.PID)
	} else if r != nil {
		fmt.Fprintf(w, "  in use now by %s (pid %d) since %s\n", orDash(r.Holder), r.PID, r.Since.Local().Format(time.RFC3339))
	} else {
		fmt.Fprintln(w, "  in use now by another harvest2runn process")
	}
	fmt.Fprintln(w, "  the rest of the status shows once it is done (DuckDB lets one process at a time open the file)")
}

// printLastRun is how the last run went, with the safety stops it tripped.
func printLastRun(w io.Writer, s pipelines.StatusResult) {
	r := s.LastRun
	if r == nil {
		fmt.Fprintln(w, "  last run: none yet (harvest2runn sync --dry-run is a good first one)")
		return
	}
	fmt.Fprintf(w, "  last run: %d (%s, today %s) %s, started %s", r.RunID, r.Kind, orDash(r.Today), r.Status, r.StartedAt.Local().Format("2006-01-02 15:04:05"))
	if r.FinishedAt != nil {
		fmt.Fprintf(w, ", took %s", r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond))
	}
	fmt.Fprintln(w)
	// A safety stop's error repeats the stops, which follow with their figures.
	if r.Error != "" && !stopped(s.SafetyStops) {
		fmt.Fprintf(w, "    error: %s\n", oneLine(r.Error))
	}
	printStops(w, s.SafetyStops)
}

var trailColumns = []string{"write_id", "load_id", "run_id", "mode", "kind", "target_key", "label", "rule", "reason", "status", "how",
	"runn_id", "error", "planned_at", "request_id", "method", "path", "sent_at", "http_status", "duration_ms", "answered_at", "request_body"}

func writeTrailCSV(w io.Writer, rows []load.TrailRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(trailColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{
			strconv.FormatInt(r.WriteID, 10), strconv.FormatInt(r.LoadID, 10), strconv.FormatInt(r.RunID, 10), r.Mode, r.Kind, r.TargetKey,
			deref(r.Label), deref(r.Rule), deref(r.Reason), r.Status, deref(r.How), derefInt(r.RunnID), deref(r.Error),
			r.PlannedAt.UTC().Format(time.RFC3339Nano), derefInt(r.RequestID), deref(r.Method), deref(r.Path), derefTime(r.SentAt),
			derefInt(r.HTTPStatus), derefInt(r.DurationMS), derefTime(r.AnsweredAt), string(r.Body),
		}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeTrailTable(w io.Writer, res pipelines.AuditResult) error {
	fmt.Fprintf(w, "run %d: %d write attempts\n", res.RunID, len(res.Rows))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WRITE\tLOAD\tMODE\tKIND\tTARGET\tRULE\tSTATUS\tRUNN ID\tHTTP\tMS\tMESSAGE")
	for _, r := range res.Rows {
		status := r.Status
		if r.How != nil && *r.How == "read" {
			status += " (read)"
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.WriteID, r.LoadID, r.Mode, r.Kind, r.TargetKey, deref(r.Rule),
			status, derefInt(r.RunnID), derefInt(r.HTTPStatus), derefInt(r.DurationMS), deref(r.Error))
	}
	return tw.Flush()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

func derefTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
