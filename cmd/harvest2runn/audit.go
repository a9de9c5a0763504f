package main

import (
	"context"
	"encoding/json"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type auditFlags struct {
	common commonFlags
	run    int64
	format string
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
			f.common.registerWarehouse(fs)
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
	if err := oneOf("--format", f.format, "table", "csv", "json"); err != nil {
		return err
	}
	res, err := pipelines.Audit(ctx, pipelines.AuditOptions{WarehousePath: f.common.warehousePath(e), RunID: f.run})
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
