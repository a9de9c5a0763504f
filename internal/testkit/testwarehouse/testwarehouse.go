// Package testwarehouse assembles what the tests of the stages share: a fresh warehouse, and the
// Harvest and Runn fakes each with a client of it. It links DuckDB, so only tests that link it
// anyway (extract, transform, load) import it; internal/testkit stays free of it, since the
// harvest and runn tests import testkit and must build without cgo.
package testwarehouse

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Token and AccountID are what the fakes expect unless a test sets its own.
const (
	Token     = "test-token-0123456789abcdef"
	AccountID = "424242"
)

// Open opens an empty, migrated warehouse in the test's temporary folder, closed when the test ends.
func Open(t testing.TB) *warehouse.Warehouse {
	t.Helper()
	return OpenWith(t, warehouse.Options{})
}

// OpenWith is Open with options (a lock holder's name, a memory limit).
func OpenWith(t testing.TB, opts warehouse.Options) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// HarvestFake is a fake Harvest serving a test, with the credentials it expects.
type HarvestFake struct {
	*harvesttest.Server
	Token, AccountID string
}

// StartHarvest serves acct on a fake Harvest, stopped when the test ends. opts.Token and
// opts.AccountID default to Token and AccountID.
func StartHarvest(t testing.TB, acct *harvesttest.Account, opts harvesttest.Options) *HarvestFake {
	t.Helper()
	if opts.Token == "" {
		opts.Token = Token
	}
	if opts.AccountID == "" {
		opts.AccountID = AccountID
	}
	srv := harvesttest.NewServer(acct, opts)
	t.Cleanup(srv.Close)
	return &HarvestFake{Server: srv, Token: opts.Token, AccountID: opts.AccountID}
}

// Client is a client of the fake: cfg with the fake's address, and its credentials where cfg
// sets none (a test of a wrong token sets its own). The rest (Clock, Concurrency) is cfg's.
func (f *HarvestFake) Client(t testing.TB, cfg harvest.Config) *harvest.APIClient {
	t.Helper()
	cfg.BaseURL = f.URL()
	if cfg.AccessToken == "" {
		cfg.AccessToken = f.Token
	}
	if cfg.AccountID == "" {
		cfg.AccountID = f.AccountID
	}
	api, err := harvest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// RunnFake is a fake Runn serving a test, with the token it expects.
type RunnFake struct {
	*runntest.Server
	Token string
}

// StartRunn serves state on a fake Runn, stopped when the test ends. opts.Token defaults to
// Token, and the fake's rate limit is off unless opts sets one.
func StartRunn(t testing.TB, state *runntest.State, opts runntest.Options) *RunnFake {
	t.Helper()
	if opts.Token == "" {
		opts.Token = Token
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = runntest.RateLimitDisabled
	}
	srv, err := runntest.NewServer(state, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &RunnFake{Server: srv, Token: opts.Token}
}

// Client is a client of the fake: cfg with the fake's address, and its token where cfg sets
// none. Proactive pacing is off unless cfg sets a RateLimit: the client still follows the fake's
// x-ratelimit-* headers and 429s.
func (f *RunnFake) Client(t testing.TB, cfg runn.Config) *runn.API {
	t.Helper()
	cfg.BaseURL = f.URL()
	if cfg.Token == "" {
		cfg.Token = f.Token
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1
	}
	api, err := runn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// Tamper changes the warehouse at path as a user with a DuckDB shell could.
func Tamper(t testing.TB, path, query string) {
	t.Helper()
	w, err := warehouse.Open(context.Background(), path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.DB.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
