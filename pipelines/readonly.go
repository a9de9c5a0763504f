package pipelines

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// reader is a warehouse opened read-only (warehouse.OpenReadOnly).
type reader = warehouse.Reader

// ErrNoWarehouse: there is no warehouse file at the path.
var ErrNoWarehouse = warehouse.ErrNoWarehouse

func openReader(ctx context.Context, path string) (*reader, error) {
	return warehouse.OpenReadOnly(ctx, path)
}

// hasTable reports whether schema.name exists (a table or a view): an older warehouse, or a
// build without the actuals rules, lacks some.
func hasTable(ctx context.Context, db *sqlx.DB, schema, name string) (bool, error) {
	var n int
	err := db.GetContext(ctx, &n, `SELECT count(*) FROM (
		SELECT schema_name, table_name AS name FROM duckdb_tables()
		UNION ALL SELECT schema_name, view_name FROM duckdb_views()) WHERE schema_name = ? AND name = ?`, schema, name)
	if err != nil {
		return false, fmt.Errorf("look for %s.%s: %w", schema, name, err)
	}
	return n > 0, nil
}

// absPath is the absolute path of the warehouse at path (the account's default one when empty),
// as warehouse.Open resolves it: the lock file is named after it.
func absPath(path string) (string, error) {
	if path == "" {
		var err error
		if path, err = warehouse.DefaultPathFor(os.Getenv("HARVEST_ACCOUNT_ID"), os.Getenv); err != nil {
			return "", err
		}
	}
	return filepath.Abs(path)
}

// closeInto closes w and joins a failure to *err: a command that wrote to the warehouse has
// failed when the warehouse could not be written at the end (a *warehouse.WriteError).
func closeInto(w io.Closer, err *error) {
	if cerr := w.Close(); cerr != nil {
		*err = errors.Join(*err, cerr)
	}
}
