package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

type demoFlags struct {
	warehouse string
	people    int
	projects  int
	seed      int64
	common    commonFlags
}

const demoWarehouse = "harvest2runn-demo.duckdb"

func demoCommand() *command {
	return &command{
		name:    "demo",
		summary: "run against built-in fake Harvest and Runn servers with a generated account",
		usage:   "[flags]",
		help: `Starts fake Harvest and Runn servers in this process, Harvest with a generated account (people with zero, one
and several roles, every project type and budget kind, six months of daily time), then runs the
pipeline against it into a fresh demo warehouse, and prints what happened and queries to try.
Nothing leaves this machine. The demo grows with the product: today it runs the extract stage.

Example:
  harvest2runn demo
  duckdb -readonly harvest2runn-demo.duckdb
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &demoFlags{}
			fs.StringVar(&f.warehouse, "warehouse", demoWarehouse, "demo warehouse file (replaced on every demo run)")
			fs.IntVar(&f.people, "people", 50, "people in the generated account")
			fs.IntVar(&f.projects, "projects", 200, "projects in the generated account")
			fs.Int64Var(&f.seed, "seed", 1, "seed of the generated account (same seed, same account)")
			fs.StringVar(&f.common.logFormat, "log-format", "text", "log format on stderr: text or json")
			fs.BoolVarP(&f.common.verbose, "verbose", "v", false, "log each request")
			return f
		},
		run: runDemo,
	}
}

func runDemo(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*demoFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: demo takes only flags", args[0])
	}
	f.common.output = "text"
	if err := f.common.validateOutput(); err != nil {
		return err
	}
	if f.people < 1 || f.projects < 1 {
		return usagef("--people and --projects must be at least 1")
	}
	for _, p := range []string{f.warehouse, f.warehouse + ".wal", warehouse.PagesDir(f.warehouse)} {
		if err := os.RemoveAll(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return usagef("cannot replace the demo warehouse %s: %v", p, err)
		}
	}
	log := f.common.logger(e)
	now := time.Now().UTC()
	today := dateUTC(now)
	acct := harvesttest.Generate(harvesttest.GenerateOptions{
		Seed: f.seed, People: f.people, Clients: max(f.projects/8, 2), Projects: f.projects,
		TimeEntries: f.people * 130 * 2, From: today.AddDate(0, -6, 0), To: today, Now: now,
	})
	const token, account = "demo-token", "100001"
	srv := harvesttest.NewServer(acct, harvesttest.Options{Token: token, AccountID: account, RateLimit: 100, RateWindow: 15 * time.Second})
	defer srv.Close()
	// A fresh Runn account: what a team has before its first import.
	rsrv, err := runntest.NewServer(&runntest.State{}, runntest.Options{Token: token, Today: today.Format(time.DateOnly)})
	if err != nil {
		return err
	}
	defer rsrv.Close()
	fmt.Fprintf(e.stdout, "fake Harvest at %s: %d people, %d projects, %d time entries\nfake Runn at %s: an empty account\n\n",
		srv.URL(), len(acct.Users), len(acct.Projects), len(acct.TimeEntries), rsrv.URL())

	client, err := harvest.New(harvest.Config{BaseURL: srv.URL(), AccessToken: token, AccountID: account, Logger: log})
	if err != nil {
		return err
	}
	rclient, err := runn.New(runn.Config{BaseURL: rsrv.URL(), Token: token, Logger: log})
	if err != nil {
		return err
	}
	prog := newProgress(e, log)
	res, err := pipelines.Extract(ctx, pipelines.ExtractOptions{
		WarehousePath: f.warehouse, Today: today,
		Window:  extract.Window{From: today.AddDate(0, 0, -45), To: today},
		Harvest: client, Runn: rclient, Progress: prog, Logger: log,
		RunOptions: map[string]any{"demo": true, "lookback_days": 45},
	})
	prog.Close()
	if res.RunID != 0 {
		_ = printExtract(e.stdout, "text", res)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, `
Try these (duckdb -readonly %s):
  SELECT source, resource, count(*) AS pages, sum(records) AS records, sum(body_size) AS bytes FROM raw.pages GROUP BY ALL;
  SELECT * FROM meta.extracts;
  SELECT spent_date, count(*) AS entries, sum(hours::DECIMAL(18,6)) AS hours FROM raw.harvest_time_entries GROUP BY ALL ORDER BY 1 DESC LIMIT 10;
`, res.Warehouse)
	return nil
}
