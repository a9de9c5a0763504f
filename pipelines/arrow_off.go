//go:build !duckdb_arrow

package pipelines

import (
	"context"
	"errors"
	"io"
)

// ArrowAvailable: this binary was built without DuckDB's Arrow interface (build tag duckdb_arrow).
const ArrowAvailable = false

// ErrNoArrow: this binary was built without DuckDB's Arrow interface.
var ErrNoArrow = errors.New("this harvest2runn was built without Arrow output: build it with `make build` (go build -tags duckdb_arrow ./cmd/harvest2runn), or use --output csv or json")

// QueryArrow refuses: the Arrow interface is not in this binary (see ErrNoArrow).
func QueryArrow(ctx context.Context, path, query string, w io.Writer) error {
	return ErrNoArrow
}
