package pipelines

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// reader is a warehouse opened read-only, for commands that only look (status, query, report).
// It holds the run lock shared: readers do not exclude each other, and a run that starts
// meanwhile is refused with a message naming "another harvest2runn process" instead of
// failing on DuckDB's own file lock halfway through opening. (warehouse.Open takes the same
// lock file exclusively; the lock protocol is flock(2) on <warehouse>.lock.)
type reader struct {
	DB   *sqlx.DB
	path string
	lock *os.File
}

// ErrNoWarehouse: there is no warehouse file at the path.
var ErrNoWarehouse = errors.New("no warehouse")

// openReader opens the warehouse at path read-only. A run holding it gives a
// *warehouse.BusyError that says which run and since when.
func openReader(ctx context.Context, path string) (*reader, error) {
	abs, err := absPath(path)
	if err != nil {
		return nil, fmt.Errorf("warehouse path %q: %w", path, err)
	}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: run `harvest2runn sync` first, or point --warehouse / HARVEST2RUNN_WAREHOUSE at it", ErrNoWarehouse, abs)
	}
	lock, err := os.OpenFile(abs+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open run lock %s.lock: %w", abs, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			info, _ := warehouse.ReadLockInfo(abs)
			return nil, &warehouse.BusyError{Path: abs, Info: info}
		}
		return nil, fmt.Errorf("lock %s.lock: %w", abs, err)
	}
	db, err := sqlx.Open("duckdb", abs+"?access_mode=READ_ONLY")
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		_ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		lock.Close()
		if strings.Contains(err.Error(), "Could not set lock") || strings.Contains(err.Error(), "Conflicting lock") {
			return nil, fmt.Errorf("warehouse %s is open for writing in another program, such as a DuckDB shell: close it, or open that one with -readonly", abs)
		}
		return nil, fmt.Errorf("open warehouse %s read-only: %w", abs, err)
	}
	return &reader{DB: db, path: abs, lock: lock}, nil
}

// Close closes the database and releases the shared lock.
func (r *reader) Close() error {
	err := r.DB.Close()
	_ = syscall.Flock(int(r.lock.Fd()), syscall.LOCK_UN)
	r.lock.Close()
	return err
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

// absPath is the absolute path of the warehouse at path (the default one when empty), as
// warehouse.Open resolves it: the lock file is named after it.
func absPath(path string) (string, error) {
	return filepath.Abs(cmpOr(path, warehouse.DefaultPath))
}
