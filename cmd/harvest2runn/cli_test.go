package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

const (
	testToken     = "cli-test-token-abcdef0123456789"
	testRunnToken = "cli-test-runn-token-9876543210"
	testAccount   = "777"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code := run(context.Background(), args, e)
	return result{code, out.String(), errb.String()}
}

// fakeAPIs starts a fake Harvest with a small generated account and an empty fake Runn, and
// returns the environment that points harvest2runn at them.
func fakeAPIs(t *testing.T) (*harvesttest.Server, *runntest.Server, map[string]string) {
	t.Helper()
	return e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 9, TimeEntries: 400}, runnLimit: runntest.DefaultRateLimit})
}

func with(vars map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range vars {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

// Each configuration mistake: exit 2, exactly one line on stderr that says what to do, nothing
// on stdout, and no request sent unless the mistake can only be seen by asking the API.
func TestConfigurationErrors(t *testing.T) {
	srv, rsrv, vars := fakeAPIs(t)
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()
	for _, tc := range []struct {
		name     string
		vars     map[string]string
		args     []string
		want     string
		requests int
	}{
		{"missing token", with(vars, "HARVEST_ACCESS_TOKEN", ""), nil, "HARVEST_ACCESS_TOKEN is not set", 0},
		{"missing account", with(vars, "HARVEST_ACCOUNT_ID", ""), nil, "HARVEST_ACCOUNT_ID is not set", 0},
		{"account not a number", with(vars, "HARVEST_ACCOUNT_ID", "acme"), nil, "is not a number", 0},
		{"bad today", vars, []string{"--today", "2026-13-01"}, "--today \"2026-13-01\" is not a date: use YYYY-MM-DD", 0},
		{"bad since", vars, []string{"--since", "yesterday"}, "--since \"yesterday\" is not a date", 0},
		{"since and full history", vars, []string{"--since", "2026-01-01", "--full-history"}, "give one", 0},
		{"lookback and full history", vars, []string{"--lookback-days", "10", "--full-history"}, "give one", 0},
		{"missing warehouse folder", with(vars, "HARVEST2RUNN_WAREHOUSE", "/nonexistent/dir/w.duckdb"), nil, "warehouse folder /nonexistent/dir does not exist", 0},
		{"negative lookback", vars, []string{"--lookback-days", "-3"}, "is negative", 0},
		{"bad tz", vars, []string{"--tz", "Mars/Olympus"}, "is not a time zone", 0},
		{"bad output", vars, []string{"--output", "xml"}, "use text or json", 0},
		{"unknown flag", vars, []string{"--frobnicate"}, "unknown flag: --frobnicate", 0},
		{"bad base URL", with(vars, "HARVEST_BASE_URL", "ftp://x"), nil, "is not an http(s) URL", 0},
		{"missing token file", vars, []string{"--harvest-token-file", "/nonexistent/token"}, "cannot read /nonexistent/token", 0},
		{"unreachable URL", with(vars, "HARVEST_BASE_URL", refusedURL), nil, "cannot reach Harvest at " + refusedURL, 0},
		{"wrong account id", with(vars, "HARVEST_ACCOUNT_ID", "778"), nil, "check HARVEST_ACCESS_TOKEN and that HARVEST_ACCOUNT_ID", 1},
		{"wrong token", with(vars, "HARVEST_ACCESS_TOKEN", "nope"), nil, "Harvest refused the credentials (401)", 1},
		{"missing Runn token", with(vars, "RUNN_API_TOKEN", ""), nil, "RUNN_API_TOKEN is not set", 0},
		{"bad Runn URL", with(vars, "RUNN_BASE_URL", "api.runn.io"), nil, "--runn-base-url / RUNN_BASE_URL \"api.runn.io\" is not an http(s) URL", 0},
		{"unreachable Runn", with(vars, "RUNN_BASE_URL", refusedURL), nil, "cannot reach Runn at " + refusedURL, 1},
		{"wrong Runn token", with(vars, "RUNN_API_TOKEN", "nope"), nil, "Runn refused the token (401)", 1},
		{"unknown source", vars, []string{"--source", "jira"}, "--source \"jira\": use harvest, runn", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, beforeRunn := len(srv.Requests()), len(rsrv.Requests())
			r := runCLI(t, tc.vars, append([]string{"extract"}, tc.args...)...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, exitUsage, r.stderr)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr = %q, want one line containing %q", r.stderr, tc.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if got := len(srv.Requests()) - before; got != tc.requests {
				t.Errorf("%d requests sent to Harvest, want %d", got, tc.requests)
			}
			if got := len(rsrv.Requests()) - beforeRunn; got > 1 {
				t.Errorf("%d requests sent to Runn, want at most the one check", got)
			}
			if strings.Contains(r.stderr, testToken) || strings.Contains(r.stderr, testRunnToken) {
				t.Error("the token leaked into stderr")
			}
			if _, err := os.Stat(tc.vars["HARVEST2RUNN_WAREHOUSE"]); err == nil {
				t.Error("a configuration error created the warehouse")
			}
		})
	}
}

func TestExtractCommand(t *testing.T) {
	_, _, vars := fakeAPIs(t)
	r := runCLI(t, vars, "extract", "--output", "json", "--full-history", "--today", "2025-06-27")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res struct {
		RunID   int64  `json:"run_id"`
		Today   string `json:"today"`
		Harvest struct {
			ExtractID   int64            `json:"extract_id"`
			Status      string           `json:"status"`
			PerResource map[string]int64 `json:"records_per_resource"`
			Requests    int64            `json:"requests_count"`
		} `json:"harvest"`
		Runn struct {
			Status   string `json:"status"`
			Requests int64  `json:"requests_count"`
		} `json:"runn"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Fatalf("stdout carries more than one JSON value: %s", r.stdout)
	}
	if res.RunID != 1 || res.Today != "2025-06-27" || res.Harvest.Status != "succeeded" || res.Harvest.PerResource["time_entries"] == 0 ||
		res.Runn.Status != "succeeded" || res.Runn.Requests != 8 {
		t.Fatalf("result = %+v", res)
	}
	for _, tok := range []string{testToken, testRunnToken} {
		if strings.Contains(r.stderr, tok) || strings.Contains(r.stdout, tok) {
			t.Fatal("a token leaked")
		}
	}

	r = runCLI(t, vars, "extract", "--today", "2025-06-27")
	for _, want := range []string{`run 2 \(extract, today 2025-06-27\)`, `harvest extract \d+: succeeded`, `runn extract \d+: succeeded`} {
		if r.code != exitOK || !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Fatalf("text summary lacks %q: exit %d\n%s\n%s", want, r.code, r.stdout, r.stderr)
		}
	}

	// Every page comes back byte for byte; the first users page is what the fake serves.
	hid := strconv.FormatInt(res.Harvest.ExtractID, 10)
	r = runCLI(t, vars, "page", hid, "users", "1")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, `{"users":[`) {
		t.Fatalf("page: exit %d, %.60q, %s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, vars, "page", hid, "users", "99")
	if r.code != exitFailed || !strings.Contains(r.stderr, "no page users #99 in harvest extract") {
		t.Fatalf("missing page: exit %d, %s", r.code, r.stderr)
	}

	// Harvest alone needs no Runn token.
	r = runCLI(t, with(vars, "RUNN_API_TOKEN", ""), "extract", "--source", "harvest", "--today", "2025-06-27")
	if r.code != exitOK || strings.Contains(r.stdout, "runn extract") {
		t.Fatalf("--source harvest: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestExtractRefusedWhileWarehouseBusy(t *testing.T) {
	srv, _, vars := fakeAPIs(t)
	// Slow the listing so that the first run is still going when the second starts.
	srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.Delay, Delay: 2 * time.Second})
	var first atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		first.Store(int32(runCLI(t, vars, "extract").code))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, _ := os.ReadFile(vars["HARVEST2RUNN_WAREHOUSE"] + ".lock")
		if strings.Contains(string(info), `"run_id":1`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := runCLI(t, vars, "extract")
	<-done
	if r.code != exitFailed || !strings.Contains(r.stderr, "is in use by run 1 since") {
		t.Fatalf("second run: exit %d, stderr %q", r.code, r.stderr)
	}
	if first.Load() != exitOK {
		t.Fatalf("first run exit %d", first.Load())
	}
}

func TestHelp(t *testing.T) {
	r := runCLI(t, nil, "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "extract") || !strings.Contains(r.stdout, "HARVEST_ACCESS_TOKEN") {
		t.Fatalf("root help: %+v", r)
	}
	for _, cmd := range []string{"extract", "transform", "page", "demo", "version"} {
		r := runCLI(t, nil, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Example:") || !strings.Contains(r.stdout, "harvest2runn "+cmd) {
			t.Errorf("%s --help: exit %d\n%s", cmd, r.code, r.stdout)
		}
	}
	r = runCLI(t, nil, "frobnicate")
	if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("unknown command: %+v", r)
	}
}

func TestDemo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.duckdb")
	r := runCLI(t, nil, "demo", "--warehouse", path, "--people", "20", "--projects", "30")
	if r.code != exitOK {
		t.Fatalf("demo exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"fake Harvest at", "succeeded", "Try these", path} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	// A second demo replaces the warehouse rather than adding to it.
	r = runCLI(t, nil, "demo", "--warehouse", path, "--people", "20", "--projects", "30")
	if r.code != exitOK || !strings.Contains(r.stdout, "run 1 (sync") || strings.Contains(r.stdout, "run 3 (sync") {
		t.Fatalf("second demo: exit %d\n%s", r.code, r.stdout)
	}
}

func TestTransformCommand(t *testing.T) {
	_, _, vars := fakeAPIs(t)
	r := runCLI(t, vars, "transform")
	if r.code != exitFailed || !strings.Contains(r.stderr, "run `harvest2runn extract` first") {
		t.Fatalf("transform before any extract: exit %d, %s", r.code, r.stderr)
	}
	if r := runCLI(t, vars, "extract", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("extract: %s", r.stderr)
	}
	r = runCLI(t, vars, "transform")
	if r.code != exitOK || !strings.Contains(r.stdout, "run 1 planned (today 2025-06-27, window 2025-05-13 to 2025-06-27)") {
		t.Fatalf("transform: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, vars, "transform", "--run", "1", "--output", "json", "--only", "actuals")
	var res struct {
		Today     string `json:"today"`
		Transform struct {
			RunID int64 `json:"run_id"`
		} `json:"transform"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != exitOK || res.Transform.RunID != 1 || res.Today != "2025-06-27" {
		t.Fatalf("transform --output json: exit %d, %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if r := runCLI(t, vars, "transform", "--only", "timesheets"); r.code != exitUsage {
		t.Fatalf("--only timesheets: exit %d", r.code)
	}
	if r := runCLI(t, vars, "transform", "--run", "99"); r.code != exitFailed || !strings.Contains(r.stderr, "no run 99") {
		t.Fatalf("--run 99: exit %d %s", r.code, r.stderr)
	}
}
