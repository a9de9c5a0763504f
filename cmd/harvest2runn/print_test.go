package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/transform"
)

// The flags that take one of a few values say which, in the words the commands always used.
func TestOneOfMessages(t *testing.T) {
	for _, c := range []struct {
		flag, value string
		choices     []string
		want        string
	}{
		{"--output", "text", []string{"text", "json"}, ""},
		{"--output", "xml", []string{"text", "json"}, `--output "xml": use text or json`},
		{"--format", "xml", []string{"table", "csv", "json"}, `--format "xml": use table, csv or json`},
		{"--source", "jira", []string{"harvest", "runn"}, `--source "jira": use harvest or runn`},
	} {
		err := oneOf(c.flag, c.value, c.choices...)
		if got := errText(err); got != c.want {
			t.Errorf("oneOf(%s %q) = %q, want %q", c.flag, c.value, got, c.want)
		}
	}
}

// --only is checked in one place against transform.Kinds; import also refuses actuals.
func TestOnlyKinds(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"every kind", onlyFlag(transform.Kinds).check(), ""},
		{"none", onlyFlag(nil).check(), ""},
		{"unknown", onlyFlag{"people", "timesheets"}.check(), `--only "timesheets": use any of clients,projects,people,actuals`},
		{"import people", checkImport([]string{"people"}), ""},
		{"import actuals", checkImport([]string{"clients", "actuals"}),
			`cannot import "actuals": give clients, projects or people (actuals come with harvest2runn sync)`},
	} {
		if got := errText(c.err); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// R9: the time not sent prints from one printer in sync, transform and replay (largest reason
// first, as the plan shows it) and status, each reason naming its cause and rule.
func TestExclusionsBlock(t *testing.T) {
	xs := func() []transform.ExclusionSum {
		return []transform.ExclusionSum{{Reason: "timer still running, sent once stopped (R9)", Entries: 1, Minutes: 30},
			{Reason: "role Unknown in Runn, blocked until it is fixed there (R8)", Entries: 3, Minutes: 125}}
	}
	largestFirst := "Not sent (R9): 2 h 35 min in 4 entries\n" +
		"      2 h 05 min      3 entries  role Unknown in Runn, blocked until it is fixed there (R8)\n" +
		"      0 h 30 min      1 entries  timer still running, sent once stopped (R9)\n"
	var b bytes.Buffer
	_ = printSync(&b, "text", pipelines.SyncResult{Exclusions: xs()})
	want := "  not sent (R9): 2 h 35 min in 4 entries\n" +
		"        0 h 30 min      1 entries  timer still running, sent once stopped (R9)\n" +
		"        2 h 05 min      3 entries  role Unknown in Runn, blocked until it is fixed there (R8)\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("sync:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	_ = printTransform(&b, "text", pipelines.TransformResult{Plan: &pipelines.Plan{Exclusions: xs()}}, showFlag{})
	if !strings.Contains(b.String(), largestFirst) {
		t.Errorf("transform:\n%s\nwant\n%s", b.String(), largestFirst)
	}
	b.Reset()
	printStatus(&b, pipelines.StatusResult{ExclusionsRun: 4, Exclusions: xs()}, time.Time{})
	want = "  excluded time in run 4's plan (R9): 2 h 35 min\n" +
		"        0 h 30 min      1 entries  timer still running, sent once stopped (R9)\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("status:\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	_ = printReplay(&b, "text", pipelines.ReplayResult{Plan: &pipelines.Plan{Exclusions: xs()}}, showFlag{})
	if !strings.Contains(b.String(), largestFirst) {
		t.Errorf("replay:\n%s\nwant\n%s", b.String(), largestFirst)
	}
}
