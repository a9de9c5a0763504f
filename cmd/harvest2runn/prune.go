package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type pruneFlags struct {
	common   commonFlags
	keepDays int
	keep     []int64
	unpin    []int64
	dryRun   bool
	// fs tells a --keep-days given from none: it has no default, and 0 (prune every run but the
	// protected ones) is a value a person may mean.
	fs *pflag.FlagSet
}

func pruneCommand() *command {
	return &command{
		name:    "prune",
		summary: "remove the raw extracts of old runs (never the last successful run's, never pinned runs')",
		usage:   "--keep-days N [--keep RUN_ID]... [--dry-run] [flags]",
		help: fmt.Sprintf(`Removes the raw extracts (the raw.* rows and the page files beside the warehouse) of runs started
more than --keep-days days ago. The runs themselves, their plans and their audit trails stay; a
pruned run can no longer be replayed, transformed or reverted, and says so. The last successful
run's extracts are always kept, and so are those of runs pinned with --keep (pins last until
--unpin). Every sync prunes by itself with a retention of %d days (sync --retention-days).

Example:
  harvest2runn prune --keep-days 30 --dry-run
  harvest2runn prune --keep-days 30 --keep 12
`, pipelines.DefaultRetentionDays),
		flags: func(fs *pflag.FlagSet) any {
			f := &pruneFlags{fs: fs}
			fs.IntVar(&f.keepDays, "keep-days", 0, "keep the extracts of runs started in the last `DAYS` days (required)")
			fs.Int64SliceVar(&f.keep, "keep", nil, "pin this run: never prune its extracts (repeatable)")
			fs.Int64SliceVar(&f.unpin, "unpin", nil, "remove this run's pin (repeatable)")
			fs.BoolVar(&f.dryRun, "dry-run", false, "say what would be removed; remove nothing")
			f.common.registerLocal(fs, "log each run pruned")
			return f
		},
		run: runPrune,
	}
}

func runPrune(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*pruneFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: pin runs with --keep RUN_ID", args[0])
	}
	if err := f.common.validateOutput(); err != nil {
		return err
	}
	if !f.fs.Changed("keep-days") {
		return usagef("give --keep-days N: the extracts of runs started in the last N days stay, e.g. --keep-days %d", pipelines.DefaultRetentionDays)
	}
	if f.keepDays < 0 || f.keepDays > pipelines.MaxKeepDays {
		return usagef("--keep-days %d is out of range: give a number of days from 0 to %d", f.keepDays, pipelines.MaxKeepDays)
	}
	for _, id := range append(append([]int64{}, f.keep...), f.unpin...) {
		if id <= 0 {
			return usagef("run id %d is not a run id: give the number a sync printed", id)
		}
	}
	path, _, err := f.common.resolveWarehouse(e)
	if err != nil {
		return err
	}
	res, err := pipelines.Prune(ctx, pipelines.PruneOptions{WarehousePath: path, KeepDays: f.keepDays,
		Keep: f.keep, Unpin: f.unpin, DryRun: f.dryRun, Logger: f.common.logger(e)})
	if res.Warehouse != "" {
		if perr := printPrune(e.stdout, f.common.output, res); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}
