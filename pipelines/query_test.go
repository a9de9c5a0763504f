package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

type collect struct {
	cols []Column
	rows [][]any
}

func (c *collect) Columns(cols []Column) error { c.cols = cols; return nil }
func (c *collect) Row(v []any) error           { c.rows = append(c.rows, v); return nil }

func newWarehouse(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := warehouse.Open(context.Background(), path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestQueryPlainValues(t *testing.T) {
	path := newWarehouse(t)
	var c collect
	err := Query(context.Background(), path, `SELECT DATE '2025-06-02' AS d, TIMESTAMPTZ '2025-06-02 10:11:12+00' AS ts,
		12.50::DECIMAL(18, 6) AS dec, '00000000-0000-0000-0000-0000000000ff'::UUID AS u, [DATE '2025-06-03'] AS l,
		{'a': 1.5::DECIMAL(4,1)} AS s, NULL AS n, 'x' AS v, 7::BIGINT AS i`, &c)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(c.cols))
	for i, col := range c.cols {
		names[i] = col.Name + " " + col.Type
	}
	if got := strings.Join(names[:4], ", "); got != "d DATE, ts TIMESTAMPTZ, dec DECIMAL(18,6), u UUID" {
		t.Errorf("columns: %s", got)
	}
	want := []any{"2025-06-02", "2025-06-02T10:11:12Z", json.Number("12.5"), "00000000-0000-0000-0000-0000000000ff",
		[]any{"2025-06-03"}, map[string]any{"a": json.Number("1.5")}, nil, "x", int64(7)}
	if len(c.rows) != 1 {
		t.Fatalf("%d rows", len(c.rows))
	}
	if diff := cmp.Diff(want, c.rows[0]); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(c.rows[0])
	if err != nil || !strings.Contains(string(b), `12.5,`) {
		t.Errorf("as JSON: %s %v", b, err)
	}
}

func TestQueryIsReadOnlyAndYieldsToRuns(t *testing.T) {
	ctx := context.Background()
	path := newWarehouse(t)
	if err := Query(ctx, path, `CREATE TABLE meta.mine (x INT)`, &collect{}); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("a writing query: %v", err)
	}
	// Two readers at once are fine.
	r, err := warehouse.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Query(ctx, path, `SELECT 1`, &collect{}); err != nil {
		t.Errorf("a second reader: %v", err)
	}
	// A run cannot take the warehouse from a reader, and says so.
	if _, err := warehouse.Open(ctx, path, warehouse.Options{}); err == nil || !strings.Contains(err.Error(), "in use by another harvest2runn process") {
		t.Errorf("a run while a reader holds the warehouse: %v", err)
	}
	r.Close()

	w, err := warehouse.Open(ctx, path, warehouse.Options{Holder: "harvest2runn sync"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	run, err := w.StartRun(ctx, "sync", time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetStage("load"); err != nil {
		t.Fatal(err)
	}
	var busy *warehouse.BusyError
	if err := Query(ctx, path, `SELECT 1`, &collect{}); !errors.As(err, &busy) || busy.Info.RunID != run.ID {
		t.Errorf("a query while a run holds the warehouse: %v", err)
	}
	st, err := Status(ctx, path)
	if err != nil || !st.Busy || st.Running == nil || st.Running.RunID != run.ID || st.Running.Stage != "load" || st.Running.Kind != "sync" {
		t.Errorf("status while a run holds the warehouse: %+v %v", st, err)
	}
	if _, err := Status(ctx, filepath.Join(t.TempDir(), "none.duckdb")); !errors.Is(err, warehouse.ErrNoWarehouse) {
		t.Errorf("status without a warehouse: %v", err)
	}
}

// A run whose process died is still 'running' in meta.runs until the next run opens the
// warehouse; status, which only reads, says it stopped.
func TestStatusOfADeadRun(t *testing.T) {
	ctx := context.Background()
	path := newWarehouse(t)
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.StartRun(ctx, "sync", time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	w.Close() // as the kernel would release the lock of a killed process
	st, err := Status(ctx, path)
	if err != nil || st.Busy || st.LastRun == nil || st.LastRun.Status != "failed" || !strings.Contains(st.LastRun.Error, "crash or kill") {
		t.Fatalf("status: %+v %+v %v", st, st.LastRun, err)
	}
}

// Issue 9: query ran COPY ... TO over the warehouse file itself, read /etc/passwd and tried to
// download extensions. Each is a *RefusedError now, and SQL errors of other kinds stay as they were.
func TestQueryCannotReachOutsideTheWarehouse(t *testing.T) {
	ctx := context.Background()
	path := newWarehouse(t)
	outside := filepath.Join(t.TempDir(), "out.csv")
	for _, tc := range []struct {
		query   string
		refused bool
	}{
		{"COPY (SELECT 1) TO '" + path + "'", true},
		{"COPY meta.runs TO '" + outside + "'", true},
		{"SELECT * FROM read_text('/etc/passwd')", true},
		{"INSTALL httpfs", true},
		{"LOAD httpfs", true},
		{"SET enable_external_access = true", true},
		{"CREATE TABLE meta.mine (x INT)", true},
		{"SELECT 1; COPY (SELECT 1) TO '" + outside + "'", true},
		{"SELECT * FROM no_such_table", false},
		{"SELEKT 1", false},
	} {
		err := Query(ctx, path, tc.query, &collect{})
		var re *RefusedError
		switch {
		case tc.refused && (!errors.As(err, &re) || !strings.HasPrefix(err.Error(), "query is read-only and cannot reach outside the warehouse: ") || strings.Contains(re.Reason, "\n")):
			t.Errorf("%s: %v; want a one-line *RefusedError", tc.query, err)
		case !tc.refused && (err == nil || errors.As(err, &re)):
			t.Errorf("%s: %v; want DuckDB's error, not a refusal", tc.query, err)
		}
	}
	c := &collect{}
	if err := Query(ctx, path, `SELECT count(*) AS n FROM meta.schema_migrations`, c); err != nil || len(c.rows) != 1 {
		t.Errorf("a query of the warehouse itself: %v %v", c.rows, err)
	}
}
