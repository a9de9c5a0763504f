package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// Issue 9: the default warehouse is one per Harvest account and user, in the state folder, not
// one per working folder.
func TestDefaultPathFor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account string
		env     map[string]string
		want    string // the path, or what the error says
		isErr   bool
	}{
		{"XDG_STATE_HOME", "123", map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"}, "/state/harvest2runn/123.duckdb", false},
		{"HOME when XDG_STATE_HOME is unset", "123", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/harvest2runn/123.duckdb", false},
		{"a relative XDG_STATE_HOME is ignored", "123", map[string]string{"XDG_STATE_HOME": "state", "HOME": "/home/u"}, "/home/u/.local/state/harvest2runn/123.duckdb", false},
		{"no account id", "", map[string]string{"HOME": "/home/u"}, "set HARVEST_ACCOUNT_ID", true},
		{"an account id that is not a number", "../x", map[string]string{"HOME": "/home/u"}, "is not a number", true},
		{"no home", "123", map[string]string{}, "neither XDG_STATE_HOME nor HOME", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DefaultPathFor(tc.account, envOf(tc.env))
			var ce *ConfigError
			switch {
			case tc.isErr && (!errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--warehouse")):
				t.Errorf("error %v; want a *ConfigError with %q and --warehouse", err, tc.want)
			case !tc.isErr && (err != nil || got != tc.want):
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// Issue 9: configuration mistakes are *ConfigError (exit 2), not failures of the run.
func TestCheckPath(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "not", "there")
	for _, tc := range []struct {
		name, path string
		create     bool
		want       string
	}{
		{"a folder", dir, false, "is a folder"},
		{"a folder that does not exist", filepath.Join(missing, "w.duckdb"), false, "does not exist"},
		{"a file in a folder", filepath.Join(dir, "w.duckdb"), false, ""},
	} {
		err := CheckPath(tc.path, tc.create)
		var ce *ConfigError
		if tc.want == "" && err != nil || tc.want != "" && (!errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
	// The default warehouse's folder is harvest2runn's own: created, for its user only.
	if err := CheckPath(filepath.Join(missing, "w.duckdb"), true); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(missing); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("created folder: %v %v; want mode 0700", st.Mode(), err)
	}
}

// Issue 9: files an older version created readable by everyone are made private on open.
func TestOpenMakesTheWarehousePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := openTemp(t, path)
	if err := os.MkdirAll(w.PagesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(w.PagesDir(), "harvest-extract-1.json.zst")
	if err := os.WriteFile(page, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for p, m := range map[string]os.FileMode{path: 0o644, path + ".lock": 0o644, w.PagesDir(): 0o755, page: 0o644} {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	openTemp(t, path)
	for p, want := range map[string]os.FileMode{path: 0o600, path + ".lock": 0o600, w.PagesDir(): 0o700, page: 0o600} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %#o", p, st.Mode().Perm(), err, want)
		}
	}
}

// Issue 9: a warehouse of a newer harvest2runn is a configuration mistake, before and at Open.
func TestNewerSchemaIsAConfigError(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := openTemp(t, path)
	if _, err := w.DB.Exec(`INSERT INTO meta.schema_migrations (version, name) VALUES (999, 'future')`); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var ce *ConfigError
	if err := CheckVersion(ctx, path); !errors.As(err, &ce) || !strings.Contains(err.Error(), "schema version 999") {
		t.Errorf("CheckVersion: %v", err)
	}
	if _, err := Open(ctx, path, Options{}); !errors.As(err, &ce) || !strings.Contains(err.Error(), "upgrade harvest2runn") {
		t.Errorf("Open: %v", err)
	}
	if err := CheckVersion(ctx, filepath.Join(t.TempDir(), "new.duckdb")); err != nil {
		t.Errorf("CheckVersion of a warehouse still to create: %v", err)
	}
}

// Issue 9: a reader cannot write, nor reach files, the network or extensions, nor change that.
func TestReaderIsSandboxed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	if err := openTemp(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, q := range []string{
		"COPY (SELECT 1) TO '" + path + "'",
		"SELECT * FROM read_text('/etc/passwd')",
		"INSTALL httpfs",
		"SET enable_external_access = true",
		"CREATE TABLE meta.mine (x INT)",
	} {
		_, err := r.DB.ExecContext(ctx, q)
		var de *duckdb.Error
		if !errors.As(err, &de) || de.Type != duckdb.ErrorTypePermission && de.Type != duckdb.ErrorTypeInvalidInput {
			t.Errorf("%s: %v; want a Permission or Invalid Input error", q, err)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil || string(after) != string(before) {
		t.Errorf("the warehouse file changed under a reader (%v)", err)
	}
	var n int
	if err := r.DB.GetContext(ctx, &n, `SELECT count(*) FROM meta.schema_migrations`); err != nil || n == 0 {
		t.Errorf("reading the warehouse itself: %d %v", n, err)
	}
}

// Issue 9: DuckDB's checkpoint on close swallowed its errors, so past a file-size limit (a full
// disk) runs succeeded with their data only in the WAL. Close checkpoints and says it failed.
// The limit applies to the whole process, so a child (this test binary again) runs under it.
func TestCloseReportsAFailedCheckpoint(t *testing.T) {
	if path := os.Getenv("WAREHOUSE_TEST_FSIZE"); path != "" {
		closeUnderFileSizeLimit(path)
		return
	}
	path := filepath.Join(t.TempDir(), "w.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCloseReportsAFailedCheckpoint$")
	cmd.Env = append(os.Environ(), "WAREHOUSE_TEST_FSIZE="+path)
	out, err := cmd.CombinedOutput()
	t.Logf("child: %v", err)
	if !strings.Contains(string(out), "close: the warehouse could not be written: ") || !strings.Contains(string(out), "WriteError true") {
		t.Fatalf("Close past the file-size limit:\n%s", out)
	}
	if _, err := os.Stat(path + ".wal"); err != nil {
		t.Errorf("what could not be checkpointed is not in the WAL: %v", err)
	}
	// With room again, the next Open finds it.
	w := openTemp(t, path)
	var n int
	if err := w.DB.Get(&n, `SELECT count(*) FROM meta.runs`); err != nil || n != 1 {
		t.Errorf("runs after the failed checkpoint: %d %v; want 1", n, err)
	}
}

func closeUnderFileSizeLimit(path string) {
	// As in main: a write past the limit fails with EFBIG instead of the signal killing the
	// process (Go ignores SIGXFSZ on its own threads, not on DuckDB's).
	signal.Ignore(syscall.SIGXFSZ)
	lim := syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		os.Stdout.WriteString("setrlimit: " + err.Error())
		os.Exit(1)
	}
	w, err := Open(context.Background(), path, Options{Holder: "child"})
	if err != nil {
		os.Stdout.WriteString("open: " + err.Error())
		os.Exit(1)
	}
	if _, err := w.StartRun(context.Background(), "sync", time.Now(), nil); err != nil {
		os.Stdout.WriteString("start run: " + err.Error())
		os.Exit(1)
	}
	err = w.Close()
	var we *WriteError
	os.Stdout.WriteString(fmt.Sprintf("close: %v\nWriteError %v\n", err, errors.As(err, &we)))
	os.Exit(0)
}
