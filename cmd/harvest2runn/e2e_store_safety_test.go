package main

// End-to-end tests of where the warehouse lives and how it is kept (issue 9): one warehouse per
// Harvest account and user, private files whatever the umask, a warehouse that cannot be written
// fails the run, `query` cannot write or reach outside the warehouse, and the configuration
// mistakes around the warehouse exit 2 with one line.

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// shellBin runs the binary through sh, for what only a shell sets up before it starts: the umask
// and the file-size limit. script runs with "$H2R" naming the binary.
func shellBin(t *testing.T, vars map[string]string, dir, script string) *bin {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = dir
	withBinary := without(vars)
	withBinary["H2R"] = binary
	return startCmd(t, cmd, withBinary)
}

// without is vars less the keys given.
func without(vars map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for k, v := range vars {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// defaultWarehouseVars are vars with the default warehouse: HARVEST2RUNN_WAREHOUSE unset and
// the user's state folder in a temp folder. It returns where the warehouse must be.
func defaultWarehouseVars(t *testing.T, vars map[string]string) (map[string]string, string) {
	t.Helper()
	state := t.TempDir()
	out := without(vars, "HARVEST2RUNN_WAREHOUSE")
	out["XDG_STATE_HOME"] = state
	return out, filepath.Join(state, "harvest2runn", testAccount+".duckdb")
}

// duplicates lists the Harvest references Runn carries on more than one record of a kind.
func duplicates(st *runntest.State) []string {
	var out []string
	count := func(kind string, refs [][]runn.Reference) {
		n := map[string]int{}
		for _, rs := range refs {
			for _, r := range rs {
				n[r.ReferenceName+"/"+r.ExternalID]++
			}
		}
		for ref, c := range n {
			if c > 1 {
				out = append(out, fmt.Sprintf("%s %s ×%d", kind, ref, c))
			}
		}
	}
	var people, clients, projects [][]runn.Reference
	for _, p := range st.People {
		people = append(people, p.References)
	}
	for _, c := range st.Clients {
		clients = append(clients, c.References)
	}
	for _, p := range st.Projects {
		projects = append(projects, p.References)
	}
	count("person", people)
	count("client", clients)
	count("project", projects)
	return out
}

// Issue 9: two syncs from two working folders, HARVEST2RUNN_WAREHOUSE unset, used two warehouses
// and two locks, and created records twice. The default warehouse is one per Harvest account and
// user: the runs share it (one waits its turn or is refused as busy), and nothing is created twice.
func TestE2EStoreSafetyOneWarehousePerAccount(t *testing.T) {
	t.Parallel()
	_, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 4, People: 12, Projects: 12, TimeEntries: 300},
		runnLatency: 5 * time.Millisecond})
	vars, want := defaultWarehouseVars(t, vars)

	// Two at once, each from a folder of its own (startBin starts each in a new temp folder).
	a := startBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	b := startBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	ra, rb := a.wait(t), b.wait(t)
	ok := 0
	for _, r := range []result{ra, rb} {
		switch {
		case r.code == exitOK:
			ok++
		case r.code == exitFailed && strings.Contains(r.stderr, "is in use by"):
		default:
			t.Errorf("concurrent sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
	if ok == 0 {
		t.Errorf("neither concurrent sync succeeded:\n%s\n%s", ra.stderr, rb.stderr)
	}
	if d := duplicates(rsrv.State()); len(d) > 0 {
		t.Errorf("two syncs from two folders created records twice: %v", d)
	}

	// A third, from yet another folder, is a run of the same warehouse.
	r := runBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	var third struct {
		syncJSON
		Warehouse string `json:"warehouse"`
	}
	decodeOne(t, r.stdout, &third)
	if r.code != exitOK || third.Warehouse != want || third.RunID != int64(ok)+1 {
		t.Errorf("third sync: exit %d, run %d in %s; want run %d in %s\n%s", r.code, third.RunID, third.Warehouse, ok+1, want, r.stderr)
	}
	if d := duplicates(rsrv.State()); len(d) > 0 {
		t.Errorf("records created twice: %v", d)
	}
	st := runBin(t, vars, "status")
	if st.code != exitOK || !strings.Contains(st.stdout, want) {
		t.Errorf("status does not show the default warehouse %s: exit %d\n%s%s", want, st.code, st.stdout, st.stderr)
	}
	for _, cmd := range []string{"sync", "query"} {
		help := runBin(t, nil, cmd, "--help")
		if !strings.Contains(help.stdout, "$XDG_STATE_HOME/harvest2runn/<HARVEST_ACCOUNT_ID>.duckdb") {
			t.Errorf("%s --help does not say where the warehouse is:\n%s", cmd, help.stdout)
		}
	}
}

// modeOf is the permission bits of path, or an error naming it.
func modeOf(path string) (fs.FileMode, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Mode().Perm(), nil
}

// Issue 9: the warehouse, its page files and folder were created 0644/0755, so any local user
// read emails and cost rates. Under umask 0 every file is 0600 and every folder 0700, the WAL
// while the run writes it included; files an older version left open are made private.
func TestE2EStoreSafetyPrivateFiles(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 5, People: 8, Projects: 8, TimeEntries: 200},
		runnLatency: 5 * time.Millisecond})
	vars, path := defaultWarehouseVars(t, vars)

	b := shellBin(t, vars, t.TempDir(), `umask 0; exec "$H2R" sync --today 2025-06-27`)
	// The WAL lives only while the run writes: look at it then.
	stop := make(chan struct{})
	seen := make(chan fs.FileMode, 1)
	go func() {
		for {
			if m, err := modeOf(path + ".wal"); err == nil {
				seen <- m
				return
			}
			select {
			case <-stop:
				close(seen)
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	r := b.wait(t)
	close(stop)
	walMode, walSeen := <-seen
	if r.code != exitOK {
		t.Fatalf("sync under umask 0: exit %d\n%s", r.code, r.stderr)
	}
	if !walSeen {
		t.Error("no WAL seen while the sync ran")
	} else if walMode != 0o600 {
		t.Errorf("WAL %s.wal has mode %#o, want 0600", path, walMode)
	}

	pages, _ := filepath.Glob(filepath.Join(path+".pages", "*"))
	if len(pages) == 0 {
		t.Fatalf("no page files in %s.pages", path)
	}
	check := func(when string) {
		t.Helper()
		want := map[string]fs.FileMode{filepath.Dir(path): 0o700, path: 0o600, path + ".lock": 0o600, path + ".pages": 0o700}
		for _, p := range pages {
			want[p] = 0o600
		}
		for p, m := range want {
			got, err := modeOf(p)
			if err != nil || got != m {
				t.Errorf("%s: %s has mode %#o (%v), want %#o", when, p, got, err, m)
			}
		}
	}
	check("created under umask 0")

	// A warehouse an older version left readable by everyone is made private when opened.
	for p, m := range map[string]fs.FileMode{filepath.Dir(path): 0o755, path: 0o644, path + ".lock": 0o644, path + ".pages": 0o755} {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range pages {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r = shellBin(t, vars, t.TempDir(), `umask 0; exec "$H2R" prune --keep-days 30`).wait(t)
	if r.code != exitOK {
		t.Fatalf("prune: exit %d\n%s", r.code, r.stderr)
	}
	check("opened again")

	// A warehouse chosen with HARVEST2RUNN_WAREHOUSE is as private; its folder is the user's.
	other := filepath.Join(t.TempDir(), "w.duckdb")
	r = shellBin(t, with(vars, "HARVEST2RUNN_WAREHOUSE", other), t.TempDir(), `umask 0; exec "$H2R" sync --today 2025-06-27`).wait(t)
	if r.code != exitOK {
		t.Fatalf("sync into %s under umask 0: exit %d\n%s", other, r.code, r.stderr)
	}
	otherPages, _ := filepath.Glob(filepath.Join(other+".pages", "*"))
	want := map[string]fs.FileMode{other: 0o600, other + ".lock": 0o600, other + ".pages": 0o700}
	for _, p := range otherPages {
		want[p] = 0o600
	}
	for p, m := range want {
		if got, err := modeOf(p); err != nil || got != m {
			t.Errorf("HARVEST2RUNN_WAREHOUSE under umask 0: %s has mode %#o (%v), want %#o", p, got, err, m)
		}
	}
}

// Issue 9: with a file-size limit (as on a full disk) nightly runs exited 0 while the database
// file stayed at the limit and the data lived only in the WAL. The checkpoint that fails now fails
// the run, and the next run, with room again, finds everything the failed one recorded.
func TestE2EStoreSafetyFailedWrite(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 2, People: 5, Projects: 5, TimeEntries: 100}})
	path := vars["HARVEST2RUNN_WAREHOUSE"]
	// 4096 blocks of 512 bytes (sh's unit; bash's is 1024): the WAL of this small account fits,
	// the checkpointed file (DuckDB allocates it in blocks of 256 KiB, several MiB here) does not.
	r := shellBin(t, vars, t.TempDir(), `ulimit -f 4096; exec "$H2R" sync --today 2025-06-27`).wait(t)
	if r.code != exitFailed || strings.Count(r.stderr, "\n") < 1 || !strings.Contains(lastLine(r.stderr), "the warehouse could not be written: ") ||
		!strings.Contains(r.stderr, "File too large") {
		t.Fatalf("sync past the file-size limit: exit %d; want 1 and \"the warehouse could not be written: ...\"\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(path + ".wal"); err != nil {
		t.Fatalf("the failed run's records are not in the WAL: %v", err)
	}
	r = runBin(t, vars, "sync", "--today", "2025-06-27", "--output", "json")
	var res syncJSON
	decodeOne(t, r.stdout, &res)
	if r.code != exitOK || res.RunID != 2 {
		t.Errorf("the next sync with room: exit %d, run %d; want 0 and run 2 (run 1 kept from the WAL)\n%s", r.code, res.RunID, r.stderr)
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// docQueries are the SQL blocks of docs/warehouse.md, the analysts' guide.
func docQueries(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "warehouse.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out []string
		cur []string
		in  bool
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "```sql":
			in, cur = true, nil
		case in && line == "```":
			in = false
			out = append(out, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	if len(out) == 0 {
		t.Fatal("no SQL blocks in docs/warehouse.md")
	}
	return out
}

// Issue 9: `query`, documented as read-only, ran COPY ... TO over the warehouse file itself and
// over a page file; read_text('/etc/...') worked; INSTALL tried to download. Now each is refused
// with one line and exit 1, as any statement that fails, the files stay as they were, and every documented query still works.
func TestE2EStoreSafetyQueryRefusals(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 6, People: 8, Projects: 8, TimeEntries: 200}})
	path := vars["HARVEST2RUNN_WAREHOUSE"]
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	pages, _ := filepath.Glob(filepath.Join(path+".pages", "*"))
	if len(pages) == 0 {
		t.Fatal("no page files")
	}
	page := pages[0]
	sums := map[string][32]byte{path: fileSum(t, path), page: fileSum(t, page)}
	outside := filepath.Join(t.TempDir(), "out.csv")
	for _, q := range []string{
		"COPY (SELECT 1) TO '" + path + "'",
		"COPY (SELECT 1) TO '" + page + "' (FORMAT csv)",
		"COPY meta.runs TO '" + outside + "'",
		"EXPORT DATABASE '" + filepath.Dir(outside) + "'",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_csv('/etc/passwd')",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET enable_external_access = true",
		"ATTACH '" + filepath.Join(t.TempDir(), "other.duckdb") + "' AS other",
		"SELECT 1; COPY (SELECT 1) TO '" + outside + "'",
		"CREATE TABLE meta.mine AS SELECT 1 AS x",
	} {
		r := runBin(t, vars, "query", q)
		if r.code != exitFailed || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
			!strings.Contains(r.stderr, "query is read-only and cannot reach outside the warehouse: ") {
			t.Errorf("query %q: exit %d, stdout %q, stderr %q; want exit 1 and one line saying it is refused", q, r.code, r.stdout, r.stderr)
		}
	}
	for p, sum := range sums {
		if fileSum(t, p) != sum {
			t.Errorf("%s changed under query", p)
		}
	}
	if _, err := os.Stat(outside); err == nil {
		t.Errorf("query wrote %s", outside)
	}

	queries := append(docQueries(t),
		"SELECT count(*) FROM analytics.planned_writes",
		"SELECT count(*) FROM analytics.excluded_time",
		"SELECT count(*) FROM analytics.minutes_by_week")
	for _, q := range queries {
		if r := runBin(t, vars, "query", q, "--format", "csv"); r.code != exitOK {
			t.Errorf("documented query fails: exit %d %s\n%s", r.code, r.stderr, q)
		}
	}
	if r := runBin(t, vars, "report", "discrepancies"); r.code != exitOK {
		t.Errorf("report discrepancies: exit %d %s", r.code, r.stderr)
	}
}

// unwritableFolder is a folder the binary started by runAsOther cannot write, and the binary
// runAsOther can start: as root, the binary runs as nobody, since root writes anywhere.
func unwritableFolder(t *testing.T) (dir string, runAs func(vars map[string]string, args ...string) result) {
	t.Helper()
	base, err := os.MkdirTemp("", "h2r-unwritable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(base, "ro"), 0o755); _ = os.RemoveAll(base) })
	dir = filepath.Join(base, "ro")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := binary
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		// nobody can neither enter the test's private temp folders nor write a folder of root's.
		exe = filepath.Join(base, "harvest2runn")
		b, err := os.ReadFile(binary)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
	} else if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	return dir, func(vars map[string]string, args ...string) result {
		cmd := exec.Command(exe, args...)
		cmd.Dir = base
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		return startCmd(t, cmd, vars).wait(t)
	}
}

// Issue 9: configuration mistakes around the warehouse exited 1 (or, for a huge --keep-days,
// printed half a summary then a DuckDB conversion error). Each exits 2 with one line that says
// what to do, and prints nothing on stdout.
func TestE2EStoreSafetyConfigurationMistakes(t *testing.T) {
	t.Parallel()
	_, _, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 7, People: 5, Projects: 5, TimeEntries: 100}})
	path := vars["HARVEST2RUNN_WAREHOUSE"]
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync: exit %d\n%s", r.code, r.stderr)
	}
	future := filepath.Join(t.TempDir(), "future.duckdb")
	testwarehouse.Tamper(t, future, "INSERT INTO meta.schema_migrations (version, name) VALUES (999, 'from_the_future')")
	folder := t.TempDir()
	noDefault := without(vars, "HARVEST2RUNN_WAREHOUSE", "HARVEST_ACCOUNT_ID")
	noDefault["XDG_STATE_HOME"] = t.TempDir()

	one := func(name string, r result, want ...string) {
		t.Helper()
		ok := r.code == exitUsage && r.stdout == "" && strings.Count(r.stderr, "\n") == 1
		for _, w := range want {
			ok = ok && strings.Contains(r.stderr, w)
		}
		if !ok {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", name, r.code, r.stdout, r.stderr, want)
		}
	}
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
		want []string
	}{
		{"no account id for the default warehouse: status", noDefault, []string{"status"}, []string{"set HARVEST_ACCOUNT_ID", "--warehouse"}},
		{"no account id for the default warehouse: query", noDefault, []string{"query", "SELECT 1"}, []string{"set HARVEST_ACCOUNT_ID", "--warehouse"}},
		{"no account id for the default warehouse: report", noDefault, []string{"report", "discrepancies"}, []string{"set HARVEST_ACCOUNT_ID", "--warehouse"}},
		{"no account id for the default warehouse: prune", noDefault, []string{"prune", "--keep-days", "30"}, []string{"set HARVEST_ACCOUNT_ID", "--warehouse"}},
		{"no account id for the default warehouse: audit", noDefault, []string{"audit"}, []string{"set HARVEST_ACCOUNT_ID", "--warehouse"}},
		{"warehouse is a folder: sync", with(vars, "HARVEST2RUNN_WAREHOUSE", folder), []string{"sync", "--today", "2025-06-27"}, []string{"is a folder"}},
		{"warehouse is a folder: prune", with(vars, "HARVEST2RUNN_WAREHOUSE", folder), []string{"prune", "--keep-days", "30"}, []string{"is a folder"}},
		{"warehouse is a folder: query", with(vars, "HARVEST2RUNN_WAREHOUSE", folder), []string{"query", "SELECT 1"}, []string{"is a folder"}},
		{"schema newer than this binary: prune", with(vars, "HARVEST2RUNN_WAREHOUSE", future), []string{"prune", "--keep-days", "30"}, []string{"schema version 999", "upgrade harvest2runn"}},
		{"schema newer than this binary: sync", with(vars, "HARVEST2RUNN_WAREHOUSE", future), []string{"sync", "--today", "2025-06-27"}, []string{"schema version 999", "upgrade harvest2runn"}},
		{"prune --keep of no run", vars, []string{"prune", "--keep-days", "30", "--keep", "999"}, []string{"no run 999"}},
		{"huge --keep-days", vars, []string{"prune", "--keep-days", "99999999999"}, []string{"--keep-days 99999999999 is out of range"}},
	} {
		one(tc.name, runBin(t, tc.vars, tc.args...), tc.want...)
	}
	// Nothing pinned by the refused --keep.
	if r := runBin(t, vars, "query", "SELECT count(*) AS n FROM meta.pinned_runs", "--format", "csv"); r.code != exitOK || r.stdout != "n\n0\n" {
		t.Errorf("pinned runs after a refused --keep: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}

	dir, runAs := unwritableFolder(t)
	ro := with(vars, "HARVEST2RUNN_WAREHOUSE", filepath.Join(dir, "w.duckdb"))
	one("unwritable warehouse folder: sync", runAs(ro, "sync", "--today", "2025-06-27"), "cannot be written")
	one("unwritable warehouse folder: prune", runAs(ro, "prune", "--keep-days", "30"), "cannot be written")
}
