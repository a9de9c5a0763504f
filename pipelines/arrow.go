//go:build duckdb_arrow

package pipelines

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ArrowAvailable: this binary was built with DuckDB's Arrow interface (build tag duckdb_arrow).
const ArrowAvailable = true

// QueryArrow runs one SQL statement as Query does (read-only, sandboxed) and writes its result to
// w as an Apache Arrow IPC stream, batch by batch as DuckDB hands them over, through DuckDB's own
// Arrow interface, so that types come out as DuckDB maps them (DATE as date32, DECIMAL as
// decimal128, lists as lists). A statement the sandbox refuses gives a *RefusedError.
func QueryArrow(ctx context.Context, path, query string, w io.Writer) error {
	r, err := warehouse.OpenReadOnly(ctx, path)
	if err != nil {
		return err
	}
	defer r.Close()
	conn, err := r.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer conn.Close()
	return refused(conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("query: the warehouse connection is not a DuckDB driver connection")
		}
		a, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return fmt.Errorf("query: DuckDB's Arrow interface: %w", err)
		}
		rdr, err := a.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		defer rdr.Release()
		iw := ipc.NewWriter(w, ipc.WithSchema(rdr.Schema()), ipc.WithAllocator(memory.DefaultAllocator))
		for rdr.Next() {
			if err := iw.Write(rdr.RecordBatch()); err != nil {
				return fmt.Errorf("write the Arrow stream: %w", err)
			}
		}
		if err := rdr.Err(); err != nil {
			return fmt.Errorf("query: %w", err)
		}
		return iw.Close()
	}))
}
