package warehouse

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

var migrationName = regexp.MustCompile(`^(\d{3})_([a-z0-9_]+)\.sql$`)

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s is not named NNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: m[2], sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("two migrations numbered %03d", out[i].version)
		}
	}
	return out, nil
}

// migrate applies, each in its own transaction and once only, the embedded migrations this file
// has not seen yet. A warehouse written by a newer harvest2runn is refused rather than guessed at.
func (w *Warehouse) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := w.DB.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS meta;
		CREATE TABLE IF NOT EXISTS meta.schema_migrations (
			version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("prepare migrations in %s: %w", w.path, err)
	}
	var current int
	if err := w.DB.GetContext(ctx, &current, `SELECT coalesce(max(version), 0) FROM meta.schema_migrations`); err != nil {
		return fmt.Errorf("read schema version of %s: %w", w.path, err)
	}
	if err := checkNewer(w.path, current); err != nil {
		return err
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := w.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (w *Warehouse) applyMigration(ctx context.Context, m migration) error {
	tx, err := BeginTx(ctx, w.DB)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %03d_%s: %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta.schema_migrations (version, name) VALUES (?, ?)`, m.version, m.name); err != nil {
		return fmt.Errorf("record migration %03d_%s: %w", m.version, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %03d_%s: %w", m.version, m.name, err)
	}
	return nil
}

// CheckVersion refuses, with a *ConfigError, a warehouse at path written by a newer
// harvest2runn, without taking the run lock: commands that call an API check it before sending
// anything. A missing file passes; Open creates it.
func CheckVersion(ctx context.Context, path string) error {
	abs, _, err := resolve(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	r, err := OpenReadOnly(ctx, abs)
	if err != nil {
		// A busy warehouse, or one DuckDB cannot open: Open says so with the run's details.
		return nil
	}
	defer r.Close()
	var current int
	if err := r.DB.GetContext(ctx, &current, `SELECT coalesce(max(version), 0) FROM meta.schema_migrations`); err != nil {
		// A warehouse from before the migrations table, or not one at all: Open decides.
		return nil
	}
	return checkNewer(abs, current)
}

// checkNewer refuses a schema version newer than the last embedded migration.
func checkNewer(path string, current int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if n := len(ms); n > 0 && current > ms[n-1].version {
		return configErrorf(nil, "warehouse %s has schema version %d, newer than this harvest2runn knows (%d): upgrade harvest2runn",
			path, current, ms[n-1].version)
	}
	return nil
}
