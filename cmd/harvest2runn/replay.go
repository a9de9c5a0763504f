package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
)

type replayFlags struct {
	load       loadFlags
	apply      bool
	iKnow      bool
	allowLarge bool
	autofill   string
	onlyKinds  onlyFlag
	show       showFlag
}

func replayCommand() *command {
	return &command{
		name:    "replay",
		summary: "plan a past run again from its stored extracts and compare with what it planned",
		usage:   "RUN_ID [--apply --i-know-this-writes-old-data] [flags]",
		help: `Runs the sync rules again over exactly the input a run had (its stored Harvest and Runn extracts,
its today, its window, its --only and autofill, and the audit trail as it was when it was planned),
in a scratch copy beside the warehouse, prints the plan as sync --dry-run does (--show N|all), and
compares it with the plan the run kept, table by table and row by row: identical unless the rules
changed since; what differs is listed, "-" only in the original, "+" only in the replay. The run's own plan
is left as it was. --apply, given with --i-know-this-writes-old-data, makes the replayed plan the
run's plan and sends it to Runn (resuming the run's load: what it confirmed is not sent again);
the data is that day's, so it may be older than what Runn holds now. A pruned run cannot be
replayed: its extracts are gone (pin runs with prune --keep).

Example:
  harvest2runn replay 12
  harvest2runn replay 12 --output json | jq '.identical'
  harvest2runn replay 12 --apply --i-know-this-writes-old-data
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &replayFlags{}
			fs.BoolVar(&f.apply, "apply", false, "send the replayed plan to Runn (needs --i-know-this-writes-old-data)")
			fs.BoolVar(&f.iKnow, "i-know-this-writes-old-data", false, "confirm --apply: the run's data is that day's, not today's")
			fs.BoolVar(&f.allowLarge, "allow-large-changes", false,
				"with --apply: lift the replayed plan's safety stops R17 (b) and (c): for a real clean-up or mass deletion")
			fs.StringVar(&f.autofill, "autofill", "", "on or off: override the run's own autofill (R13)")
			f.onlyKinds.register(fs, "override the run's own kinds", "")
			f.show.register(fs)
			f.load.registerCommon(fs)
			return f
		},
		run: runReplay,
	}
}

func runReplay(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*replayFlags)
	if len(args) != 1 {
		return usagef("give the run to replay: harvest2runn replay RUN_ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("RUN_ID %q is not a run id: give the number a sync printed, e.g. harvest2runn replay 12", args[0])
	}
	if f.apply && !f.iKnow {
		return usagef("--apply sends run %d's plan, made from that day's data, to Runn now: add --i-know-this-writes-old-data if that is what you want", id)
	}
	if f.iKnow && !f.apply {
		return usagef("--i-know-this-writes-old-data confirms --apply: give both, or neither to only compare")
	}
	if f.allowLarge && !f.apply {
		return usagef("--allow-large-changes lifts the safety stops of a plan being sent: it goes with --apply")
	}
	opts := pipelines.ReplayOptions{WarehousePath: f.load.common.warehousePath(e), RunID: id, Apply: f.apply,
		AllowLargeChanges: f.allowLarge}
	switch f.autofill {
	case "":
	case "on", "off":
		on := f.autofill == "on"
		opts.Autofill = &on
	default:
		return usagef("--autofill %q: use on or off", f.autofill)
	}
	if err := f.onlyKinds.check(); err != nil {
		return err
	}
	if f.onlyKinds != nil {
		opts.Only = f.onlyKinds
	}
	f.load.dryRun = !f.apply
	prog, err := f.load.prepare(ctx, e, &opts.Runn, &opts.Logger, &opts.Progress)
	if err != nil {
		return err
	}
	res, err := pipelines.Replay(ctx, opts)
	prog.Close()
	if res.Today != "" {
		if perr := printReplay(e.stdout, f.load.common.output, res, f.show); perr != nil && err == nil {
			err = perr
		}
	}
	if errors.Is(err, transform.ErrAuditFailed) {
		return fmt.Errorf("replay of run %d: %w", id, err)
	}
	return err
}
