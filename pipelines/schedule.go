package pipelines

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// TimeOfDay is a wall-clock time in a zone.
type TimeOfDay struct {
	Hour, Minute, Second int
	Location             *time.Location
}

// ParseTimeOfDay reads HH:MM (or HH:MM:SS).
func ParseTimeOfDay(s string, loc *time.Location) (TimeOfDay, error) {
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return TimeOfDay{Hour: t.Hour(), Minute: t.Minute(), Second: t.Second(), Location: loc}, nil
		}
	}
	return TimeOfDay{}, fmt.Errorf("%q is not a time of day: use HH:MM, e.g. 02:30", s)
}

func (t TimeOfDay) String() string {
	return fmt.Sprintf("%02d:%02d:%02d %s", t.Hour, t.Minute, t.Second, t.Location)
}

// Next is the first moment at this time of day strictly after now. On a day when the clocks
// change, a time that does not exist is taken as Go's time.Date normalises it (the hour after).
func (t TimeOfDay) Next(now time.Time) time.Time {
	local := now.In(t.Location)
	at := time.Date(local.Year(), local.Month(), local.Day(), t.Hour, t.Minute, t.Second, 0, t.Location)
	for !at.After(now) {
		local = local.AddDate(0, 0, 1)
		at = time.Date(local.Year(), local.Month(), local.Day(), t.Hour, t.Minute, t.Second, 0, t.Location)
	}
	return at
}

// ScheduleOptions configure Schedule.
type ScheduleOptions struct {
	At            TimeOfDay
	WarehousePath string
	// Run is one scheduled sync for today (the date of the slot in At's zone).
	Run func(ctx context.Context, today time.Time) error
	// MaxRuns stops after this many runs (0: never; for tests).
	MaxRuns int
	// Now and Sleep are the clock; defaults time.Now and a ctx-aware sleep.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// BusyPoll is how often a slot whose warehouse is held looks again; default 30 s.
	BusyPoll time.Duration
	Logger   *slog.Logger
}

// maxNap bounds one sleep, so that a machine that was suspended, or a clock that was set,
// is noticed within a minute rather than after a day.
const maxNap = time.Minute

// Schedule runs opts.Run daily at opts.At, one run at a time: a slot that comes while a run
// still holds the warehouse (this scheduler's own previous run, or any other harvest2runn
// command) waits for it, and says so. It returns nil when ctx ends while it waits for a slot,
// and the error of an interrupted run when ctx ends during one (that run resumes when run again).
// A failed run does not stop the schedule: the next slot runs as usual.
func Schedule(ctx context.Context, opts ScheduleOptions) error {
	log := orDiscardLogger(opts.Logger)
	now, sleep := opts.Now, opts.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	poll := opts.BusyPoll
	if poll <= 0 {
		poll = 30 * time.Second
	}
	slot := opts.At.Next(now())
	for runs := 0; opts.MaxRuns == 0 || runs < opts.MaxRuns; runs++ {
		log.Info("next sync", "at", slot.Format(time.RFC3339))
		for d := slot.Sub(now()); d > 0; d = slot.Sub(now()) {
			if err := sleep(ctx, min(d, maxNap)); err != nil {
				return stopped(ctx, log)
			}
		}
		local := slot.In(opts.At.Location)
		today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
		var err error
		// Another command may take the warehouse between the wait and the run: wait again
		// rather than lose the day's sync.
		for {
			if err := waitWhileHeld(ctx, opts.WarehousePath, poll, sleep, log); err != nil {
				return stopped(ctx, log)
			}
			log.Info("scheduled sync starting", "slot", slot.Format(time.RFC3339), "today", today.Format(time.DateOnly))
			err = opts.Run(ctx, today)
			var busy *warehouse.BusyError
			if !errors.As(err, &busy) || ctx.Err() != nil {
				break
			}
			log.Info("the warehouse was taken just before the sync: waiting again", "holder", busy.Error())
		}
		if ctx.Err() != nil {
			log.Info("schedule stopped during a run; run it again to resume", "error", err)
			return fmt.Errorf("interrupted during the sync of %s: %w", today.Format(time.DateOnly), errors.Join(ctx.Err(), err))
		}
		if err != nil {
			log.Error("scheduled sync failed; the next slot runs as usual", "today", today.Format(time.DateOnly), "error", err)
		}
		next := opts.At.Next(slot)
		if t := now(); !next.After(t) {
			// The run outlasted its day: the next slot waited for it and starts now, once.
			log.Warn("the previous sync was still going at the next slot; it starts now", "slot", next.Format(time.RFC3339))
			next = t
		}
		slot = next
	}
	return nil
}

func stopped(ctx context.Context, log *slog.Logger) error {
	log.Info("schedule stopped", "reason", context.Cause(ctx))
	return nil
}

// waitWhileHeld waits while another process holds the warehouse, saying once what it waits for.
func waitWhileHeld(ctx context.Context, path string, poll time.Duration, sleep func(context.Context, time.Duration) error, log *slog.Logger) error {
	abs, err := warehouse.AbsPath(path)
	if err != nil {
		return err
	}
	said := false
	for {
		held, err := warehouse.Held(abs)
		if err != nil || !held {
			return err
		}
		if !said {
			info, _ := warehouse.ReadLockInfo(abs)
			log.Warn("a run is still going on the warehouse: the scheduled sync waits for it",
				"run_id", info.RunID, "kind", info.Kind, "stage", info.Stage, "since", info.Since, "pid", info.PID, "holder", info.Holder)
			said = true
		}
		if err := sleep(ctx, poll); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
