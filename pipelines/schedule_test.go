package pipelines

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTimeOfDayNext(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	at := TimeOfDay{Hour: 2, Minute: 30, Location: oslo}
	for _, tc := range []struct {
		name string
		now  time.Time
		want string
	}{
		{"before the time, same day", time.Date(2025, 6, 2, 0, 10, 0, 0, oslo), "2025-06-02T02:30:00+02:00"},
		{"exactly at the time: tomorrow", time.Date(2025, 6, 2, 2, 30, 0, 0, oslo), "2025-06-03T02:30:00+02:00"},
		{"after the time", time.Date(2025, 6, 2, 9, 0, 0, 0, oslo), "2025-06-03T02:30:00+02:00"},
		{"now given in UTC", time.Date(2025, 6, 2, 23, 0, 0, 0, time.UTC), "2025-06-03T02:30:00+02:00"},
		{"the night clocks go back keeps the wall time", time.Date(2025, 10, 25, 12, 0, 0, 0, oslo), "2025-10-26T02:30:00+01:00"},
		{"a time the clocks skip comes an hour later", time.Date(2025, 3, 29, 12, 0, 0, 0, oslo), "2025-03-30T03:30:00+02:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := at.Next(tc.now).Format(time.RFC3339); got != tc.want {
				t.Errorf("Next(%s) = %s, want %s", tc.now, got, tc.want)
			}
		})
	}
}

func TestParseTimeOfDay(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"02:30", "02:30:00 UTC", true},
		{"23:59:07", "23:59:07 UTC", true},
		{"2:30", "02:30:00 UTC", true},
		{"24:00", "", false},
		{"noon", "", false},
	} {
		got, err := ParseTimeOfDay(tc.in, time.UTC)
		if (err == nil) != tc.ok || (tc.ok && got.String() != tc.want) {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v; want %q ok=%t", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// fakeClock advances only when slept on.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestScheduleRunsDailyOneAtATime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	// Another process holds the warehouse when the first slot comes.
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if _, err := lock.WriteString(`{"pid":4242,"run_id":7,"kind":"sync","stage":"load","since":"2025-06-02T01:00:00Z"}`); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2025, 6, 1, 22, 0, 0, 0, time.UTC)}
	var busyPolls int
	sleep := func(ctx context.Context, d time.Duration) error {
		if d > maxNap {
			t.Errorf("slept %s at once; the schedule must look at the clock every %s", d, maxNap)
		}
		if d == 5*time.Second {
			busyPolls++
			if busyPolls == 3 {
				_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
			}
		}
		clock.t = clock.t.Add(d)
		return ctx.Err()
	}
	var runs []string
	var started []time.Time
	var logs bytes.Buffer
	err = Schedule(context.Background(), ScheduleOptions{
		At: TimeOfDay{Hour: 2, Minute: 30, Location: time.UTC}, WarehousePath: path, MaxRuns: 3,
		Now: clock.now, Sleep: sleep, BusyPoll: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Run: func(ctx context.Context, today time.Time) error {
			runs = append(runs, today.Format(time.DateOnly))
			started = append(started, clock.t)
			if len(runs) == 2 {
				clock.t = clock.t.Add(25 * time.Hour) // a run that outlasts its day
				return errors.New("Runn is down")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(runs, " "); got != "2025-06-02 2025-06-03 2025-06-04" {
		t.Errorf("runs for %s", got)
	}
	want := []time.Time{
		time.Date(2025, 6, 2, 2, 30, 15, 0, time.UTC), // after three looks at the held warehouse
		time.Date(2025, 6, 3, 2, 30, 0, 0, time.UTC),
		time.Date(2025, 6, 4, 3, 30, 0, 0, time.UTC), // the slot waited for the long run, then ran at once
	}
	for i := range want {
		if i < len(started) && !started[i].Equal(want[i]) {
			t.Errorf("run %d started at %s, want %s", i+1, started[i], want[i])
		}
	}
	for _, line := range []string{"the scheduled sync waits for it", "run_id=7", "stage=load",
		"scheduled sync failed; the next slot runs as usual", "the previous sync was still going at the next slot"} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("the log lacks %q:\n%s", line, logs.String())
		}
	}
	if strings.Count(logs.String(), "waits for it") != 1 {
		t.Errorf("the wait is said more than once:\n%s", logs.String())
	}
}

func TestScheduleStopsOnCancel(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 6, 1, 22, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	var ran int
	sleep := func(ctx context.Context, d time.Duration) error {
		clock.t = clock.t.Add(d)
		if clock.t.Hour() == 1 {
			cancel() // SIGTERM while waiting for the slot
		}
		return ctx.Err()
	}
	err := Schedule(ctx, ScheduleOptions{At: TimeOfDay{Hour: 2, Location: time.UTC}, WarehousePath: filepath.Join(t.TempDir(), "w.duckdb"),
		Now: clock.now, Sleep: sleep, Run: func(context.Context, time.Time) error { ran++; return nil }})
	if err != nil || ran != 0 {
		t.Fatalf("stopped while waiting: err %v, %d runs; want nil and none", err, ran)
	}

	// Stopped during a run: the run's interruption is the schedule's error.
	ctx, cancel = context.WithCancel(context.Background())
	err = Schedule(ctx, ScheduleOptions{At: TimeOfDay{Hour: 2, Location: time.UTC}, WarehousePath: filepath.Join(t.TempDir(), "w.duckdb"),
		Now: clock.now, Sleep: func(ctx context.Context, d time.Duration) error { clock.t = clock.t.Add(d); return ctx.Err() },
		Run: func(ctx context.Context, _ time.Time) error { cancel(); return ctx.Err() }})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted during the sync of") {
		t.Fatalf("stopped during a run: %v", err)
	}
}

func TestParseWeek(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2025-06-04", "2025-06-02"},
		{"2025-06-02", "2025-06-02"},
		{"2025-06-08", "2025-06-02"},
		{"2025-W23", "2025-06-02"},
		{"2026-W01", "2025-12-29"},
		{"2020-W53", "2020-12-28"},
		{"2025-W53", ""}, // 2025 has 52 ISO weeks
		{"W23", ""},
		{"2025-13-01", ""},
	} {
		got, err := ParseWeek(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseWeek(%q) = %s, want an error", tc.in, got.Format(time.DateOnly))
			}
			continue
		}
		if err != nil || got.Format(time.DateOnly) != tc.want {
			t.Errorf("ParseWeek(%q) = %s, %v; want %s", tc.in, got.Format(time.DateOnly), err, tc.want)
		}
	}
}
