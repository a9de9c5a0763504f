package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Issue 11: "did you mean" for a misspelt command or flag.
func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		typed   string
		choices []string
		want    string
	}{
		{"synk", commandNames(), " (did you mean sync?)"},
		{"--dryrun", []string{"--dry-run", "--today"}, " (did you mean --dry-run?)"},
		{"--DRY-RUN", []string{"--dry-run"}, " (did you mean --dry-run?)"},
		{"frobnicate", commandNames(), ""},
		{"--x", []string{"--dry-run"}, ""},
	} {
		if got := didYouMean(tc.typed, tc.choices); got != tc.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tc.typed, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"sync", "synk", 1}, {"status", "stauts", 2}, {"abc", "", 3}, {"kitten", "sitting", 3}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// Flag errors name the flag and what it takes, never a strconv message.
func TestExplainParseError(t *testing.T) {
	newFS := func() *pflag.FlagSet {
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		fs.SetOutput(nopWriter{})
		var keep []int64
		var days int
		var only onlyFlag
		fs.Int64SliceVar(&keep, "keep", nil, "pin")
		fs.IntVar(&days, "keep-days", 0, "days")
		only.register(fs, "kinds", "")
		fs.Bool("dry-run", false, "dry")
		return fs
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--keep", "abc"}, `--keep "abc": give a whole number, e.g. a run id`},
		{[]string{"--keep-days", "x"}, `--keep-days "x": give a whole number (DAYS)`},
		{[]string{"--keep-days"}, "--keep-days needs a value: give --keep-days DAYS"},
		{[]string{"--only", ""}, `--only "" is empty: give one or more of clients,projects,people,actuals`},
		{[]string{"--dryrun"}, "unknown flag: --dryrun (did you mean --dry-run?)"},
	} {
		fs := newFS()
		err := fs.Parse(tc.args)
		if err == nil {
			t.Fatalf("%v parsed", tc.args)
		}
		if got := explainParseError(fs, err); !strings.HasPrefix(got, tc.want) || strings.Contains(got, "strconv") {
			t.Errorf("%v: %q, want %q", tc.args, got, tc.want)
		}
	}
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// Help shows what a flag takes, not pflag's type names, and no sentinel default.
func TestFlagUsages(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var keep []int64
	var days, lookback int
	var w string
	fs.Int64SliceVar(&keep, "keep", nil, "pin this run")
	fs.IntVar(&days, "keep-days", -1, "keep the last N days (required)")
	fs.IntVar(&lookback, "lookback-days", 45, "re-read this many days")
	fs.StringVar(&w, "tz", "", "time zone (default: local)")
	fs.String("at", "", "time of `HH:MM`")
	got := flagUsages(fs)
	for _, want := range []string{"--keep RUN_ID", "--keep-days DAYS", "--lookback-days DAYS", "(default 45)", "--tz ZONE", "--at HH:MM", "time of HH:MM"} {
		if !strings.Contains(got, want) {
			t.Errorf("help lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"int64Slice", "(default -1)", "(default [])", "`"} {
		if strings.Contains(got, bad) {
			t.Errorf("help shows %q:\n%s", bad, got)
		}
	}
}

// Issue 11: each failure has a stable code, its exit status, and a hint.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
		exit int
	}{
		{usagef("--today %q is not a date", "x"), "usage", exitUsage},
		{fmt.Errorf("open: %w", warehouse.ErrNoWarehouse), "config", exitUsage},
		{&warehouse.BusyError{Path: "/w.duckdb"}, "busy", exitFailed},
		{fmt.Errorf("run 3: %w", load.ErrRejected), "rejected", exitRejected},
		{fmt.Errorf("load: %w", context.Canceled), "interrupted", exitFailed},
		{errors.New("Runn answered 500 for good"), "failed", exitFailed},
	} {
		f := classify("sync", tc.err)
		if f.code != tc.code || f.exit != tc.exit || f.message == "" || f.hint == "" {
			t.Errorf("%v: %+v, want code %s exit %d with a hint", tc.err, f, tc.code, tc.exit)
		}
	}
}

// A failure with --output json prints the error object when the command printed nothing, and
// nothing more when it printed its own document.
func TestReportJSON(t *testing.T) {
	for _, tc := range []struct {
		style reportStyle
		want  string
	}{
		{reportStyle{json: true}, `{"error":{"code":"usage","message":"bad <flag>","hint":"run 'harvest2runn sync --help' for its flags"}}` + "\n"},
		{reportStyle{}, ""},
	} {
		var out, errb strings.Builder
		code := report(&env{stdout: &out, stderr: &errb}, "sync", usagef("bad <flag>"), tc.style)
		if code != exitUsage || out.String() != tc.want || !strings.Contains(errb.String(), "bad <flag>") {
			t.Errorf("%+v: exit %d, stdout %q, stderr %q", tc.style, code, out.String(), errb.String())
		}
	}
	var errb strings.Builder
	report(&env{stdout: nopWriter{}, stderr: &errb}, "sync", usagef("no token"), reportStyle{logJSON: true})
	if !strings.Contains(errb.String(), `"level":"ERROR"`) || !strings.Contains(errb.String(), `"msg":"no token"`) {
		t.Errorf("--log-format json: %q", errb.String())
	}
}
