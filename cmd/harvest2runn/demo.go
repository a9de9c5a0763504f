package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/internal/demo"
)

type demoFlags struct {
	common   commonFlags
	people   int
	projects int
	seed     int64
}

const demoWarehouse = "harvest2runn-demo.duckdb"

func demoCommand() *command {
	return &command{
		name:    "demo",
		summary: "two daily syncs against built-in fake Harvest and Runn servers with a generated account",
		usage:   "[flags]",
		help: `Starts fake Harvest and Runn servers in this process, Harvest with a generated account (people with
zero, one and several roles, every project type and budget kind, six months of daily time), Runn
with a few records a team keyed in by hand (a tentative project, a project tagged sync_off, an
archived project and person, a person with the role Unknown, an assignment, a manual actual), then
runs two daily syncs a day apart into a fresh demo warehouse, with Harvest edits in between (an
entry edited, one deleted, a late one added), and prints what each sync did, where the warehouse
is, and queries to try. Nothing leaves this machine.

The suggested commands it prints call the binary as it was started (./bin/harvest2runn after
make build), so they work when pasted in the same folder. The demo warehouse and its page files
(harvest2runn-demo.duckdb*) are ignored by git. --output json prints one JSON object: the fakes,
the Harvest edits, and each day's sync as sync --output json gives it.

Example:
  harvest2runn demo
  harvest2runn status --warehouse harvest2runn-demo.duckdb
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &demoFlags{}
			// Not the shared --warehouse: the demo's has its own default and is replaced every time.
			fs.StringVar(&f.common.warehouse, "warehouse", demoWarehouse, "demo warehouse file (replaced on every demo run)")
			fs.IntVar(&f.people, "people", 50, "people in the generated account")
			fs.IntVar(&f.projects, "projects", 200, "projects in the generated account")
			fs.Int64Var(&f.seed, "seed", 1, "seed of the generated account (same seed, same account)")
			f.common.registerLog(fs, "log each request")
			registerOutput(fs, &f.common.output, outputText, outputJSON)
			return f
		},
		run: runDemo,
	}
}

// demoJSON is demo's JSON output (docs/schemas/demo.schema.json).
type demoJSON struct {
	HarvestURL       string            `json:"harvest_url"`
	RunnURL          string            `json:"runn_url"`
	PeopleCount      int               `json:"people_count"`
	ProjectsCount    int               `json:"projects_count"`
	TimeEntriesCount int               `json:"time_entries_count"`
	Cases            []string          `json:"cases"`
	Edits            []string          `json:"edits"`
	Runs             []json.RawMessage `json:"runs"`
	Warehouse        string            `json:"warehouse"`
	Queries          []string          `json:"queries"`
}

func runDemo(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*demoFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: demo takes only flags", args[0])
	}
	if err := f.common.validateOutput(); err != nil {
		return err
	}
	if f.people < 1 || f.projects < 1 {
		return usagef("--people and --projects must be at least 1")
	}
	log := f.common.logger(e)
	sc, err := demo.Start(demo.Options{Warehouse: f.common.warehouse, People: f.people, Projects: f.projects, Seed: f.seed, Logger: log})
	var re *demo.ReplaceError
	if errors.As(err, &re) {
		return usagef("%v", err)
	}
	if err != nil {
		return err
	}
	defer sc.Close()
	text := f.common.output == outputText
	a := sc.Account()
	out := demoJSON{HarvestURL: a.HarvestURL, RunnURL: a.RunnURL, PeopleCount: a.People, ProjectsCount: a.Projects,
		TimeEntriesCount: a.TimeEntries, Cases: sc.Cases, Runs: []json.RawMessage{}, Queries: demo.Queries}
	if text {
		printDemoStart(e.stdout, sc)
	}
	sync := func(day time.Time) error {
		prog := newProgress(e, log)
		lprog := newLoadProgress(e, log)
		res, err := sc.Sync(ctx, day, demo.Progress{Extract: prog, Load: lprog.update})
		prog.Close()
		lprog.Close()
		if res.RunID != 0 && text {
			_ = printSync(e.stdout, "text", res)
		} else if res.RunID != 0 {
			b, merr := json.Marshal(res)
			if merr != nil {
				return errors.Join(err, merr)
			}
			out.Runs = append(out.Runs, b)
		}
		return err
	}
	if text {
		printDemoDay(e.stdout, 1, sc.Day1, "the first sync")
	}
	if err := sync(sc.Day1); err != nil {
		return err
	}
	edits, err := sc.EditHarvest(ctx)
	out.Edits = edits
	if text {
		printDemoEdits(e.stdout, edits)
	}
	if err != nil {
		return err
	}
	sc.NextDay()
	if text {
		printDemoDay(e.stdout, 2, sc.Day2, "the daily sync")
	}
	if err := sync(sc.Day2); err != nil {
		return err
	}
	if !text {
		out.Warehouse, _ = filepath.Abs(f.common.warehouse)
		return json.NewEncoder(e.stdout).Encode(out)
	}
	printDemoEnd(e.stdout, e.selfName(), f.common.warehouse)
	return nil
}
