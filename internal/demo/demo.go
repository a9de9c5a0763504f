// Package demo is the scenario of `harvest2runn demo`: a generated Harvest account served by
// harvesttest, a Runn that a team already keyed a few records into by hand (runntest), and two
// daily syncs a day apart with Harvest edits in between. The command prints; this package
// decides what happens.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Lookback is the demo syncs' window in days (R10).
const Lookback = 45

const token, account = "demo-token", "100001"

// Options shape the generated account and say where the demo warehouse goes.
type Options struct {
	Warehouse string // replaced on every demo run
	People    int
	Projects  int
	Seed      int64 // same seed, same account
	Logger    *slog.Logger
}

// ReplaceError is a demo warehouse (or its WAL or page folder) that could not be removed.
type ReplaceError struct {
	Path string
	Err  error
}

func (e *ReplaceError) Error() string {
	return fmt.Sprintf("cannot replace the demo warehouse %s: %v", e.Path, e.Err)
}

func (e *ReplaceError) Unwrap() error { return e.Err }

// Scenario is a started demo: both fake servers run until Close.
type Scenario struct {
	opts    Options
	offset  atomic.Int64 // the fake servers' clock offset from the real time
	harvest *harvesttest.Server
	runn    *runntest.Server
	account *harvesttest.Account
	// Day1 and Day2 are the two syncs' today: yesterday and today (UTC).
	Day1, Day2 time.Time
	// Cases are what the team keyed into Runn, one line each, naming the rule it exercises.
	Cases []string
}

// now is the fake servers' clock: the real time, moved back a day for the first sync, so that
// the two syncs are a day apart while the demo takes seconds.
func (s *Scenario) now() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) }

// Start replaces the demo warehouse, generates the account and starts both fake servers, with
// their clock on the first day.
func Start(o Options) (*Scenario, error) {
	for _, p := range []string{o.Warehouse, o.Warehouse + ".wal", warehouse.PagesDir(o.Warehouse)} {
		if err := os.RemoveAll(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, &ReplaceError{Path: p, Err: err}
		}
	}
	s := &Scenario{opts: o}
	s.offset.Store(int64(-24 * time.Hour))
	now := time.Now().UTC()
	s.Day2 = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	s.Day1 = s.Day2.AddDate(0, 0, -1)
	s.account = harvesttest.Generate(harvesttest.GenerateOptions{
		Seed: o.Seed, People: o.People, Clients: max(o.Projects/8, 2), Projects: o.Projects,
		TimeEntries: o.People * 130 * 2, From: s.Day1.AddDate(0, -6, 0), To: s.Day1, Now: s.now(),
	})
	seed := runnSeed(s.account, s.Day1.AddDate(0, 0, -Lookback))
	s.Cases = seed.cases
	s.harvest = harvesttest.NewServer(s.account, harvesttest.Options{Token: token, AccountID: account, RateLimit: 100,
		RateWindow: 15 * time.Second, Now: s.now})
	// Runn's limit is set high so that a few hundred creates take seconds, not minutes; the
	// client follows the limit Runn announces in x-ratelimit-limit.
	rsrv, err := runntest.NewServer(seed.state, runntest.Options{Token: token, Now: s.now, RateLimit: 6000})
	if err != nil {
		s.harvest.Close()
		return nil, err
	}
	s.runn = rsrv
	return s, nil
}

// Close stops both fake servers.
func (s *Scenario) Close() {
	s.harvest.Close()
	s.runn.Close()
}

// Account describes the generated Harvest account.
type Account struct {
	HarvestURL, RunnURL           string
	People, Projects, TimeEntries int
}

// Account is what the fakes serve, for the demo's opening lines.
func (s *Scenario) Account() Account {
	return Account{HarvestURL: s.harvest.URL(), RunnURL: s.runn.URL(), People: len(s.account.Users),
		Projects: len(s.account.Projects), TimeEntries: len(s.account.TimeEntries)}
}

// Progress receives a sync's progress, for the command to show.
type Progress struct {
	Extract extract.Progress
	Load    func(load.Progress)
}

// Sync runs one daily sync for day against the fakes, into the demo warehouse. A run in which
// Runn rejected some records is not an error for the demo: the result shows them.
func (s *Scenario) Sync(ctx context.Context, day time.Time, p Progress) (pipelines.SyncResult, error) {
	log := s.opts.Logger
	hc, err := harvest.New(harvest.Config{BaseURL: s.harvest.URL(), AccessToken: token, AccountID: account, Logger: log})
	if err != nil {
		return pipelines.SyncResult{}, err
	}
	rc, err := runn.New(runn.Config{BaseURL: s.runn.URL(), Token: token, Logger: log})
	if err != nil {
		return pipelines.SyncResult{}, err
	}
	res, err := pipelines.Sync(ctx, pipelines.SyncOptions{WarehousePath: s.opts.Warehouse, Today: day,
		Window: extract.Window{From: day.AddDate(0, 0, -Lookback), To: day}, Autofill: true, Harvest: hc, Runn: rc,
		ExtractProgress: p.Extract, LoadProgress: p.Load, Logger: log,
		RunOptions: map[string]any{"demo": true, "lookback_days": Lookback}})
	if errors.Is(err, load.ErrRejected) {
		err = nil
	}
	return res, err
}

// NextDay moves the fake servers' clock to the second day.
func (s *Scenario) NextDay() { s.offset.Store(0) }

// Queries are queries worth trying on the demo warehouse afterwards.
var Queries = []string{
	"SELECT run_id, kind, status, today, options->>'window_from' AS window_from FROM meta.runs",
	"SELECT run_id, kind, rule, status, count(*) AS writes FROM audit.write_log GROUP BY ALL ORDER BY ALL",
	"SELECT run_id, reason, count(*) AS people FROM plan.rpt_unknown_roles GROUP BY ALL",
}
