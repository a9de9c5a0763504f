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
}

func auditCommand() *command {
	return &command{
		name:    "audit",
		summary: "list the audit trail of a run's loads: every write, Runn's answer, the request body",
		usage:   "[--run ID] [--output text|json|csv]",
		help: `Lists every write the loads and reverts of a run attempted, oldest first, one line each: what it
was for (kind, key, rule), for an actual the minutes Runn held before and the minutes sent, what
became of it (confirmed with Runn's id, rejected with Runn's message, found by reading Runn after
a lost answer, skipped and why) and the request that carried it. json adds each request once,
with its HTTP status, timing and body as sent (a bulk call's body once, not once per actual it
carries; never a token or a header); csv is the writes, one row each.

Example:
  harvest2runn audit                       # the latest loaded run
  harvest2runn audit --run 12 --output csv > run-12.csv
  harvest2runn audit --run 12 --output json | jq '.writes[] | select(.status == "rejected")'
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &auditFlags{}
			fs.Int64Var(&f.run, "run", 0, "the run whose trail to list (default: the latest run with one)")
			f.common.registerWarehouse(fs)
			registerOutput(fs, &f.common.output, outputText, outputJSON, outputCSV)
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
	format, err := checkOutput(f.common.output, outputText, outputJSON, outputCSV)
	if err != nil {
		return err
	}
	res, err := pipelines.Audit(ctx, pipelines.AuditOptions{WarehousePath: f.common.warehousePath(e), RunID: f.run})
	if err != nil {
		return err
	}
	switch format {
	case outputJSON:
		return json.NewEncoder(e.stdout).Encode(res)
	case outputCSV:
		return writeTrailCSV(e.stdout, res.Writes)
	}
	return writeTrailTable(e.stdout, res)
}
