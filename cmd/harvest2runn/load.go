package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/pipelines"
)

// loadFlags are the flags of load and revert.
type loadFlags struct {
	common     commonFlags
	run        int64
	dryRun     bool
	force      bool
	allowLarge bool
	yes        bool
}

func (f *loadFlags) registerCommon(fs *pflag.FlagSet) {
	f.common.registerLocal(fs, "log each request and more detail")
	f.common.registerRunn(fs)
}

func loadCommand() *command {
	return &command{
		name:    "load",
		summary: "send a run's plan to Runn: roles, clients, projects, people, then actuals (resumable)",
		usage:   "[--run ID] [--dry-run] [flags]",
		help: `Sends the plan of a transformed run to Runn in the order of R15 (roles, clients, projects, people,
then actuals in bulk calls of 100), recording every write in the warehouse's audit trail before it
is sent and Runn's answer after. A load that stops (interrupt, crash, network) resumes where it
stopped when run again: confirmed writes are skipped, and a create whose answer was lost is looked
up in Runn before anything is sent again, so nothing is created twice. A record Runn refuses is
reported with Runn's message and does not stop the others (exit status 3). --dry-run shows what
would be sent, per kind and rule, and sends nothing.

Example:
  harvest2runn load --dry-run           # the latest planned run: what would be sent
  harvest2runn load                      # send it
  harvest2runn load --run 12 --output json
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &loadFlags{}
			fs.Int64Var(&f.run, "run", 0, "the run whose plan to send (default: the latest run with a plan)")
			fs.BoolVar(&f.dryRun, "dry-run", false, "show what would be sent; send nothing (no Runn token needed)")
			fs.BoolVar(&f.allowLarge, "allow-large-changes", false,
				"lift the plan's safety stops R17 (b) and (c) for this load: for a real clean-up or mass deletion")
			f.registerCommon(fs)
			return f
		},
		run: runLoad,
	}
}

func revertCommand() *command {
	return &command{
		name:    "revert",
		summary: "put the actuals a run wrote back to what Runn held before it",
		usage:   "RUN_ID [--dry-run] [--yes] [--force] [flags]",
		help: `Writes every actual the run sent back to the value the run's snapshot of Runn held before it (0
minutes where Runn had none), through the same resumable, audited apply as load. Records the run
created (roles, clients, projects, people) are kept, never deleted: the summary counts them, and
--verbose or --output json lists them. A revert refuses when a later run wrote some of the same
actuals again, naming that run: revert the later run first, or give --force to put the older
values back anyway.

On a terminal, revert says what it would write back and asks before sending anything; scripts
give --yes (without a terminal and without --yes it refuses, exit 2). The next sync sends the
reverted actuals again unless Harvest changed: to keep them reverted, change the time in Harvest
first.

Example:
  harvest2runn revert 12 --dry-run
  harvest2runn revert 12
  harvest2runn revert 12 --yes --output json
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &loadFlags{}
			fs.BoolVar(&f.dryRun, "dry-run", false, "show what would be written back; send nothing (no Runn token needed)")
			fs.BoolVar(&f.force, "force", false, "revert even actuals a later run wrote again")
			fs.BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation (for scripts)")
			f.common.registerLocal(fs, "list every record the run created, and log each request")
			f.common.registerRunn(fs)
			return f
		},
		run: runRevert,
	}
}

func runLoad(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*loadFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: give the run with --run ID", args[0])
	}
	opts := pipelines.LoadOptions{WarehousePath: f.common.warehousePath(e), RunID: f.run, DryRun: f.dryRun, AllowLargeChanges: f.allowLarge}
	prog, err := f.prepare(ctx, e, &opts.Runn, &opts.Logger, &opts.Progress)
	if err != nil {
		return err
	}
	res, err := pipelines.Load(ctx, opts)
	prog.Close()
	if res.LoadID != 0 || (res.DryRun && res.Counts != nil) || len(res.SafetyStops) > 0 {
		if perr := printLoadResult(e.stdout, f.common.output, res, true); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

func runRevert(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*loadFlags)
	if len(args) != 1 {
		return usagef("give the run to revert: harvest2runn revert RUN_ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("RUN_ID %q is not a run id: give the number `harvest2runn load` printed, e.g. harvest2runn revert 12", args[0])
	}
	if !f.dryRun && !f.yes && !e.interactive {
		return &usageError{msg: fmt.Sprintf("revert %d writes to Runn and no one can confirm it here (not a terminal): give --yes", id),
			hint: fmt.Sprintf("see what it would write back with: harvest2runn revert %d --dry-run; then run harvest2runn revert %d --yes", id, id)}
	}
	opts := pipelines.RevertOptions{WarehousePath: f.common.warehousePath(e), RunID: id, DryRun: f.dryRun, Force: f.force}
	prog, err := f.prepare(ctx, e, &opts.Runn, &opts.Logger, &opts.Progress)
	if err != nil {
		return err
	}
	if !f.dryRun && !f.yes {
		if err := confirmRevert(ctx, e, opts); err != nil {
			return err
		}
	}
	res, err := pipelines.Revert(ctx, opts)
	prog.Close()
	if res.LoadID != 0 || (res.DryRun && res.SnapshotExtractID != 0) {
		if perr := printLoadResult(e.stdout, f.common.output, res, f.common.verbose); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// errNotConfirmed: the person asked did not confirm the revert.
var errNotConfirmed = errors.New("not confirmed: nothing was sent to Runn")

// confirmRevert says on stderr what the revert would write back (a dry run of it) and asks on
// stdin; anything but y or yes declines.
func confirmRevert(ctx context.Context, e *env, opts pipelines.RevertOptions) error {
	dry := opts
	dry.DryRun, dry.Runn, dry.Progress = true, nil, nil
	plan, err := pipelines.Revert(ctx, dry)
	if err != nil {
		return err
	}
	t := plan.Totals()
	fmt.Fprintf(e.stderr, "Revert run %d: write %d actuals in Runn back to what Runn held before it (Runn extract %d)", opts.RunID,
		t.Planned-t.AlreadyDone, plan.SnapshotExtractID)
	if len(plan.Created) > 0 {
		fmt.Fprintf(e.stderr, "; the %d records it created stay", len(plan.Created))
	}
	fmt.Fprint(e.stderr, ".\nThe next sync sends them again unless Harvest changed. Revert now? [y/N] ")
	answer, _ := bufio.NewReader(e.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return errNotConfirmed
}

// prepare checks the flags and, unless it is a dry run, builds and checks the Runn client.
func (f *loadFlags) prepare(ctx context.Context, e *env, api *load.API, log **slog.Logger, progress *func(load.Progress)) (*loadProgress, error) {
	if err := f.common.validateOutput(); err != nil {
		return nil, err
	}
	*log = f.common.logger(e)
	prog := newLoadProgress(e, *log)
	if f.dryRun {
		return prog, nil
	}
	// A warehouse that cannot be used stops the command before anything is sent.
	if err := f.common.checkWarehouse(e); err != nil {
		return nil, err
	}
	clients, err := f.common.clients(ctx, e, *log, []string{"runn"})
	if err != nil {
		return nil, err
	}
	*api, *progress = clients.runn, prog.update
	return prog, nil
}

// loadProgress shows how far a load has got: a bar per kind on a terminal, else a log line per
// tenth of a kind with many changes.
type loadProgress struct {
	mu       sync.Mutex
	terminal bool
	out      io.Writer
	log      *slog.Logger
	bar      *progressbar.ProgressBar
	kind     string
	logged   map[string]int
}

func newLoadProgress(e *env, log *slog.Logger) *loadProgress {
	return &loadProgress{terminal: e.terminal, out: e.stderr, log: log, logged: map[string]int{}}
}

func (p *loadProgress) update(pr load.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.terminal {
		if tenth := pr.Done * 10 / max(pr.Total, 1); pr.Total >= 200 && tenth > p.logged[pr.Kind] {
			p.logged[pr.Kind] = tenth
			p.log.Info("progress", "kind", pr.Kind, "done", pr.Done, "of", pr.Total, "not_landed", pr.Rejected)
		}
		return
	}
	if p.kind != pr.Kind {
		p.finishLocked()
		p.kind = pr.Kind
		p.bar = progressbar.NewOptions(pr.Total,
			progressbar.OptionSetWriter(p.out),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetDescription(pr.Kind+"s"),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = p.bar.Set(pr.Done)
}

func (p *loadProgress) finishLocked() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// Close ends the last bar.
func (p *loadProgress) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishLocked()
}
