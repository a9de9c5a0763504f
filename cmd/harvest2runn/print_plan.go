package main

// Text output of the commands that print a plan: sync (and import, schedule, demo), transform
// and replay. A dry run, a transform and a replay print the readable plan (print_plan_text.go); a
// sync that sent its plan prints what became of it.

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

// printSync prints a sync's result, listing the default number of records of each group of its plan.
func printSync(w io.Writer, format string, res pipelines.SyncResult) error {
	return printSyncShow(w, format, res, showFlag{})
}

// printSyncShow prints a sync's result, listing show records of each group of its plan.
func printSyncShow(w io.Writer, format string, res pipelines.SyncResult, show showFlag) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	printSyncHeader(w, res)
	switch {
	case res.Plan != nil:
		// A dry run, or a run stopped before load: the plan is what there is to read.
		printPlan(w, res.Plan, show)
		fmt.Fprintln(w)
	case len(res.Changes) > 0:
		printCounts(w, res.Changes)
	case res.Stage == "done" || res.Stage == "load":
		fmt.Fprintln(w, "  nothing to send: Runn already holds what Harvest says (R14)")
	}
	if res.Plan == nil {
		printNotSent(w, res.Exclusions)
		printAttention(w, int64(res.UnknownRolesCount), res.PossibleDuplicates, res.ReferenceConflicts)
	}
	printStops(w, res.SafetyStops)
	printAuditFailures(w, " failed", res.AuditFailures)
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

func printTransform(w io.Writer, format string, res pipelines.TransformResult, show showFlag) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	t := res.Transform
	state := "plan ready"
	if len(t.AuditFailures) > 0 {
		state = "AUDITS FAILED: nothing will be sent"
	}
	fmt.Fprintf(w, "run %d planned (today %s, window %s) in %s: %s\n", t.RunID, res.Today, windowText(valueOf(res.Window.From), res.Window.To),
		t.Duration.Round(time.Millisecond), state)
	printPlan(w, res.Plan, show)
	printAuditFailures(w, "", t.AuditFailures)
	fmt.Fprintf(w, "  details: SELECT * FROM plan.chg_runn__actuals WHERE run_id = %d; (and plan.rpt_exclusions, plan.rpt_unknown_roles)\n", t.RunID)
	return nil
}

func printReplay(w io.Writer, format string, res pipelines.ReplayResult, show showFlag) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	fmt.Fprintf(w, "run %d (%s) replayed: today %s, window %s, kinds %s, autofill %t, in %s\n", res.RunID, res.Kind, res.Today,
		windowText(valueOf(res.Window.From), res.Window.To), strings.Join(res.Only, ","), res.Autofill, res.Duration.Round(time.Millisecond))
	printPlan(w, res.Plan, show)
	printAuditFailures(w, " failed", res.Transform.AuditFailures)
	fmt.Fprintln(w)
	switch {
	case !res.OriginalPlanned:
		fmt.Fprintf(w, "run %d had no plan of its own to compare with\n", res.RunID)
	case res.Identical:
		fmt.Fprintf(w, "identical to what run %d planned (%d plan tables, row for row)\n", res.RunID, len(res.Diff))
	default:
		fmt.Fprintf(w, "DIFFERS from what run %d planned (- only in the original plan, + only in the replay):\n", res.RunID)
	}
	printPlanDiff(w, res.Diff, planNames(res.Plan))
	printStops(w, res.SafetyStops)
	if res.Applied != nil {
		_ = printLoad(w, "text", *res.Applied)
	}
	return nil
}

// printPlanDiff is each plan table a replay planned otherwise, with its first rows only in one,
// column by column, the names the replayed plan knows beside the ids.
func printPlanDiff(w io.Writer, diff []pipelines.TableDiff, names idNames) {
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
			fmt.Fprintf(w, "    - %s\n", rowText(r, names))
		}
		for _, r := range d.FirstOnlyReplayed {
			fmt.Fprintf(w, "    + %s\n", rowText(r, names))
		}
	}
}

// idNames are the names of the ids a plan row may carry, by column: harvest_user_id, runn_role_id...
type idNames map[string]map[int64]string

func (n idNames) add(column string, id *int64, name string) {
	if id == nil || name == "" {
		return
	}
	if n[column] == nil {
		n[column] = map[int64]string{}
	}
	n[column][*id] = name
}

// planNames are the names p gives the ids of its records.
func planNames(p *pipelines.Plan) idNames {
	n := idNames{}
	if p == nil {
		return n
	}
	for _, c := range p.Creates {
		n.add("harvest_"+map[string]string{"role": "role", "client": "client", "project": "project", "person": "user"}[c.Kind]+"_id", c.HarvestID, c.Name)
		if c.Kind == "project" {
			n.add("harvest_client_id", c.HarvestClientID, valueOf(c.ClientName))
		}
	}
	for _, pe := range p.People {
		n.add("harvest_user_id", pe.HarvestUserID, pe.PersonName)
		n.add("runn_person_id", pe.RunnPersonID, pe.PersonName)
		for _, pr := range pe.Projects {
			n.add("harvest_project_id", pr.HarvestProjectID, pr.ProjectName)
			n.add("runn_project_id", pr.RunnProjectID, pr.ProjectName)
			for _, a := range pr.Actuals {
				n.add("runn_role_id", a.RunnRoleID, a.RoleName)
			}
		}
	}
	return n
}

// rowText is a plan row as people read it: its columns in order of name, "column value" with the
// name of an id beside it when names know it, the reason last (the longest).
func rowText(r map[string]any, names idNames) string {
	cols := make([]string, 0, len(r))
	for c := range r {
		if c != "reason" {
			cols = append(cols, c)
		}
	}
	slices.Sort(cols)
	if _, ok := r["reason"]; ok {
		cols = append(cols, "reason")
	}
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		v := r[c]
		if v == nil {
			v = "null"
		}
		part := fmt.Sprintf("%s %v", c, v)
		if id, ok := v.(int64); ok && names[c][id] != "" {
			part += fmt.Sprintf(" (%q)", names[c][id])
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}
