// Package warehouse opens harvest2runn's DuckDB warehouse: one file that keeps every page either
// API ever sent us, the transform's models, and the audit trail of every write. It applies the
// embedded migrations, keeps the run registry and holds the run lock, so that one process at a
// time writes to a warehouse file.
package warehouse

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jmoiron/sqlx"
)

// Warehouse is an open warehouse file, held by this process until Close.
type Warehouse struct {
	DB        *sqlx.DB
	path      string
	connector *duckdb.Connector
	lock      *fileLock
	closed    bool
}

// Options tune Open.
type Options struct {
	// Holder names the command holding the lock, for the message another process gets.
	Holder string
	// MemoryLimit caps DuckDB's memory (e.g. "256MB"); empty means DefaultMemoryLimit.
	MemoryLimit string
	// TempDir is where DuckDB spills what does not fit in MemoryLimit; empty means
	// TempDir(path), beside the warehouse file.
	TempDir string
}

// DefaultMemoryLimit caps DuckDB's memory unless Options say otherwise: beyond it DuckDB spills
// to TempDir instead of growing (its own default is 80% of RAM, whatever else the machine runs).
// The process peaks 200 to 430 MiB above it (DuckDB's allocations outside its buffer pool, the
// library's code, Go): at 400 MB the transform of the whole history of 10 M time entries peaks
// at 570 to 750 MiB, under the 1 GiB it must keep to with room to spare, and is no slower than
// at 512 MB (up to 914 MiB) or 2 GB now that its models sort nothing large and write unordered
// (docs/benchmarks.md).
const DefaultMemoryLimit = "400MB"

// TempDir is the spill folder of the warehouse at path.
func TempDir(path string) string { return path + ".tmp" }

// Open opens (creating if needed) the warehouse at path, takes the run lock and applies pending
// migrations. An empty path is the account's default warehouse (DefaultPathFor), whose folder is
// created when missing. A second process gets a *BusyError naming the run that holds it; a path
// that cannot work, or a warehouse of a newer harvest2runn, a *ConfigError. The files it keeps
// are made private (0600, folders 0700), those left readable by older versions too.
func Open(ctx context.Context, path string, opts Options) (*Warehouse, error) {
	abs, isDefault, err := resolve(path)
	if err != nil {
		return nil, err
	}
	if err := CheckPath(abs, isDefault); err != nil {
		return nil, err
	}
	lock, err := acquireLock(abs, opts.Holder)
	if err != nil {
		return nil, err
	}
	w, err := openDuckDB(ctx, abs)
	if err != nil {
		lock.release()
		return nil, err
	}
	w.lock = lock
	fail := func(err error) (*Warehouse, error) {
		return nil, errors.Join(err, w.Close())
	}
	if err := tighten(abs, isDefault); err != nil {
		return fail(err)
	}
	if err := w.limitMemory(ctx, opts); err != nil {
		return fail(err)
	}
	if err := w.migrate(ctx); err != nil {
		return fail(err)
	}
	if err := w.abandonStaleRuns(ctx); err != nil {
		return fail(err)
	}
	return w, nil
}

// limitMemory caps DuckDB's memory and points its spill files at a private folder beside the
// warehouse (spilled rows hold the same names, emails and rates as the warehouse).
func (w *Warehouse) limitMemory(ctx context.Context, opts Options) error {
	limit, tmp := cmp.Or(opts.MemoryLimit, DefaultMemoryLimit), cmp.Or(opts.TempDir, TempDir(w.path))
	if _, err := w.DB.ExecContext(ctx, "SET memory_limit = ?", limit); err != nil {
		return &ConfigError{Msg: fmt.Sprintf("warehouse memory limit %q is not a size DuckDB takes: give one such as 512MB or 2GB", limit), Err: err}
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("create the warehouse's spill folder %s: %w", tmp, err)
	}
	if _, err := w.DB.ExecContext(ctx, "SET temp_directory = ?", tmp); err != nil {
		return fmt.Errorf("warehouse spill folder %s: %w", tmp, err)
	}
	return nil
}

var conflictingPID = regexp.MustCompile(`PID (\d+)`)

func openDuckDB(ctx context.Context, path string) (*Warehouse, error) {
	connector, err := duckdb.NewConnector(path, nil)
	if err != nil {
		return nil, translateOpenError(path, err)
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "duckdb")
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, translateOpenError(path, err)
	}
	return &Warehouse{DB: db, path: path, connector: connector}, nil
}

// translateOpenError turns DuckDB's file-lock message, which names neither harvest2runn nor a
// remedy, into one that does: the usual cause is an analyst's DuckDB session left open.
func translateOpenError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		holder := "another program"
		if m := conflictingPID.FindStringSubmatch(msg); m != nil {
			holder = "another program (pid " + m[1] + ")"
		}
		return fmt.Errorf("warehouse %s is open in %s, such as a DuckDB shell: close it and run again", path, holder)
	}
	return fmt.Errorf("open warehouse %s: %w", path, err)
}

// Path is the absolute path of the warehouse file.
func (w *Warehouse) Path() string { return w.path }

// PagesDir is the folder beside the warehouse file that holds the extracts' page bodies.
func (w *Warehouse) PagesDir() string { return PagesDir(w.path) }

// PagesDir is the page folder of the warehouse at path.
func PagesDir(path string) string { return path + ".pages" }

// RawConn opens a dedicated driver connection, e.g. for DuckDB's appender. The caller closes it.
func (w *Warehouse) RawConn(ctx context.Context) (driver.Conn, error) {
	c, err := w.connector.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to warehouse: %w", err)
	}
	return c, nil
}

// SetStage records the stage a run is in, for `status` and for refused commands.
func (w *Warehouse) SetStage(stage string) error {
	if w.lock == nil {
		return nil
	}
	return w.lock.update(func(i *LockInfo) { i.Stage = stage })
}

// Close checkpoints the warehouse, closes it and releases the run lock. A checkpoint or close
// that fails gives a *WriteError: DuckDB's own checkpoint on close swallows its errors, so on a
// full disk a run's writes would stay in the WAL while the command reported success.
func (w *Warehouse) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	var errs []error
	if w.DB != nil {
		// The context is not the run's: an interrupted run must still write what it recorded.
		if _, err := w.DB.ExecContext(context.Background(), "CHECKPOINT"); err != nil {
			errs = append(errs, &WriteError{Path: w.path, Err: err})
		}
		if err := w.DB.Close(); err != nil {
			errs = append(errs, &WriteError{Path: w.path, Err: err})
		}
	}
	if w.connector != nil {
		if err := w.connector.Close(); err != nil {
			errs = append(errs, &WriteError{Path: w.path, Err: err})
		}
	}
	if w.lock != nil {
		w.lock.release()
		w.lock = nil
	}
	return errors.Join(errs...)
}
