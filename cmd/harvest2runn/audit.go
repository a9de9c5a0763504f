package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/pipelines"
)

type auditFlags struct {
	warehouse string
	run       int64
	format    string
}

func auditCommand() *command {
	return &command{
		name:    "audit",
		summary: "list the audit trail of a run's loads: every write, Runn's answer, the request body",
		usage:   "[--run ID] [--format table|csv|json]",
		help: `Lists every write the loads and reverts of a run attempted, oldest first: what it was for (kind,
target, rule), what became of it (confirmed with Runn's id, rejected with Runn's message, found
by reading Runn after a lost answer, skipped and why), the request's HTTP status and timing. csv
and json include each request's body as sent (never a token or a header).

Example:
  harvest2runn audit                       # the latest loaded run, as a table
  harvest2runn audit --run 12 --format csv > run-12.csv
  harvest2runn audit --run 12 --format json | jq '.writes[] | select(.status == "rejected")'
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &auditFlags{}
			fs.Int64Var(&f.run, "run", 0, "the run whose trail to list (default: the latest run with one)")
			fs.StringVar(&f.format, "format", "table", "table, csv or json")
			fs.StringVar(&f.warehouse, "warehouse", "", warehouseFlagHelp)
			return f
		},
		run: runAudit,
	}
}

func runAudit(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*auditFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: give the run with --run ID", args[0])
	}
	if f.format != "table" && f.format != "csv" && f.format != "json" {
		return usagef("--format %q: use table, csv or json", f.format)
	}
	c := commonFlags{warehouse: f.warehouse}
	res, err := pipelines.Audit(ctx, pipelines.AuditOptions{WarehousePath: c.warehousePath(e), RunID: f.run})
	if err != nil {
		return err
	}
	switch f.format {
	case "json":
		return json.NewEncoder(e.stdout).Encode(res)
	case "csv":
		return writeTrailCSV(e.stdout, res.Rows)
	}
	return writeTrailTable(e.stdout, res)
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
