package main

// End-to-end tests of the command line a person expects (issue 11), through the real binary:
// did you mean, --version, every missing variable at once, flag errors, help, status's exit
// status, revert's confirmation, the demo's suggested commands, and progress on a terminal.

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
)

func TestE2ECLIDidYouMean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"synk"}, `unknown command "synk" (did you mean sync?)`},
		{[]string{"stauts"}, "(did you mean status?)"},
		{[]string{"sync", "--dryrun"}, "unknown flag: --dryrun (did you mean --dry-run?)"},
		{[]string{"audit", "--rnu", "3"}, "(did you mean --run?)"},
	} {
		r := runBin(t, nil, tc.args...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestE2ECLIVersion(t *testing.T) {
	t.Parallel()
	// The version stamped at build, as make build does it.
	dir := t.TempDir()
	bin := filepath.Join(dir, "h2r")
	build := exec.Command("go", "build", "-tags", "duckdb_arrow", "-ldflags", "-X main.version=v9.8.7-test -X main.commit=abc123", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := startCmd(t, exec.Command(bin, args...), nil).wait(t)
		if r.code != exitOK || !strings.Contains(r.stdout, "harvest2runn v9.8.7-test") || !strings.Contains(r.stdout, "commit abc123") ||
			!regexp.MustCompile(`go1\.\d+.*DuckDB v\d+\.\d+`).MatchString(r.stdout) {
			t.Errorf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	// Unstamped, it does not claim a release: "devel+<commit>" from a modified tree, Go's
	// pseudo-version v0.0.0-<time>-<commit> from a clean one.
	r := runBin(t, nil, "version", "--output", "json")
	checkSchema(t, "version", []byte(r.stdout))
	if !regexp.MustCompile(`"version":"(devel|v0\.0\.0-)`).MatchString(r.stdout) {
		t.Errorf("unstamped version: %s", r.stdout)
	}
}

func TestE2ECLIConfigurationInOneTry(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HARVEST2RUNN_WAREHOUSE": filepath.Join(t.TempDir(), "w.duckdb")}
	// With a warehouse given, and with nothing set at all (no account id: no default warehouse).
	for _, env := range []map[string]string{vars, {"HOME": t.TempDir()}} {
		r := runBin(t, env, "sync", "--dry-run")
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("exit %d %q", r.code, r.stderr)
		}
		for _, v := range []string{"HARVEST_ACCESS_TOKEN", "HARVEST_ACCOUNT_ID", "RUNN_API_TOKEN"} {
			if !strings.Contains(r.stderr, v) {
				t.Errorf("the one error line does not name %s: %q", v, r.stderr)
			}
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		// An empty shell variable must not mean every kind.
		{[]string{"sync", "--only", ""}, `--only "" is empty`},
		{[]string{"sync", "--only="}, `--only "" is empty`},
		{[]string{"prune", "--keep", "abc", "--keep-days", "3"}, `--keep "abc": give a whole number`},
		{[]string{"prune", "--keep-days", "soon"}, `--keep-days "soon": give a whole number (DAYS)`},
		{[]string{"audit", "--run"}, "--run needs a value: give --run RUN_ID"},
		{[]string{"schedule", "--dry-run"}, "unknown flag: --dry-run"},
	} {
		r := runBin(t, vars, tc.args...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "strconv") {
			t.Errorf("%v: exit %d %q, want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(vars["HARVEST2RUNN_WAREHOUSE"]); err == nil {
		t.Error("a usage error created the warehouse")
	}
}

// Help names what a flag takes, not pflag's types, shows no meaningless default, and lists
// only the flags the command accepts.
func TestE2ECLIHelp(t *testing.T) {
	t.Parallel()
	root := runBin(t, nil, "--help")
	if !strings.Contains(root.stdout, "HARVEST2RUNN_CONTACT") || !strings.Contains(root.stdout, "--version") {
		t.Errorf("root help:\n%s", root.stdout)
	}
	for _, c := range commands() {
		r := runBin(t, nil, c.name, "--help")
		_, flags, _ := strings.Cut(r.stdout, "\nFlags:\n")
		for _, bad := range []string{"int64Slice", "stringSlice", "strings ", "(default -1)", "(default [])", "--format"} {
			if strings.Contains(flags, bad) {
				t.Errorf("%s --help shows %q:\n%s", c.name, bad, flags)
			}
		}
		// Every flag listed is accepted: given alone it is never "unknown".
		for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?(--[\w-]+)`).FindAllStringSubmatch(flags, -1) {
			if m[1] == "--help" {
				continue
			}
			r := runBin(t, nil, c.name, m[1]+"=x")
			if strings.Contains(r.stderr, "unknown flag") || strings.Contains(r.stderr, "makes no sense") {
				t.Errorf("%s --help lists %s, which it refuses: %s", c.name, m[1], r.stderr)
			}
		}
	}
	st := runBin(t, nil, "status", "--help")
	if !strings.Contains(st.stdout, "Exit status:") || !strings.Contains(st.stdout, "1 when the last run failed") {
		t.Errorf("status --help does not document its exit status:\n%s", st.stdout)
	}
}

// status exits 1 after a failed run and 3 while rejected records are pending, and points to
// link --dry-run when the plan found possible duplicates.
func TestE2ECLIStatusExitStatus(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 13, People: 8, Projects: 10, TimeEntries: 200}})
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	path := vars["HARVEST2RUNN_WAREHOUSE"]
	if r := runBin(t, vars, "status"); r.code != exitOK || strings.Contains(r.stdout, "link --dry-run") {
		t.Fatalf("status after a good sync: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	testwarehouse.Tamper(t, path, `INSERT INTO audit.outcomes (outcome_id, write_id, status, error)
		SELECT 1000000, max(write_id), 'rejected', 'Runn says no' FROM audit.writes WHERE mode = 'apply'`)
	r := runBin(t, vars, "status")
	if r.code != exitRejected || !strings.Contains(r.stdout, "rejected records pending (run 1): 1") || !strings.Contains(lastLine(r.stderr), "pending") {
		t.Errorf("status with a pending rejection: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBin(t, vars, "status", "--output", "json")
	checkSchema(t, "status", []byte(r.stdout))
	if r.code != exitRejected {
		t.Errorf("status --output json with a pending rejection: exit %d", r.code)
	}
	testwarehouse.Tamper(t, path, `UPDATE meta.runs SET status = 'failed', error = 'Runn answered 500 for good' WHERE run_id = 1`)
	if r := runBin(t, vars, "status"); r.code != exitFailed || !strings.Contains(lastLine(r.stderr), "the last run (1, sync) failed") {
		t.Errorf("status after a failed run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	testwarehouse.Tamper(t, path, `INSERT INTO plan.rpt_possible_duplicates BY NAME SELECT 1 AS run_id`)
	if r := runBin(t, vars, "status"); !strings.Contains(r.stdout, "harvest2runn link --dry-run") {
		t.Errorf("status with a possible duplicate does not point to link:\n%s", r.stdout)
	}
}

// revert refuses without a terminal unless --yes, asks on one, and summarises.
func TestE2ECLIRevertConfirms(t *testing.T) {
	t.Parallel()
	_, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 14, People: 8, Projects: 10, TimeEntries: 300}})
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	before := writes(rsrv)
	r := runBin(t, vars, "revert", "1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "give --yes") || writes(rsrv) != before {
		t.Errorf("revert without a terminal: exit %d %q", r.code, r.stderr)
	}
	r = runBin(t, vars, "revert", "1", "--output", "json")
	if e := (struct{ Error struct{ Hint string } }{}); r.code != exitUsage || decodeInto(r.stdout, &e) != nil || !strings.Contains(e.Error.Hint, "--dry-run") {
		t.Errorf("revert --output json without a terminal: exit %d %s", r.code, r.stdout)
	}
	// On a terminal: no is no.
	p := startPTY(t, vars, "revert", "1")
	p.answer(t, "[y/N]", "n\n")
	if r := p.wait(t); r.code != exitFailed || !strings.Contains(r.stderr, "not confirmed: nothing was sent") || writes(rsrv) != before {
		t.Errorf("revert answered n: exit %d\n%s", r.code, r.stderr)
	}
	p = startPTY(t, vars, "revert", "1")
	p.answer(t, "[y/N]", "y\n")
	r = p.wait(t)
	if r.code != exitOK || writes(rsrv) == before {
		t.Fatalf("revert answered y: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "The next sync sends them again unless Harvest changed") ||
		!strings.Contains(r.stdout, "next sync: it sends these actuals again") || !strings.Contains(r.stdout, "list them with --verbose") ||
		strings.Count(r.stdout, "\n") > 20 {
		t.Errorf("revert's summary:\n%s", r.stdout)
	}
}

// The demo's suggested commands run when pasted where the demo ran, and what it leaves there
// is ignored by git.
func TestE2ECLIDemoSuggestions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(binary, "demo", "--people", "10", "--projects", "20")
	cmd.Dir = dir
	r := startCmd(t, cmd, nil).wait(t)
	if r.code != exitOK {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	_, try, _ := strings.Cut(r.stdout, "Try these")
	var lines []string
	for _, l := range strings.Split(try, "\n")[1:] {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, binary+" ") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 4 {
		t.Fatalf("the demo suggests %d commands:\n%s", len(lines), r.stdout)
	}
	for _, l := range lines {
		sh := exec.Command("sh", "-c", l)
		sh.Dir = dir
		if out := startCmd(t, sh, nil).wait(t); out.code != exitOK {
			t.Errorf("pasted %q: exit %d\n%s", l, out.code, out.stderr)
		}
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git to ask what it ignores")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/x"
		}
		check := exec.Command("git", "check-ignore", "-q", "--no-index", name)
		check.Dir = "../.."
		if err := check.Run(); err != nil {
			t.Errorf("git does not ignore the demo's %s in the repository root (%v)", name, err)
		}
	}
}

// On a terminal, extract shows pages per listing with Harvest's totals, redrawn as they land,
// and transform its models; without one, only log lines.
func TestE2ECLIProgressOnTerminal(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 15, People: 10, Projects: 20, TimeEntries: 2000},
		perPage: 100, runnLatency: 40 * time.Millisecond})
	p := startPTY(t, vars, "extract", "--today", "2025-06-27", "--full-history")
	r := p.wait(t)
	if r.code != exitOK {
		t.Fatalf("extract on a terminal: exit %d\n%s", r.code, r.stderr)
	}
	frames := strings.Count(r.stderr, "\rextract ")
	if frames < 2 || !regexp.MustCompile(`harvest: \w+ \d+/\d+ pages`).MatchString(r.stderr) ||
		!regexp.MustCompile(`runn: \w+ page \d+`).MatchString(r.stderr) || strings.Contains(r.stderr, "level=INFO") {
		t.Errorf("extract's progress: %d frames\n%q", frames, r.stderr)
	}
	p = startPTY(t, vars, "transform")
	if r := p.wait(t); r.code != exitOK || !regexp.MustCompile(`\rtransform 0/\d+ models, running staging\.`).MatchString(r.stderr) {
		t.Errorf("transform's progress: exit %d\n%q", r.code, r.stderr)
	}
	plain := runBin(t, vars, "extract", "--today", "2025-06-27")
	if plain.code != exitOK || strings.Contains(plain.stderr, "\r") || !strings.Contains(plain.stderr, "level=INFO") {
		t.Errorf("extract without a terminal: exit %d\n%q", plain.code, plain.stderr)
	}
}

// ptyBin is the binary started with stdin and stderr on a pseudo-terminal, stdout captured.
type ptyBin struct {
	cmd    *exec.Cmd
	ptmx   *os.File
	term   *testkit.SyncBuffer
	stdout *testkit.SyncBuffer
	read   chan struct{}
}

func startPTY(t *testing.T, vars map[string]string, args ...string) *ptyBin {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"TZ=UTC", "TERM=xterm"}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &ptyBin{cmd: cmd, ptmx: ptmx, term: &testkit.SyncBuffer{}, stdout: &testkit.SyncBuffer{}, read: make(chan struct{})}
	cmd.Stdin, cmd.Stderr, cmd.Stdout = tty, tty, p.stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	go func() {
		_, _ = io.Copy(p.term, ptmx)
		close(p.read)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		ptmx.Close()
	})
	return p
}

// answer waits for prompt on the terminal, then types line.
func (p *ptyBin) answer(t *testing.T, prompt, line string) {
	t.Helper()
	waitFor(t, "the prompt "+prompt, time.Minute, func() bool { return strings.Contains(p.term.String(), prompt) })
	if _, err := p.ptmx.WriteString(line); err != nil {
		t.Fatal(err)
	}
}

// wait waits for the binary to exit; stderr is what the terminal showed.
func (p *ptyBin) wait(t *testing.T) result {
	t.Helper()
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	<-p.read
	return result{code: p.cmd.ProcessState.ExitCode(), stdout: p.stdout.String(), stderr: p.term.String()}
}

// decodeInto decodes s as one JSON value.
func decodeInto(s string, v any) error { return json.Unmarshal([]byte(s), v) }
