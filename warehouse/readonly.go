package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/jmoiron/sqlx"
)

// ErrNoWarehouse: there is no warehouse file at the path.
var ErrNoWarehouse = errors.New("no warehouse")

// Reader is a warehouse opened read-only, for commands that only look (status, query, report).
// It holds the run lock shared: readers do not exclude each other, and a run that starts
// meanwhile is refused with a *BusyError instead of failing on DuckDB's own file lock halfway
// through opening.
type Reader struct {
	DB   *sqlx.DB
	path string
	lock *os.File
}

// OpenReadOnly opens the warehouse at path read-only (an empty path: the account's default, see
// Open). A run holding it gives a *BusyError that says which run and since when; a missing file
// gives ErrNoWarehouse.
//
// Readers run SQL a user types (query), so read-only is not enough: COPY TO, EXPORT, read_text()
// and INSTALL reach files and the network outside the warehouse. External access is off,
// extensions are neither installed nor autoloaded, and the configuration is locked so that a SET
// cannot turn any of it back on; DuckDB refuses such statements with a Permission or Invalid
// Input error. Every reader has these settings: DuckDB refuses, within one process, a second
// connection to a file with settings other than the first's.
func OpenReadOnly(ctx context.Context, path string) (*Reader, error) {
	return openReader(ctx, path)
}

// sandboxed are the settings of every reader (see OpenReadOnly).
const sandboxed = "&enable_external_access=false&autoinstall_known_extensions=false&autoload_known_extensions=false&lock_configuration=true"

func openReader(ctx context.Context, path string) (*Reader, error) {
	abs, _, err := resolve(path)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: run `harvest2runn sync` first, or point --warehouse / HARVEST2RUNN_WAREHOUSE at it", ErrNoWarehouse, abs)
	}
	if err == nil && st.IsDir() {
		return nil, configErrorf(nil, "warehouse %s is a folder: give the path of a file, e.g. %s", abs, filepath.Join(abs, "harvest2runn.duckdb"))
	}
	lock, err := os.OpenFile(lockPath(abs), os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, fmt.Errorf("open run lock %s: %w", lockPath(abs), err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			info, _ := ReadLockInfo(abs)
			return nil, &BusyError{Path: abs, Info: info}
		}
		return nil, fmt.Errorf("lock %s: %w", lockPath(abs), err)
	}
	db, err := sqlx.Open("duckdb", abs+"?access_mode=READ_ONLY"+sandboxed)
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
	return &Reader{DB: db, path: abs, lock: lock}, nil
}

// Path is the absolute path of the warehouse file.
func (r *Reader) Path() string { return r.path }

// Close closes the database and releases the shared lock.
func (r *Reader) Close() error {
	err := r.DB.Close()
	_ = syscall.Flock(int(r.lock.Fd()), syscall.LOCK_UN)
	r.lock.Close()
	return err
}

// HasTable reports whether schema.name exists (a table or a view): an older warehouse, or a
// build without the actuals rules, lacks some.
func (r *Reader) HasTable(ctx context.Context, schema, name string) (bool, error) {
	return hasTable(ctx, r.DB, schema, name)
}

// HasTable reports whether schema.name exists: a plan made by an older harvest2runn lacks the
// tables added since.
func (w *Warehouse) HasTable(ctx context.Context, schema, name string) (bool, error) {
	return hasTable(ctx, w.DB, schema, name)
}

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
