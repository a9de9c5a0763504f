package warehouse

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func openTemp(t *testing.T, path string) *Warehouse {
	t.Helper()
	w, err := Open(context.Background(), path, Options{Holder: "test"})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestMigrationsApplyOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := openTemp(t, path)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := w.DB.Get(&n, `SELECT count(*) FROM meta.schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Fatalf("applied %d migrations, want %d", n, len(ms))
	}
	w.Close()

	w2 := openTemp(t, path)
	if err := w2.DB.Get(&n, `SELECT count(*) FROM meta.schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Fatalf("after reopen: %d migration rows, want %d (each applied once)", n, len(ms))
	}
}

func TestRunRegistry(t *testing.T) {
	w := openTemp(t, filepath.Join(t.TempDir(), "w.duckdb"))
	ctx := context.Background()
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	r, err := w.StartRun(ctx, "extract", today, map[string]any{"lookback_days": 45})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != 1 || r.Status != RunRunning || r.Kind != "extract" {
		t.Fatalf("StartRun = %+v", r)
	}
	info, err := ReadLockInfo(w.Path())
	if err != nil || info.RunID != r.ID || info.Kind != "extract" {
		t.Fatalf("lock info = %+v, %v; want run %d", info, err, r.ID)
	}
	if err := w.FinishRun(ctx, r.ID, RunFailed, errors.New("boom")); err != nil {
		t.Fatal(err)
	}
	got, err := w.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != RunFailed || got.Error.String != "boom" || !got.FinishedAt.Valid {
		t.Fatalf("finished run = %+v", got)
	}
	if got.Today.Time.Format(time.DateOnly) != "2026-11-25" || !strings.Contains(got.Options.String, `"lookback_days":45`) {
		t.Fatalf("today/options not kept: %+v", got)
	}
	if _, err := w.GetRun(ctx, 99); err == nil || !strings.Contains(err.Error(), "no run 99") {
		t.Fatalf("GetRun(99) error = %v", err)
	}
}

func TestSecondOpenIsRefusedWithRunInfo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := openTemp(t, path)
	if _, err := w.StartRun(context.Background(), "sync", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if err := w.SetStage("load"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{})
	var busy *BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("second Open error = %v, want *BusyError", err)
	}
	msg := err.Error()
	for _, want := range []string{"in use by run 1 since", "stage load", "--warehouse"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "DuckDB") || strings.Contains(msg, "Conflicting lock") {
		t.Errorf("message leaks DuckDB's lock error: %q", msg)
	}
}

func TestTwoWarehousesAtOnce(t *testing.T) {
	dir := t.TempDir()
	a := openTemp(t, filepath.Join(dir, "a.duckdb"))
	b := openTemp(t, filepath.Join(dir, "b.duckdb"))
	ctx := context.Background()
	if _, err := a.StartRun(ctx, "sync", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.StartRun(ctx, "sync", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestLockReleasedOnClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := openTemp(t, path)
	if held, _ := Held(path); !held {
		t.Fatal("Held = false while open")
	}
	w.Close()
	if held, _ := Held(path); held {
		t.Fatal("Held = true after Close")
	}
	info, err := ReadLockInfo(path)
	if err != nil || info.PID != 0 {
		t.Fatalf("lock info after close = %+v, %v; want empty", info, err)
	}
	openTemp(t, path)
}

// A run killed with SIGKILL must not block the next one, and its run is closed as failed.
func TestKilledRunDoesNotBlock(t *testing.T) {
	if os.Getenv("WAREHOUSE_TEST_HOLD") != "" {
		holdForever()
		return
	}
	path := filepath.Join(t.TempDir(), "w.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRunDoesNotBlock$")
	cmd.Env = append(os.Environ(), "WAREHOUSE_TEST_HOLD="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "ready" {
		t.Fatalf("child did not get ready: %q %v", buf, err)
	}
	if _, err := Open(context.Background(), path, Options{}); err == nil {
		t.Fatal("Open succeeded while the child holds the warehouse")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	w := openTemp(t, path)
	r, err := w.GetRun(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != RunFailed || !strings.Contains(r.Error.String, "stopped before it finished") {
		t.Fatalf("killed run = %+v, want failed as abandoned", r)
	}
}

func holdForever() {
	path := os.Getenv("WAREHOUSE_TEST_HOLD")
	w, err := Open(context.Background(), path, Options{Holder: "child"})
	if err != nil {
		os.Stdout.WriteString("error " + err.Error())
		os.Exit(1)
	}
	if _, err := w.StartRun(context.Background(), "sync", time.Now(), nil); err != nil {
		os.Exit(1)
	}
	os.Stdout.WriteString("ready")
	time.Sleep(time.Minute)
	os.Exit(0)
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "missing", "w.duckdb"), Options{})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Open in a missing folder: %v", err)
	}
}

func TestUsableExtract(t *testing.T) {
	w := openTemp(t, filepath.Join(t.TempDir(), "w.duckdb"))
	ctx := context.Background()
	r, err := w.StartRun(ctx, "extract", time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.UsableExtract(ctx, r.ID, "harvest"); err == nil || !strings.Contains(err.Error(), "has no harvest extract") {
		t.Fatalf("no extract: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO meta.extracts (run_id, source, status, started_at) VALUES (1, 'harvest', 'succeeded', now())`,
		`INSERT INTO meta.extracts (run_id, source, status, started_at, error) VALUES (1, 'runn', 'failed', now(), 'GET /people/: 500')`,
	} {
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if id, err := w.UsableExtract(ctx, r.ID, "harvest"); err != nil || id != 1 {
		t.Fatalf("succeeded extract: %d, %v", id, err)
	}
	_, err = w.UsableExtract(ctx, r.ID, "runn")
	if err == nil || !strings.Contains(err.Error(), "failed (GET /people/: 500) and cannot be used") {
		t.Fatalf("failed extract: %v", err)
	}
	var n int
	if err := w.DB.Get(&n, `SELECT count(*) FROM meta.usable_extracts`); err != nil || n != 1 {
		t.Fatalf("usable_extracts has %d rows, %v; want 1", n, err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	if _, err := OpenReadOnly(ctx, path); !errors.Is(err, ErrNoWarehouse) {
		t.Fatalf("missing warehouse: %v, want ErrNoWarehouse", err)
	}
	w := openTemp(t, path)
	if _, err := w.StartRun(ctx, "sync", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	var busy *BusyError
	if _, err := OpenReadOnly(ctx, path); !errors.As(err, &busy) || busy.Info.RunID != 1 {
		t.Fatalf("while a run holds it: %v, want a BusyError naming run 1", err)
	}
	w.Close()

	a, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	defer b.Close()
	var n int
	if err := b.DB.Get(&n, "SELECT count(*) FROM meta.runs"); err != nil || n != 1 {
		t.Fatalf("read: %d, %v", n, err)
	}
	if _, err := b.DB.Exec("DELETE FROM meta.runs"); err == nil {
		t.Fatal("a reader could write")
	}
	if _, err := Open(ctx, path, Options{}); !errors.As(err, &busy) {
		t.Fatalf("a run while readers look: %v, want a BusyError", err)
	}
}
