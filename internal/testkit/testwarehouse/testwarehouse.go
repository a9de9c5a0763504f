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

// StartHarvest serves acct on a fake Harvest, stopped when the test ends, and returns it with a
// client of it. opts.Token and opts.AccountID default to Token and AccountID; cfg's address and
// credentials are the fake's, the rest (Clock, Concurrency, ...) is the caller's.
func StartHarvest(t testing.TB, acct *harvesttest.Account, opts harvesttest.Options, cfg harvest.Config) (*harvesttest.Server, *harvest.APIClient) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = Token
	}
	if opts.AccountID == "" {
		opts.AccountID = AccountID
	}
	srv := harvesttest.NewServer(acct, opts)
	t.Cleanup(srv.Close)
	cfg.BaseURL, cfg.AccessToken, cfg.AccountID = srv.URL(), opts.Token, opts.AccountID
	api, err := harvest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, api
}

// StartRunn serves state on a fake Runn, stopped when the test ends, and returns it with a client
// of it. opts.Token defaults to Token, and the fake's rate limit is off unless opts sets one; cfg's
// address and token are the fake's, and its proactive pacing is off unless cfg sets a RateLimit
// (the client still follows the fake's headers and 429s).
func StartRunn(t testing.TB, state *runntest.State, opts runntest.Options, cfg runn.Config) (*runntest.Server, *runn.API) {
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
	cfg.BaseURL, cfg.Token = srv.URL(), opts.Token
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1
	}
	api, err := runn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, api
}
