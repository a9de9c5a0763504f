package main

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type scheduleFlags struct {
	sync    syncFlags
	at      string
	maxRuns int
}

func scheduleCommand() *command {
	return &command{
		name:    "schedule",
		summary: "run sync every day at a time of day, one run at a time, until stopped",
		usage:   "--at HH:MM [--tz ZONE] [sync flags]",
		help: `Stays running and starts a sync every day at --at in --tz (default: the local zone), with today the
date of that day there. One run at a time: when the time comes while a run still holds the
warehouse (the previous sync, or any other harvest2runn command), the sync waits for it and says
so in the log. A failed sync is logged and the next day's runs as usual. SIGINT or SIGTERM stops
it cleanly: a sync under way stops between two writes (exit 1; the next sync resumes), an idle
schedule exits 0. Each run's summary goes to stdout (--output json: one JSON object per line).
For cron or a systemd timer instead, run harvest2runn sync on their schedule.

Example:
  harvest2runn schedule --at 02:30 --tz Europe/Oslo
  harvest2runn schedule --at 06:00 --only actuals --log-format json --output json >> runs.jsonl
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &scheduleFlags{}
			fs.StringVar(&f.at, "at", "", "time of day to sync, HH:MM (HH:MM:SS also works) in --tz (required)")
			fs.IntVar(&f.maxRuns, "max-runs", 0, "stop after this many runs (0: run until stopped)")
			// sync's run flags but --dry-run, which a schedule cannot take: help lists only what
			// the command accepts.
			f.sync.only.register(fs, "sync only these kinds", " (default all: Runn's three toggles)")
			fs.BoolVar(&f.sync.noAutofill, "no-autofill", false, "do not write zeros for rostered weekdays without time in finished weeks (R13)")
			fs.IntVar(&f.sync.retention, "retention-days", pipelines.DefaultRetentionDays,
				"after each run, prune the raw extracts of runs older than this many days (0: keep all; see prune)")
			fs.BoolVar(&f.sync.allowLarge, "allow-large-changes", false,
				"lift the safety stops R17 (b) and (c) for every run of this schedule: for a real clean-up or mass deletion")
			fs.StringVar(&f.sync.window.tz, "tz", "", "IANA time zone of --at and of each run's today (default: local zone)")
			fs.IntVar(&f.sync.window.lookback, "lookback-days", 45, "re-read time entries dated from today minus this many days (R10)")
			fs.BoolVar(&f.sync.window.fullHistory, "full-history", false, "re-read all time entries ever recorded, every run")
			f.sync.common.register(fs)
			return f
		},
		run: runSchedule,
	}
}

func runSchedule(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*scheduleFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: schedule takes only flags", args[0])
	}
	if f.at == "" {
		return usagef("give the time of day to sync with --at HH:MM, e.g. --at 02:30")
	}
	if f.maxRuns < 0 {
		return usagef("--max-runs %d is negative", f.maxRuns)
	}
	if err := f.sync.check(); err != nil {
		return err
	}
	// Resolving today now checks --tz and the window flags before anything waits.
	if _, _, err := f.sync.window.resolve(time.Now()); err != nil {
		return err
	}
	loc := time.Local
	if f.sync.window.tz != "" {
		loc, _ = time.LoadLocation(f.sync.window.tz)
	}
	at, err := pipelines.ParseTimeOfDay(f.at, loc)
	if err != nil {
		return usagef("--at %v", err)
	}
	log := f.sync.common.logger(e)
	// A configuration mistake shows now, not at 2 a.m.
	if _, err := f.sync.common.clients(ctx, e, log, []string{"harvest", "runn"}); err != nil {
		return err
	}
	return pipelines.Schedule(ctx, pipelines.ScheduleOptions{
		At: at, WarehousePath: f.sync.common.warehousePath(e), MaxRuns: f.maxRuns, Logger: log, BusyPoll: time.Second,
		Run: func(ctx context.Context, today time.Time) error {
			w := f.sync.window
			w.today = today.Format(time.DateOnly)
			_, win, err := w.resolve(time.Now())
			if err != nil {
				return err
			}
			clients, err := f.sync.common.clients(ctx, e, log, []string{"harvest", "runn"})
			if err != nil {
				return err
			}
			res, err := f.sync.sync(ctx, e, log, clients, pipelines.KindSync, today, win)
			return f.sync.finish(e, res, err)
		},
	})
}
