package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
)

type transformFlags struct {
	common     commonFlags
	run        int64
	noAutofill bool
	only       onlyFlag
	show       showFlag
}

func transformCommand() *command {
	return &command{
		name:    "transform",
		summary: "plan what Runn must receive from a run's stored extracts (sends nothing)",
		usage:   "[--run ID] [flags]",
		help: `Runs the sync rules (R1-R15, sql/) over the stored Harvest and Runn extracts of a run, with that
run's today and window, and prints the plan as sync --dry-run does: each record created with the
fields sent, the actuals by person and project ("+" new, "~" changed, "-" set to 0, Runn's minutes
before -> after, the rule), the time that will not be sent and why, people whose role is Unknown,
possible duplicates, and one summary line. --show N lists the first N records of each group
(--show all: every one); --output json prints the same plan as one JSON object
(docs/schemas/transform.schema.json). The plan is kept in the
warehouse (plan.*) for the load and for analysts. A run whose audits find a problem stops here:
nothing of it can be loaded.

Example:
  harvest2runn transform                 # the latest run with both extracts
  harvest2runn transform --run 12 --output json
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &transformFlags{}
			fs.Int64Var(&f.run, "run", 0, "the run whose extracts to transform (default: the latest run with both extracts)")
			fs.BoolVar(&f.noAutofill, "no-autofill", false, "do not plan zeros for missing weekdays of finished weeks (R13)")
			f.only.register(fs, "sync only these kinds", " (default all)")
			f.show.register(fs)
			f.common.registerLocal(fs, "log each model as it runs")
			return f
		},
		run: runTransform,
	}
}

func runTransform(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*transformFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: give the run with --run ID", args[0])
	}
	if err := f.common.validateOutput(); err != nil {
		return err
	}
	if err := f.only.check(); err != nil {
		return err
	}
	res, err := pipelines.Transform(ctx, pipelines.TransformOptions{
		WarehousePath: f.common.warehousePath(e), RunID: f.run, Autofill: !f.noAutofill, Only: f.only,
		Logger: f.common.logger(e),
	})
	if res.Transform.RunID != 0 {
		if perr := printTransform(e.stdout, f.common.output, res, f.show); perr != nil && err == nil {
			err = perr
		}
	}
	if errors.Is(err, transform.ErrAuditFailed) {
		return fmt.Errorf("run %d: %w", res.Transform.RunID, err)
	}
	return err
}
