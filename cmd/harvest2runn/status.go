package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/load"
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
it never takes the warehouse from a run. When the latest plan found Runn records that look like
Harvest ones without a Harvest reference (possible duplicates, R1a), it points to harvest2runn link.

Exit status: 0 when all is well (or a run holds the warehouse now), 1 when the last run failed,
3 when Runn rejected records of the latest load that are still pending, 2 for a usage error or no
warehouse. A monitor can run harvest2runn status and alert on a non-zero status.

Example:
  harvest2runn status
  harvest2runn status --output json | jq '.last_sync'
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &statusFlags{}
			f.common.registerWarehouse(fs)
			registerOutput(fs, &f.common.output, outputText, outputJSON)
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
	format, err := checkOutput(f.common.output, outputText, outputJSON)
	if err != nil {
		return err
	}
	res, err := pipelines.Status(ctx, f.common.warehousePath(e))
	if err != nil {
		return err
	}
	if format == outputJSON {
		if err := json.NewEncoder(e.stdout).Encode(res); err != nil {
			return err
		}
	} else {
		printStatus(e.stdout, res, time.Now())
	}
	return statusExit(res)
}

// statusExit is what status exits with: the last run failed (1), or Runn rejected records that
// are still pending (3); nil when all is well or a run holds the warehouse now.
func statusExit(s pipelines.StatusResult) error {
	switch {
	case s.Busy:
		return nil
	case s.LastRunFailed():
		return fmt.Errorf("the last run (%d, %s) failed: run it again to resume (details above)", s.LastRun.RunID, s.LastRun.Kind)
	case len(s.Rejected) > 0:
		return fmt.Errorf("%d records of run %d are pending: %w (fix them, then sync again)", len(s.Rejected), s.RejectedRun, load.ErrRejected)
	}
	return nil
}
