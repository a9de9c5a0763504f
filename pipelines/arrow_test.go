//go:build duckdb_arrow

package pipelines

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// query --output arrow: the Arrow IPC stream, read back with arrow-go's IPC reader, holds the
// warehouse's rows (as Query reads them) with DuckDB's types; a statement the sandbox refuses
// is refused the same way.
func TestAnalystsArrowRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := analystsWarehouse(t)
	const q = `SELECT run_id, harvest_user_id, person_name, week, harvest_minutes, excluded_minutes, discrepancy, discrepancy = 0 AS agrees
		FROM analytics.minutes_by_week ORDER BY ALL`
	var want collect
	if err := Query(ctx, path, q, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.rows) == 0 {
		t.Fatal("analytics.minutes_by_week is empty: nothing to compare")
	}
	var stream bytes.Buffer
	if err := QueryArrow(ctx, path, q, &stream); err != nil {
		t.Fatal(err)
	}
	rdr, err := ipc.NewReader(&stream)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	fields := rdr.Schema().Fields()
	wantTypes := []string{"int64", "int64", "utf8", "date32", "int64", "int64", "int64", "bool"}
	for i, f := range fields {
		if f.Name != want.cols[i].Name || i >= len(wantTypes) || f.Type.String() != wantTypes[i] && !(wantTypes[i] == "utf8" && f.Type.String() == "utf8_view") {
			t.Errorf("column %d: %s %s, want %s %s", i, f.Name, f.Type, want.cols[i].Name, wantTypes[i])
		}
	}
	n := 0
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			if n >= len(want.rows) {
				t.Fatalf("the stream has more rows than the warehouse's %d", len(want.rows))
			}
			for c := 0; c < int(rec.NumCols()); c++ {
				col, w := rec.Column(c), want.rows[n][c]
				got := col.ValueStr(i)
				if col.IsNull(i) != (w == nil) || w != nil && got != fmt.Sprint(w) {
					t.Fatalf("row %d column %s: %q in the stream, %v in the warehouse", n, fields[c].Name, got, w)
				}
			}
			n++
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(want.rows) {
		t.Errorf("the stream has %d rows, the warehouse %d", n, len(want.rows))
	}
	var refused *RefusedError
	if err := QueryArrow(ctx, path, `COPY meta.runs TO '/tmp/runs.csv'`, &bytes.Buffer{}); !errors.As(err, &refused) {
		t.Errorf("COPY TO through the Arrow interface: %v; want a *RefusedError", err)
	}
}
