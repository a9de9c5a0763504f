package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/load"
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
		summary: "two daily syncs against built-in fake Harvest and Runn servers with a generated account",
		usage:   "[flags]",
		help: `Starts fake Harvest and Runn servers in this process, Harvest with a generated account (people with
zero, one and several roles, every project type and budget kind, six months of daily time), Runn
with a few records a team keyed in by hand (a tentative project, a project tagged sync_off, an
archived project and person, a person with the role Unknown, an assignment, a manual actual), then
runs two daily syncs a day apart into a fresh demo warehouse, with Harvest edits in between (an
entry edited, one deleted, a late one added), and prints what each sync did, where the warehouse
is, and queries to try. Nothing leaves this machine.

Example:
  harvest2runn demo
  harvest2runn status --warehouse harvest2runn-demo.duckdb
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

// demoClock is the fake servers' clock: the real time, moved back a day for the first sync, so
// that the two syncs are a day apart while the demo takes seconds.
type demoClock struct{ offset atomic.Int64 }

func (c *demoClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

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
	clock := &demoClock{}
	clock.offset.Store(int64(-24 * time.Hour))
	day2 := dateUTC(time.Now().UTC())
	day1 := day2.AddDate(0, 0, -1)
	const lookback = 45
	acct := harvesttest.Generate(harvesttest.GenerateOptions{
		Seed: f.seed, People: f.people, Clients: max(f.projects/8, 2), Projects: f.projects,
		TimeEntries: f.people * 130 * 2, From: day1.AddDate(0, -6, 0), To: day1, Now: clock.now(),
	})
	seed := demoRunnSeed(acct, day1.AddDate(0, 0, -lookback))
	const token, account = "demo-token", "100001"
	srv := harvesttest.NewServer(acct, harvesttest.Options{Token: token, AccountID: account, RateLimit: 100, RateWindow: 15 * time.Second, Now: clock.now})
	defer srv.Close()
	// Runn's limit is set high so that a few hundred creates take seconds, not minutes; the
	// client follows the limit Runn announces in x-ratelimit-limit.
	rsrv, err := runntest.NewServer(seed.state, runntest.Options{Token: token, Now: clock.now, RateLimit: 6000})
	if err != nil {
		return err
	}
	defer rsrv.Close()
	fmt.Fprintf(e.stdout, "fake Harvest at %s: %d people, %d projects, %d time entries up to %s\n", srv.URL(), len(acct.Users),
		len(acct.Projects), len(acct.TimeEntries), day1.Format(time.DateOnly))
	fmt.Fprintf(e.stdout, "fake Runn at %s: what a team keyed in by hand before its first sync:\n", rsrv.URL())
	for _, c := range seed.cases {
		fmt.Fprintf(e.stdout, "  %s\n", c)
	}

	sync := func(day time.Time) error {
		hc, err := harvest.New(harvest.Config{BaseURL: srv.URL(), AccessToken: token, AccountID: account, Logger: log})
		if err != nil {
			return err
		}
		rc, err := runn.New(runn.Config{BaseURL: rsrv.URL(), Token: token, Logger: log})
		if err != nil {
			return err
		}
		prog := newProgress(e, log)
		lprog := &loadProgress{terminal: e.terminal, out: e.stderr, log: log, logged: map[string]int{}}
		res, err := pipelines.Sync(ctx, pipelines.SyncOptions{WarehousePath: f.warehouse, Today: day,
			Window: extract.Window{From: day.AddDate(0, 0, -lookback), To: day}, Autofill: true, Harvest: hc, Runn: rc,
			ExtractProgress: prog, LoadProgress: lprog.update, Logger: log,
			RunOptions: map[string]any{"demo": true, "lookback_days": lookback}})
		prog.Close()
		lprog.Close()
		if res.RunID != 0 {
			_ = printSync(e.stdout, "text", res)
		}
		return err
	}

	fmt.Fprintf(e.stdout, "\nday 1, %s: the first sync\n", day1.Format(time.DateOnly))
	if err := sync(day1); err != nil && !errors.Is(err, load.ErrRejected) {
		return err
	}
	fmt.Fprintf(e.stdout, "\nbetween the syncs, in Harvest:\n")
	if err := demoEdits(e.stdout, srv, day2, demoSentPairs(ctx, f.warehouse)); err != nil {
		return err
	}
	clock.offset.Store(0)
	fmt.Fprintf(e.stdout, "\nday 2, %s: the daily sync\n", day2.Format(time.DateOnly))
	if err := sync(day2); err != nil && !errors.Is(err, load.ErrRejected) {
		return err
	}
	abs, err := filepath.Abs(f.warehouse)
	if err != nil {
		abs = f.warehouse
	}
	fmt.Fprintf(e.stdout, `
The warehouse is %[1]s (page bodies in %[2]s).
  harvest2runn status --warehouse %[1]s
Try these (or open it with: duckdb -readonly %[1]s):
  harvest2runn query --warehouse %[1]s "SELECT run_id, kind, status, today, options->>'window_from' AS window_from FROM meta.runs"
  harvest2runn query --warehouse %[1]s "SELECT run_id, kind, rule, status, count(*) AS writes FROM audit.write_log GROUP BY ALL ORDER BY ALL"
  harvest2runn query --warehouse %[1]s "SELECT run_id, reason, count(*) AS people FROM plan.rpt_unknown_roles GROUP BY ALL"
`, abs, warehouse.PagesDir(abs))
	return nil
}

// demoEdits changes Harvest the way a day changes it: an entry edited, an entry deleted, and a
// late entry for a past day, each in the window and on a record the first sync sent.
func demoEdits(w io.Writer, srv *harvesttest.Server, day2 time.Time, sent map[[2]int64]bool) error {
	acct := srv.Account()
	active := map[int64]bool{}
	for _, p := range acct.Projects {
		active[p.ID] = p.IsActive && p.Client != nil
	}
	// A person-day above 24 h is not sent (the "Implausible time" edge case of R7, R9): the
	// edits go to days that stay under it, so that they show R10 and R11 at work.
	type userDay struct {
		user int64
		date string
	}
	dayHours := map[userDay]float64{}
	for _, e := range acct.TimeEntries {
		if h, err := e.Hours.Float64(); err == nil && !e.IsRunning {
			dayHours[userDay{e.User.ID, e.SpentDate}] += h
		}
	}
	lateDate := day2.AddDate(0, 0, -3).Format(time.DateOnly)
	from := day2.AddDate(0, 0, -30).Format(time.DateOnly)
	var picked []harvest.TimeEntry
	for _, e := range acct.TimeEntries {
		if len(picked) == 3 {
			break
		}
		if e.IsRunning || e.SpentDate < from || !active[e.Project.ID] || (len(sent) > 0 && !sent[[2]int64{e.User.ID, e.Project.ID}]) ||
			dayHours[userDay{e.User.ID, e.SpentDate}] > 16 || dayHours[userDay{e.User.ID, lateDate}] > 20 {
			continue
		}
		if len(picked) > 0 && (picked[len(picked)-1].User.ID == e.User.ID || picked[len(picked)-1].SpentDate == e.SpentDate) {
			continue
		}
		picked = append(picked, e)
	}
	if len(picked) < 3 {
		fmt.Fprintln(w, "  (the account is too small for the demo's edits)")
		return nil
	}
	edit, del, late := picked[0], picked[1], picked[2]
	newHours := json.Number("7.25")
	if err := srv.UpdateTimeEntry(edit.ID, func(t *harvest.TimeEntry) { t.Hours = newHours }); err != nil {
		return err
	}
	fmt.Fprintf(w, "  edited entry %d (%s on %q, %s): %s h -> %s h (R10 writes the new minutes)\n", edit.ID, edit.User.Name,
		edit.Project.Name, edit.SpentDate, edit.Hours, newHours)
	if err := srv.DeleteTimeEntry(del.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "  deleted entry %d (%s on %q, %s, %s h) (R11 sets the day to what is left, 0 when nothing)\n", del.ID, del.User.Name,
		del.Project.Name, del.SpentDate, del.Hours)
	added := late
	added.ID, added.Hours, added.Notes = 0, "2.5", nil
	added.SpentDate = lateDate
	added.CreatedAt, added.UpdatedAt = time.Time{}, time.Time{}
	added.IsBilled, added.IsClosed, added.IsLocked, added.Invoice, added.LockedReason = false, false, false, nil, nil
	got := srv.AddTimeEntry(added)
	fmt.Fprintf(w, "  added a late entry %d (%s on %q, %s, 2.5 h) (R10: the window re-reads past days)\n", got.ID, got.User.Name,
		got.Project.Name, got.SpentDate)
	return nil
}

// demoSentPairs are the (Harvest user, Harvest project) pairs whose time the first sync sent:
// the edits go there, so that the second sync has something to follow.
func demoSentPairs(ctx context.Context, path string) map[[2]int64]bool {
	c := &pairCollector{pairs: map[[2]int64]bool{}}
	_ = pipelines.Query(ctx, path, `SELECT DISTINCT harvest_user_id, harvest_project_id FROM plan.chg_runn__actuals
		WHERE run_id = 1 AND rule = 'R10' AND billable_minutes + nonbillable_minutes > 0
		AND harvest_user_id IS NOT NULL AND harvest_project_id IS NOT NULL`, c)
	return c.pairs
}

type pairCollector struct{ pairs map[[2]int64]bool }

func (c *pairCollector) Columns([]pipelines.Column) error { return nil }

func (c *pairCollector) Row(v []any) error {
	u, _ := v[0].(int64)
	p, _ := v[1].(int64)
	c.pairs[[2]int64{u, p}] = true
	return nil
}
