package pipelines

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Column is a result column: its name and DuckDB type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// RowSink receives a query's result: the columns once, then each row, its values made plain
// (see plain) so that any output format can print them.
type RowSink interface {
	Columns(cols []Column) error
	Row(values []any) error
}

// RefusedError is a statement Query refused: one that would write, or reach outside the
// warehouse (files, the network, extensions, settings). Reason is DuckDB's.
type RefusedError struct {
	Reason string
}

func (e *RefusedError) Error() string {
	return "query is read-only and cannot reach outside the warehouse: " + e.Reason
}

// Query runs one SQL statement against the warehouse opened read-only and sandboxed
// (warehouse.OpenReadOnly), so that nothing an analyst types can change it or reach beyond it,
// and streams the result to sink. A statement that tries gives a *RefusedError.
func Query(ctx context.Context, path, query string, sink RowSink) error {
	r, err := warehouse.OpenReadOnly(ctx, path)
	if err != nil {
		return err
	}
	defer r.Close()
	return refused(queryInto(ctx, r, query, nil, sink))
}

// refused turns DuckDB's refusals of what the sandbox forbids into a *RefusedError.
func refused(err error) error {
	var de *duckdb.Error
	if err == nil || !errors.As(err, &de) {
		return err
	}
	msg := de.Msg
	switch {
	case de.Type == duckdb.ErrorTypePermission, de.Type == duckdb.ErrorTypeAutoLoad, de.Type == duckdb.ErrorTypeMissingExtension,
		de.Type == duckdb.ErrorTypeInvalidInput && (strings.Contains(msg, "read-only mode") || strings.Contains(msg, "configuration has been locked")):
		reason, _, _ := strings.Cut(msg, "\n")
		return &RefusedError{Reason: strings.TrimSpace(reason)}
	}
	return err
}

func queryInto(ctx context.Context, r *warehouse.Reader, query string, args []any, sink RowSink) error {
	rows, err := r.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return fmt.Errorf("query columns: %w", err)
	}
	cols := make([]Column, len(types))
	for i, t := range types {
		cols[i] = Column{Name: t.Name(), Type: t.DatabaseTypeName()}
	}
	if err := sink.Columns(cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("query row: %w", err)
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = plain(v, cols[i].Type)
		}
		if err := sink.Row(out); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return nil
}

// plain turns what the DuckDB driver scans into values every format prints the way DuckDB's
// own shell does: dates as YYYY-MM-DD, timestamps in RFC 3339, decimals as exact numbers,
// UUIDs in their usual form; lists and structs keep their shape with their elements made plain.
func plain(v any, dbType string) any {
	switch x := v.(type) {
	case nil, bool, string, int64, int32, int16, int8, uint64, uint32, uint16, uint8, float64, float32:
		return x
	case time.Time:
		switch {
		case dbType == "DATE":
			return x.Format(time.DateOnly)
		case strings.HasPrefix(dbType, "TIME") && !strings.HasPrefix(dbType, "TIMESTAMP"):
			return x.Format("15:04:05.999999")
		case dbType == "" && x.Equal(x.Truncate(24*time.Hour)) && x.Location() == time.UTC:
			// Elements of lists and rows of diffs come without a type: UTC midnight is a date.
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339Nano)
	case []byte:
		if dbType == "UUID" && len(x) == 16 {
			h := hex.EncodeToString(x)
			return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e, "")
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e, "")
		}
		return out
	case fmt.Stringer: // DECIMAL, INTERVAL, MAP, HUGEINT wrappers
		s := x.String()
		// Inside lists and structs the type is not at hand: the driver's type name says it.
		if strings.HasPrefix(dbType, "DECIMAL") || strings.HasSuffix(fmt.Sprintf("%T", x), ".Decimal") {
			return json.Number(s)
		}
		return s
	}
	return fmt.Sprint(v)
}
