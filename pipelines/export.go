package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ExportOptions say which run to export and where.
type ExportOptions struct {
	WarehousePath string
	RunID         int64 // 0: the latest planned run
	Dir           string
	Now           time.Time
}

// ExportedTable is one Parquet file of an export.
type ExportedTable struct {
	Table   string   `json:"table"`
	File    string   `json:"file"` // relative to the run's folder
	Rows    int64    `json:"rows"`
	Columns []Column `json:"columns"`
}

// SkippedTable is a table an export left out, and why.
type SkippedTable struct {
	Table  string `json:"table"`
	Reason string `json:"reason"`
}

// ExportManifest is manifest.json in the run's folder: what is there and where it came from.
type ExportManifest struct {
	RunID         int64           `json:"run_id"`
	Window        Window          `json:"window"`
	Warehouse     string          `json:"warehouse"`
	Folder        string          `json:"folder"`
	ExportedAt    string          `json:"exported_at"`
	Tables        []ExportedTable `json:"tables"`
	TablesCount   int             `json:"tables_count"`
	Skipped       []SkippedTable  `json:"skipped"`
	PrunedAt      *string         `json:"pruned_at"`
	FormatVersion int             `json:"format_version"`
}

// exportSource is a table to export and the rows of the run in it.
type exportSource struct {
	schema, name, where string
}

// Export writes one run's tables as Parquet files, one per table, in DIR/run=N/, with
// manifest.json: its raw extracts (while prune has not removed them), staging.* and report.*
// when the latest transform is the run's, and its rows of plan.* and analytics.*. DuckDB
// writes the files (COPY ... FORMAT parquet) from a private in-memory database that attaches
// the warehouse read-only, as the sandboxed readers may not write files; the reader opened
// first holds the warehouse against runs meanwhile.
func Export(ctx context.Context, opts ExportOptions) (ExportManifest, error) {
	r, err := warehouse.OpenReadOnly(ctx, opts.WarehousePath)
	if err != nil {
		return ExportManifest{}, err
	}
	defer r.Close()
	run, err := reportRun(ctx, r, opts.RunID)
	if err != nil {
		return ExportManifest{}, err
	}
	folder := filepath.Join(opts.Dir, fmt.Sprintf("run=%d", run.RunID))
	m := ExportManifest{RunID: run.RunID, Window: run.Window, Warehouse: r.Path(), Folder: folder,
		ExportedAt: opts.Now.UTC().Format(time.RFC3339), Tables: []ExportedTable{}, Skipped: []SkippedTable{}, FormatVersion: 1}
	if run.PrunedAt != nil {
		d := run.PrunedAt.Format(time.DateOnly)
		m.PrunedAt = &d
	}
	sources, err := exportSources(ctx, r, run.RunID, &m)
	if err != nil {
		return m, err
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return m, fmt.Errorf("make the export folder %s: %w", folder, err)
	}
	db, err := sqlx.Open("duckdb", "")
	if err != nil {
		return m, fmt.Errorf("open DuckDB for the export: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // the ATTACH belongs to one connection
	if _, err := db.ExecContext(ctx, `ATTACH `+quoteLiteral(r.Path())+` AS w (READ_ONLY)`); err != nil {
		return m, fmt.Errorf("attach warehouse %s for the export: %w", r.Path(), err)
	}
	for _, s := range sources {
		t, err := exportTable(ctx, db, folder, s)
		if err != nil {
			return m, err
		}
		m.Tables = append(m.Tables, t)
	}
	m.TablesCount = len(m.Tables)
	return m, writeManifest(folder, m)
}

// exportSources lists the run's tables, and in m.Skipped those that hold another run's rows.
func exportSources(ctx context.Context, r *warehouse.Reader, runID int64, m *ExportManifest) ([]exportSource, error) {
	var tables []struct {
		Schema string `db:"schema_name"`
		Name   string `db:"table_name"`
		RunCol bool   `db:"has_run_id"`
		Ext    bool   `db:"has_extract_id"`
	}
	if err := r.DB.SelectContext(ctx, &tables, `SELECT schema_name, table_name,
			bool_or(column_name = 'run_id') AS has_run_id, bool_or(column_name = 'extract_id') AS has_extract_id
		FROM duckdb_columns() WHERE database_name = current_database()
		  AND schema_name IN ('raw', 'staging', 'report', 'plan', 'analytics')
		GROUP BY schema_name, table_name ORDER BY list_position(['raw', 'staging', 'report', 'plan', 'analytics'], schema_name), table_name`); err != nil {
		return nil, fmt.Errorf("list the warehouse's tables: %w", err)
	}
	var latest *int64
	if ok, err := r.HasTable(ctx, "staging", "run_context"); err != nil {
		return nil, err
	} else if ok {
		if err := r.DB.GetContext(ctx, &latest, `SELECT max(run_id) FROM staging.run_context`); err != nil {
			return nil, fmt.Errorf("read staging.run_context: %w", err)
		}
	}
	var out []exportSource
	for _, t := range tables {
		s := exportSource{schema: t.Schema, name: t.Name}
		switch {
		case t.Schema == "raw" && t.Ext:
			if m.PrunedAt != nil {
				m.Skipped = append(m.Skipped, SkippedTable{t.Schema + "." + t.Name, "the run's extracts were pruned on " + *m.PrunedAt})
				continue
			}
			s.where = fmt.Sprintf("extract_id IN (SELECT extract_id FROM w.meta.extracts WHERE run_id = %d)", runID)
		case t.Schema == "raw":
			continue // not an extract's rows
		case t.Schema == "staging" || t.Schema == "report":
			if latest == nil || *latest != runID {
				m.Skipped = append(m.Skipped, SkippedTable{t.Schema + "." + t.Name,
					"staging.* and report.* hold the latest transform only, not this run's; plan.* keeps its reports"})
				continue
			}
		case t.RunCol:
			s.where = fmt.Sprintf("run_id = %d", runID)
		default:
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

func exportTable(ctx context.Context, db *sqlx.DB, folder string, s exportSource) (ExportedTable, error) {
	table := s.schema + "." + s.name
	t := ExportedTable{Table: table, File: table + ".parquet", Columns: []Column{}}
	sel := `SELECT * FROM w.` + table
	if s.where != "" {
		sel += ` WHERE ` + s.where
	}
	if _, err := db.ExecContext(ctx, `COPY (`+sel+`) TO `+quoteLiteral(filepath.Join(folder, t.File))+` (FORMAT parquet)`); err != nil {
		return t, fmt.Errorf("export %s to %s: %w", table, folder, err)
	}
	if err := db.GetContext(ctx, &t.Rows, `SELECT count(*) FROM (`+sel+`)`); err != nil {
		return t, fmt.Errorf("count %s: %w", table, err)
	}
	if err := db.SelectContext(ctx, &t.Columns, `SELECT column_name AS name, data_type AS type FROM duckdb_columns()
		WHERE database_name = 'w' AND schema_name = ? AND table_name = ? ORDER BY column_index`, s.schema, s.name); err != nil {
		return t, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	return t, nil
}

func writeManifest(folder string, m ExportManifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(folder, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write the export's manifest: %w", err)
	}
	return nil
}

// quoteLiteral is s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
