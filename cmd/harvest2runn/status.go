package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type statusFlags struct {
	common commonFlags
}

func statusCommand() *command {
	return &command{
		name:    "status",
		summary: "last sync per kind, last run, Unknown roles, excluded time, rejections, and what runs now",
		usage:   "[--output text|json] [flags]",
		help: `Shows the state of the warehouse: the last successful sync of each kind (clients, projects, people,
actuals: the "last sync date"), how the last run went, the people whose role is Unknown (their time
is blocked until it is fixed in Runn, R6, R8), the time the latest plan did not send, by reason
(R9), and the records Runn rejected in the latest load. While a run holds the warehouse (DuckDB lets
no other process open it then), status says which run, in which stage, since when. It only reads:
it never takes the warehouse from a run.

Example:
  harvest2runn status
  harvest2runn status --output json | jq '.last_sync'
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &statusFlags{}
			fs.StringVar(&f.common.output, "output", "text", "text or json")
			f.common.registerWarehouse(fs)
			return f
		},
		run: runStatus,
	}
}

func runStatus(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*statusFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: status takes only flags", args[0])
	}
	if err := oneOf("--output", f.common.output, "text", "json"); err != nil {
		return err
	}
	res, err := pipelines.Status(ctx, f.common.warehousePath(e))
	if err != nil {
		return err
	}
	if f.common.output == "json" {
		return json.NewEncoder(e.stdout).Encode(res)
	}
	printStatus(e.stdout, res, time.Now())
	return nil
}
