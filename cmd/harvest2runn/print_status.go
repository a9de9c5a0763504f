package main

// Text output of the commands that read the warehouse: status and audit.

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

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
	if s.PossibleDuplicates > 0 {
		fmt.Fprintf(w, "  possible duplicates in run %d's plan (R1a): %d Runn records look like Harvest ones but carry no Harvest reference\n",
			s.ExclusionsRun, s.PossibleDuplicates)
		fmt.Fprintln(w, "    see what linking them would do: harvest2runn link --dry-run")
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

var trailColumns = []string{"write_id", "load_id", "mode", "kind", "key", "harvest_id", "role_key", "date", "runn_person_id",
	"harvest_user_id", "runn_project_id", "harvest_project_id", "runn_role_id", "label", "rule", "reason", "status", "how", "runn_id",
	"error", "minutes_before", "minutes_after", "billable_minutes", "nonbillable_minutes", "planned_at", "request_id",
	"person_name", "project_name", "role_name"}

func writeTrailCSV(w io.Writer, rows []pipelines.AuditWrite) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(trailColumns); err != nil {
		return err
	}
	for _, r := range rows {
		t := r.Target
		if err := cw.Write([]string{
			strconv.FormatInt(r.WriteID, 10), strconv.FormatInt(r.LoadID, 10), r.Mode, r.Kind, r.Key, derefInt(t.HarvestID),
			deref(t.RoleKey), deref(t.Date), derefInt(t.RunnPersonID), derefInt(t.HarvestUserID), derefInt(t.RunnProjectID),
			derefInt(t.HarvestProjectID), derefInt(t.RunnRoleID), deref(r.Label), deref(r.Rule), deref(r.Reason), r.Status,
			deref(r.How), derefInt(r.RunnID), deref(r.Error), derefInt(r.MinutesBefore), derefInt(r.MinutesAfter),
			derefInt(r.Billable), derefInt(r.Nonbillable), r.PlannedAt.UTC().Format(time.RFC3339), derefInt(r.RequestID),
			r.PersonName, r.ProjectName, r.RoleName,
		}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeTrailTable is the audit for people: one line per write, minutes before -> after.
func writeTrailTable(w io.Writer, res pipelines.AuditResult) error {
	if len(res.Writes) == 0 {
		fmt.Fprintf(w, "run %d: no writes in the audit trail\n", res.RunID)
		return nil
	}
	fmt.Fprintf(w, "run %d: %d write attempts in %s (bodies: --output json)\n", res.RunID, len(res.Writes), plural(len(res.Requests), "request", "requests"))
	http := map[int64]string{}
	for _, q := range res.Requests {
		http[q.RequestID] = derefInt(q.HTTPStatus)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WRITE\tMODE\tKIND\tKEY\tNAME\tRULE\tMINUTES\tSTATUS\tRUNN ID\tREQUEST\tHTTP\tMESSAGE")
	for _, r := range res.Writes {
		status := r.Status
		if r.How != nil && *r.How == "read" {
			status += " (read)"
		}
		req := ""
		if r.RequestID != nil {
			req = derefInt(r.RequestID)
		}
		name := deref(r.Label)
		if r.Kind == "actual" {
			name = strings.Join([]string{orDash(r.PersonName), orDash(r.ProjectName), orDash(r.RoleName)}, " / ")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.WriteID, r.Mode, r.Kind, r.Key, name,
			deref(r.Rule), minutesChange(r), status, derefInt(r.RunnID), req, http[derefOr(r.RequestID)], deref(r.Error))
	}
	return tw.Flush()
}

// minutesChange is an actual's "before -> after" in minutes ("-" where Runn held nothing).
func minutesChange(r pipelines.AuditWrite) string {
	if r.Kind != "actual" || r.MinutesAfter == nil {
		return ""
	}
	before := "-"
	if r.MinutesBefore != nil {
		before = strconv.FormatInt(*r.MinutesBefore, 10)
	}
	return before + " -> " + strconv.FormatInt(*r.MinutesAfter, 10)
}

func derefOr(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
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
