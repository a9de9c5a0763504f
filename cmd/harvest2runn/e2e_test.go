package main

// End-to-end tests: they drive the real harvest2runn binary, built once per test run, against
// harvesttest and runntest served by this test process, as a user or a scheduler would.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// binary is the harvest2runn built by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "harvest2runn-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "harvest2runn")
	// The binary has what `make build` gives it: DuckDB's Arrow interface (query --output arrow).
	build := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building harvest2runn for the end-to-end tests:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// e2eAccount is the fakes' setting for one test.
type e2eAccount struct {
	gen         harvesttest.GenerateOptions
	perPage     int    // Harvest's largest page (harvesttest.Options.MaxPerPage); default Harvest's 2000
	runnToday   string // default 2025-06-27, the generator's default Now
	runnLimit   int    // requests per minute; default 6000 (the client follows what Runn announces)
	runnLatency time.Duration
	runnState   *runntest.State // what Runn holds before the test; default nothing
}

// e2eFakes starts the fakes and returns the environment that points the binary at them.
func e2eFakes(t *testing.T, a e2eAccount) (*harvesttest.Server, *runntest.Server, map[string]string) {
	t.Helper()
	srv := harvesttest.NewServer(harvesttest.Generate(a.gen), harvesttest.Options{Token: testToken, AccountID: testAccount,
		MaxPerPage: a.perPage})
	t.Cleanup(srv.Close)
	if a.runnToday == "" {
		a.runnToday = "2025-06-27"
	}
	if a.runnLimit == 0 {
		a.runnLimit = 6000
	}
	if a.runnState == nil {
		a.runnState = &runntest.State{}
	}
	rsrv, err := runntest.NewServer(a.runnState, runntest.Options{Token: testRunnToken, Today: a.runnToday,
		RateLimit: a.runnLimit, Latency: a.runnLatency})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rsrv.Close)
	return srv, rsrv, map[string]string{
		"HARVEST_ACCESS_TOKEN":   testToken,
		"HARVEST_ACCOUNT_ID":     testAccount,
		"HARVEST_BASE_URL":       srv.URL(),
		"RUNN_API_TOKEN":         testRunnToken,
		"RUNN_BASE_URL":          rsrv.URL(),
		"HARVEST2RUNN_WAREHOUSE": filepath.Join(t.TempDir(), "w.duckdb"),
	}
}

// bin is a started binary.
type bin struct {
	cmd            *exec.Cmd
	stdout, stderr *testkit.SyncBuffer
}

func startBin(t *testing.T, vars map[string]string, args ...string) *bin {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	return startCmd(t, cmd, vars)
}

// startCmd starts cmd with vars as its whole environment (TZ=UTC added), capturing its output;
// the test's end kills it if it still runs.
func startCmd(t *testing.T, cmd *exec.Cmd, vars map[string]string) *bin {
	t.Helper()
	cmd.Env = []string{"TZ=UTC"}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	b := &bin{cmd: cmd, stdout: &testkit.SyncBuffer{}, stderr: &testkit.SyncBuffer{}}
	cmd.Stdout, cmd.Stderr = b.stdout, b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return b
}

func (b *bin) wait(t *testing.T) result {
	t.Helper()
	err := b.cmd.Wait()
	code := b.cmd.ProcessState.ExitCode()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return result{code: code, stdout: b.stdout.String(), stderr: b.stderr.String()}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func runBin(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	return startBin(t, vars, args...).wait(t)
}

// decodeOne decodes stdout as exactly one JSON value.
func decodeOne(t *testing.T, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout carries more than one JSON value:\n%s", stdout)
	}
}

type syncJSON struct {
	RunID  int64  `json:"run_id"`
	Today  string `json:"today"`
	Status string `json:"status"`
	DryRun bool   `json:"dry_run"`
	Window struct {
		From *string `json:"from"`
		To   string  `json:"to"`
	} `json:"window"`
	Changes []struct {
		Kind    string `json:"kind"`
		Rule    string `json:"rule"`
		Planned int    `json:"planned"`
		Applied int    `json:"applied"`
	} `json:"changes"`
	Exclusions []struct {
		Reason  string `json:"reason"`
		Minutes int64  `json:"minutes"`
	} `json:"exclusions"`
	Rejected []struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"rejected"`
	Requests map[string]struct {
		Requests int64 `json:"requests_count"`
	} `json:"requests"`
	Times struct {
		Total time.Duration `json:"total_ns"`
	} `json:"times"`
}

func (s syncJSON) planned(kind string) (n int) {
	for _, c := range s.Changes {
		if c.Kind == kind {
			n += c.Planned
		}
	}
	return n
}

func (s syncJSON) applied() (n int) {
	for _, c := range s.Changes {
		n += c.Applied
	}
	return n
}

func writes(rsrv *runntest.Server) int {
	n := 0
	for _, r := range rsrv.Requests() {
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

// holdWarehouse holds the warehouse as a run would, until the returned function is called.
func holdWarehouse(t *testing.T, path string) (release func()) {
	t.Helper()
	w, err := warehouse.Open(context.Background(), path, warehouse.Options{Holder: "the test"})
	if err != nil {
		t.Fatal(err)
	}
	run, err := w.StartRun(context.Background(), "test", time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = w.FinishRun(context.Background(), run.ID, "succeeded", nil)
			_ = w.Close()
		})
	}
	t.Cleanup(release)
	return release
}
