package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/pipelines"
)

type syncFlags struct {
	common     commonFlags
	window     windowFlags
	only       onlyFlag
	dryRun     bool
	noAutofill bool
	retention  int
	allowLarge bool
	show       showFlag
}

func (f *syncFlags) registerRun(fs *pflag.FlagSet) {
	f.only.register(fs, "sync only these kinds", " (default all: Runn's three toggles)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "extract and plan, print the plan; send nothing to Runn")
	fs.BoolVar(&f.noAutofill, "no-autofill", false, "do not write zeros for rostered weekdays without time in finished weeks (R13)")
	fs.IntVar(&f.retention, "retention-days", pipelines.DefaultRetentionDays,
		"after the run, prune the raw extracts of runs older than this many days (0: keep all; see prune)")
	fs.BoolVar(&f.allowLarge, "allow-large-changes", false,
		"for this run only, lift the safety stops R17 (b) a source that shrank by half and (c) a plan zeroing over 10% of the actuals harvest2runn holds: for a real clean-up or mass deletion")
}

func syncCommand() *command {
	return &command{
		name:    "sync",
		summary: "extract both APIs, plan by the sync rules and send the plan to Runn, as one run",
		usage:   "[--only KINDS] [--dry-run] [--today DATE] [flags]",
		help: `One run: extract Harvest and a snapshot of Runn into the warehouse, plan what Runn must receive by
the sync rules (R1-R15), then send it to Runn in the order of R15 with every write recorded in the
audit trail. --dry-run stops after the plan and prints it: nothing is sent to Runn. The plan reads
like terraform's: each record created with the fields sent ("+ project ... client ..., fixed fee,
budget 21,900"), then the actuals by person and project, "+" new, "~" changed, "-" set to 0, with
Runn's minutes before -> after and the rule, the first --show N of each group (--show all: every
one), the time not sent and why, and one line "Plan: N to create, N to change, N to zero.".

Safety stops (R17): the run sends nothing and exits 1, with the figures, when an extract is
incomplete (a listing sent fewer records than it announced), when a source shrank implausibly
since the last run (a Runn listing, or Harvest's time entries, at less than half and 10 or 50
records fewer), or when the plan would zero more than 10% (and more than 20) of the actuals
harvest2runn holds in the window. After a real clean-up or mass deletion, --allow-large-changes
lifts the last two for one run; an incomplete extract is never used. A run that
stops (interrupt, crash, an API failing for good) exits 1; run the same command again: the new
run reads Runn afresh, so what the stopped one created is matched by its Harvest reference (R1)
and what it wrote is not written again (R14). Runn refusing some records exits 3 after the rest
landed. With --output json, stdout carries one JSON object (run id, today, window, changes per
kind and rule, exclusions by reason, rejected records, requests per API, and with --dry-run the
whole plan under "plan"; docs/schemas/sync.schema.json); logs go to stderr.

Example:
  export HARVEST_ACCESS_TOKEN=... HARVEST_ACCOUNT_ID=123456 RUNN_API_TOKEN=...
  harvest2runn sync --dry-run                    # the first time: see the plan, send nothing
  harvest2runn sync                              # today, the last 45 days of time
  harvest2runn sync --only actuals --tz Europe/Oslo --output json
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &syncFlags{}
			f.registerRun(fs)
			f.show.register(fs)
			f.window.register(fs)
			f.common.register(fs)
			return f
		},
		run: runSync,
	}
}

func importCommand() *command {
	return &command{
		name:    "import",
		summary: "Runn's \"Import from Harvest\": create the missing clients, projects or people now",
		usage:   "clients|projects|people... [--dry-run] [flags]",
		help: `Creates in Runn the Harvest clients, projects or people it does not have yet (create-only: R2-R6),
now, as one run of its own: what Runn's "Import from Harvest" button does, with the audit trail.
No actuals are written, and time entries are read for today only. Existing Runn records are never
changed.

Example:
  harvest2runn import people --dry-run
  harvest2runn import clients projects
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &syncFlags{}
			fs.BoolVar(&f.dryRun, "dry-run", false, "plan the import and print it; send nothing to Runn")
			f.show.register(fs)
			fs.StringVar(&f.window.tz, "tz", "", "IANA time zone that decides today's date (default: local zone)")
			f.common.register(fs)
			return f
		},
		run: runImport,
	}
}

func runSync(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*syncFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: sync takes only flags (kinds go in --only)", args[0])
	}
	return f.runKind(ctx, e, pipelines.KindSync)
}

func runImport(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*syncFlags)
	if len(args) == 0 {
		return usagef("give what to import: clients, projects or people, e.g. harvest2runn import people")
	}
	if err := checkImport(args); err != nil {
		return err
	}
	f.only = args
	f.retention = 0
	// Time entries are not needed to create records: read only today's.
	f.window.lookback = 0
	return f.runKind(ctx, e, pipelines.KindImport)
}

// runKind checks the flags, then runs one sync-like run of the kind given.
func (f *syncFlags) runKind(ctx context.Context, e *env, kind string) error {
	if err := f.check(); err != nil {
		return err
	}
	today, win, err := f.window.resolve(time.Now())
	if err != nil {
		return err
	}
	log := f.common.logger(e)
	// A warehouse that cannot be used stops the command before anything is sent.
	if err := f.common.checkWarehouse(e); err != nil {
		return err
	}
	clients, err := f.common.clients(ctx, e, log, []string{"harvest", "runn"})
	if err != nil {
		return err
	}
	res, err := f.sync(ctx, e, log, clients, kind, today, win)
	return f.finish(e, res, err)
}

func (f *syncFlags) check() error {
	if err := f.common.validateOutput(); err != nil {
		return err
	}
	if err := f.only.check(); err != nil {
		return err
	}
	if f.retention < 0 {
		return usagef("--retention-days %d is negative: give a number of days, or 0 to keep every extract", f.retention)
	}
	return nil
}

// sync runs one sync with the clients given, showing progress on stderr.
func (f *syncFlags) sync(ctx context.Context, e *env, log *slog.Logger, clients apiClients, kind string, today time.Time, win extract.Window) (pipelines.SyncResult, error) {
	prog := newProgress(e, log)
	lprog := newLoadProgress(e, log)
	res, err := pipelines.Sync(ctx, pipelines.SyncOptions{
		WarehousePath: f.common.warehousePath(e), Kind: kind, Today: today, Window: win, Only: f.only,
		DryRun: f.dryRun, Autofill: !f.noAutofill, Harvest: clients.harvest, Runn: clients.runn, AllowLargeChanges: f.allowLarge,
		RetentionDays: f.retention, ExtractProgress: prog, LoadProgress: lprog.update, Logger: log,
		RunOptions: map[string]any{"lookback_days": f.window.lookback, "full_history": f.window.fullHistory, "since": f.window.since},
	})
	prog.Close()
	lprog.Close()
	return res, err
}

// finish prints the result of a sync that started (a run id exists) and returns its error.
func (f *syncFlags) finish(e *env, res pipelines.SyncResult, err error) error {
	var ue *usageError
	switch {
	case res.RunID != 0:
		if perr := printSyncShow(e.stdout, f.common.output, res, f.show); perr != nil && err == nil {
			err = perr
		}
	case err != nil && f.common.output == "json" && !errors.As(err, &ue):
		// No run started (the warehouse is busy, say): a script still gets its one object.
		printNoRun(e.stdout, err)
	}
	return err
}
