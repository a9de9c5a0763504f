package main

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type extractFlags struct {
	common  commonFlags
	window  windowFlags
	sources []string
}

func extractCommand() *command {
	return &command{
		name:    "extract",
		summary: "fetch Harvest and a snapshot of Runn into the warehouse (no changes to Runn)",
		usage:   "[flags]",
		help: `Fetches the Harvest account (users, roles, clients, projects, tasks, user assignments and the
time entries of the window) and a snapshot of what Runn holds (roles, clients, projects, people,
project tags, contracts, all assignments, and the actuals of the window), both APIs at once, and
lands every page, byte for byte, in the warehouse as a new run. Only reads: nothing is written to
Runn. Harvest's dimensions are re-read in full every time; time entries and Runn's actuals are
read for the window [today - lookback, today] (R10), or from --since, or for the whole history
(Harvest's also after today: such time is reported as not sent, R9).

Example:
  export HARVEST_ACCESS_TOKEN=... HARVEST_ACCOUNT_ID=123456 RUNN_API_TOKEN=...
  harvest2runn extract --lookback-days 45
  harvest2runn extract --source harvest --since 2025-01-01 --output json
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &extractFlags{}
			f.common.register(fs)
			f.window.register(fs)
			fs.StringSliceVar(&f.sources, "source", []string{"harvest", "runn"}, "which APIs to extract: harvest, runn or both")
			return f
		},
		run: runExtract,
	}
}

func runExtract(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*extractFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: extract takes only flags", args[0])
	}
	if err := f.common.validateOutput(); err != nil {
		return err
	}
	today, win, err := f.window.resolve(time.Now())
	if err != nil {
		return err
	}
	opts := pipelines.ExtractOptions{
		WarehousePath: f.common.warehousePath(e),
		Today:         today,
		Window:        win,
		RunOptions: map[string]any{
			"lookback_days": f.window.lookback, "full_history": f.window.fullHistory, "sources": f.sources,
		},
	}
	log := f.common.logger(e)
	f.common.apis = f.sources
	// A warehouse that cannot be used stops the command before anything is sent.
	if err := f.common.checkWarehouse(e); err != nil {
		return err
	}
	clients, err := f.common.clients(ctx, e, log, f.sources)
	if err != nil {
		return err
	}
	opts.Harvest, opts.Runn = clients.harvestAPI(), clients.runnAPI()
	if opts.Harvest == nil && opts.Runn == nil {
		return usagef("--source is empty: use harvest, runn, or both (harvest,runn)")
	}
	prog := newProgress(e, log)
	opts.Progress, opts.Logger = prog, log
	res, err := pipelines.Extract(ctx, opts)
	prog.Close()
	if res.RunID != 0 {
		if perr := printExtract(e.stdout, f.common.output, res); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}
