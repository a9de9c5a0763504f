package main

// End-to-end tests of the output contract (issue 11): every JSON output of the commands the
// cli owns follows its schema in docs/schemas, a failure with --output json is one error
// object with the same exit status, and the audit is compact.

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
)

// TestE2EOutputSchemas runs each command with --output json against a synced warehouse and
// checks its one JSON document against its schema.
func TestE2EOutputSchemas(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 11, People: 12, Projects: 20, TimeEntries: 600}})
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	var pages []struct {
		ExtractID int64 `json:"extract_id"`
	}
	decodeOne(t, runBin(t, vars, "query", "SELECT extract_id FROM raw.pages WHERE source = 'harvest' AND resource = 'users' AND seq = 1",
		"--format", "json").stdout, &pages)
	if len(pages) != 1 {
		t.Fatalf("the users page: %+v", pages)
	}
	for _, tc := range []struct {
		schema string
		args   []string
		code   int
	}{
		{"extract", []string{"extract", "--today", "2025-06-27", "--since", "2025-06-01"}, exitOK},
		{"status", []string{"status"}, exitOK},
		{"audit", []string{"audit", "--run", "1"}, exitOK},
		{"load", []string{"load", "--run", "1", "--dry-run"}, exitOK},
		{"load", []string{"load", "--run", "1"}, exitOK},
		{"revert", []string{"revert", "1", "--dry-run"}, exitOK},
		{"prune", []string{"prune", "--keep-days", "0", "--dry-run"}, exitOK},
		{"page", []string{"page", strconv.FormatInt(pages[0].ExtractID, 10), "users", "1"}, exitOK},
		{"version", []string{"version"}, exitOK},
		{"revert", []string{"revert", "1", "--yes"}, exitOK},
		// --format, the old name, is still taken.
		{"audit", []string{"audit", "--run", "1", "--format", "json"}, exitOK},
	} {
		args := tc.args
		if !strings.Contains(strings.Join(args, " "), "--format") {
			args = append(args, "--output", "json")
		}
		r := runBin(t, vars, args...)
		if r.code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", args, r.code, tc.code, r.stderr)
			continue
		}
		checkSchema(t, tc.schema, []byte(r.stdout))
	}
}

// The contract's names and types, read back: a window is {from, to}, durations are *_ms, ids are
// numbers, counts are numbers beside their arrays.
func TestE2EOutputFieldTypes(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 12, People: 8, Projects: 10, TimeEntries: 200}})
	r := runBin(t, vars, "extract", "--today", "2025-06-27", "--lookback-days", "10", "--output", "json")
	var ex map[string]any
	decodeOne(t, r.stdout, &ex)
	if w, ok := ex["window"].(map[string]any); !ok || w["from"] != "2025-06-17" || w["to"] != "2025-06-27" {
		t.Errorf("extract's window is %v, want {from: 2025-06-17, to: 2025-06-27}", ex["window"])
	}
	h, _ := ex["harvest"].(map[string]any)
	if _, ok := h["duration_ms"].(float64); !ok || h["duration_ns"] != nil {
		t.Errorf("extract's harvest duration: %v", h)
	}
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	var st map[string]any
	decodeOne(t, runBin(t, vars, "status", "--output", "json").stdout, &st)
	people, _ := st["people_with_role_unknown"].([]any)
	if n, ok := st["people_with_role_unknown_count"].(float64); !ok || int(n) != len(people) {
		t.Errorf("status: people_with_role_unknown_count %v beside %d people", st["people_with_role_unknown_count"], len(people))
	}
	var audit struct {
		Writes []map[string]any `json:"writes"`
	}
	decodeOne(t, runBin(t, vars, "audit", "--output", "json").stdout, &audit)
	for _, w := range audit.Writes {
		for k, v := range w {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "harvest:") && k != "key" {
				t.Fatalf("audit %s is %q: ids are numbers", k, s)
			}
		}
		if w["kind"] == "project" {
			if _, ok := w["harvest_id"].(float64); !ok {
				t.Errorf("a project's write has no numeric harvest_id: %v", w)
			}
		}
	}
}

// Failures: with --output json, stdout carries one error object and the exit status is what it
// is without; with --log-format json, the final error is a JSON log line at ERROR.
func TestE2EOutputErrors(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HARVEST2RUNN_WAREHOUSE": filepath.Join(t.TempDir(), "none.duckdb")}
	for _, tc := range []struct {
		args []string
		code int
		want string // the error's code
	}{
		{[]string{"status"}, exitUsage, "config"},
		{[]string{"audit"}, exitUsage, "config"},
		{[]string{"prune"}, exitUsage, "usage"},
		{[]string{"revert", "3"}, exitUsage, "usage"},
		{[]string{"sync"}, exitUsage, "usage"}, // no token: a configuration error
		{[]string{"extract", "--today", "tomorrow"}, exitUsage, "usage"},
		{[]string{"load", "--dry-run"}, exitFailed, "failed"},
		// Refused by the flag parser itself.
		{[]string{"sync", "--dryrun"}, exitUsage, "usage"},
		{[]string{"prune", "--keep", "abc"}, exitUsage, "usage"},
	} {
		r := runBin(t, vars, append(tc.args, "--output", "json")...)
		if r.code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, r.code, tc.code, r.stderr)
		}
		checkSchema(t, "error", []byte(r.stdout))
		var e struct {
			Error struct{ Code, Message string }
		}
		decodeOne(t, r.stdout, &e)
		if e.Error.Code != tc.want || e.Error.Message == "" || !strings.Contains(r.stderr, e.Error.Message) {
			t.Errorf("%v: error %+v, stderr %q", tc.args, e.Error, r.stderr)
		}
	}
	r := runBin(t, vars, "sync", "--log-format", "json")
	var line struct {
		Level      string `json:"level"`
		Msg        string `json:"msg"`
		Code       string `json:"code"`
		ExitStatus int    `json:"exit_status"`
	}
	if err := json.Unmarshal([]byte(lastLine(r.stderr)), &line); err != nil || line.Level != "ERROR" || line.ExitStatus != exitUsage ||
		!strings.Contains(line.Msg, "HARVEST_ACCESS_TOKEN") || r.code != exitUsage {
		t.Errorf("sync --log-format json: exit %d, last line %q (%v)", r.code, lastLine(r.stderr), err)
	}
}

// The demo's audit as JSON is under 2 MB: one item per write, each bulk body once.
func TestE2EOutputCompactAudit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.duckdb")
	if r := runBin(t, nil, "demo", "--warehouse", path, "--output", "json"); r.code != exitOK {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	} else {
		checkSchema(t, "demo", []byte(r.stdout))
	}
	vars := map[string]string{"HARVEST2RUNN_WAREHOUSE": path}
	r := runBin(t, vars, "audit", "--run", "1", "--output", "json")
	checkSchema(t, "audit", []byte(r.stdout))
	var a struct {
		Writes []struct {
			Kind          string `json:"kind"`
			MinutesAfter  *int64 `json:"minutes_after"`
			MinutesBefore *int64 `json:"minutes_before"`
			RequestID     *int64 `json:"request_id"`
		} `json:"writes"`
		Requests []struct {
			RequestID   int64 `json:"request_id"`
			WritesCount int   `json:"writes_count"`
		} `json:"requests"`
	}
	decodeOne(t, r.stdout, &a)
	if len(r.stdout) >= 2<<20 || len(a.Writes) < 1000 {
		t.Errorf("the demo's audit is %d bytes for %d writes, want under 2 MB", len(r.stdout), len(a.Writes))
	}
	bulk := 0
	for _, q := range a.Requests {
		if q.WritesCount > 1 {
			bulk++
		}
	}
	actuals := 0
	for _, w := range a.Writes {
		if w.Kind == "actual" && w.MinutesAfter != nil {
			actuals++
		}
	}
	if bulk == 0 || actuals == 0 || len(a.Requests) >= len(a.Writes) {
		t.Errorf("%d requests (%d bulk) for %d writes (%d actuals with minutes)", len(a.Requests), bulk, len(a.Writes), actuals)
	}
	// The second day rewrites actuals Runn held: before -> after.
	r = runBin(t, vars, "audit", "--run", "2")
	if !strings.Contains(r.stdout, " -> ") || !strings.Contains(r.stdout, "MINUTES") {
		t.Errorf("audit text lacks minutes before -> after:\n%s", r.stdout)
	}
}

// A sync that cannot start (another run holds the warehouse) prints the same error object as
// every other failure, with the exit status it has without --output json.
func TestE2EOutputBusySync(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 16, People: 4, Projects: 4, TimeEntries: 50}})
	if r := runBin(t, vars, "extract", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("extract: exit %d\n%s", r.code, r.stderr)
	}
	release := holdWarehouse(t, vars["HARVEST2RUNN_WAREHOUSE"])
	defer release()
	r := runBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	checkSchema(t, "error", []byte(r.stdout))
	var e struct {
		Error struct{ Code, Hint string }
	}
	decodeOne(t, r.stdout, &e)
	if r.code != exitFailed || e.Error.Code != "busy" || !strings.Contains(e.Error.Hint, "status") {
		t.Errorf("sync while the warehouse is held: exit %d %s", r.code, r.stdout)
	}
}
