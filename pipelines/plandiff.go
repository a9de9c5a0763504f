package pipelines

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
)

// TableDiff compares one plan table of a run as it was planned and as a replay plans it.
type TableDiff struct {
	Table        string `json:"table"`
	Original     int64  `json:"original_rows"`
	Replayed     int64  `json:"replayed_rows"`
	OnlyOriginal int64  `json:"only_in_original"`
	OnlyReplayed int64  `json:"only_in_replay"`
	// FirstOnlyOriginal and FirstOnlyReplayed show a few of the rows that differ.
	FirstOnlyOriginal []map[string]any `json:"first_only_in_original,omitempty"`
	FirstOnlyReplayed []map[string]any `json:"first_only_in_replay,omitempty"`
	// Note explains a comparison limited by a change of the table's columns.
	Note string `json:"note,omitempty"`
}

// Same reports whether the two plans agree on this table.
func (d TableDiff) Same() bool { return d.OnlyOriginal == 0 && d.OnlyReplayed == 0 && d.Note == "" }

const diffSample = 5

// diffPlans compares the plan.* tables of runID in the real warehouse with those of the scratch
// warehouse attached as scratchAlias, row by row (multisets: EXCEPT ALL), on the columns both
// have.
func diffPlans(ctx context.Context, db *sqlx.DB, runID int64) ([]TableDiff, error) {
	var cols []struct {
		Catalog string `db:"database_name"`
		Table   string `db:"table_name"`
		Column  string `db:"column_name"`
	}
	if err := db.SelectContext(ctx, &cols, `SELECT database_name, table_name, column_name FROM duckdb_columns()
		WHERE schema_name = 'plan' AND database_name IN (current_database(), ?) ORDER BY table_name, column_index`, scratchAlias); err != nil {
		return nil, fmt.Errorf("list the plan tables: %w", err)
	}
	original, replayed := map[string][]string{}, map[string][]string{}
	var tables []string
	for _, c := range cols {
		m := original
		if c.Catalog == scratchAlias {
			m = replayed
		}
		m[c.Table] = append(m[c.Table], c.Column)
		if !slices.Contains(tables, c.Table) {
			tables = append(tables, c.Table)
		}
	}
	slices.Sort(tables)
	var out []TableDiff
	for _, t := range tables {
		d, err := diffTable(ctx, db, runID, t, original[t], replayed[t])
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func diffTable(ctx context.Context, db *sqlx.DB, runID int64, table string, origCols, replCols []string) (TableDiff, error) {
	d := TableDiff{Table: "plan." + table}
	orig, repl := "plan."+table, scratchAlias+".plan."+table
	count := func(from string) (int64, error) {
		var n int64
		err := db.GetContext(ctx, &n, `SELECT count(*) FROM `+from+` WHERE run_id = ?`, runID)
		return n, err
	}
	var err error
	if origCols != nil {
		if d.Original, err = count(orig); err != nil {
			return d, fmt.Errorf("count %s: %w", orig, err)
		}
	}
	if replCols != nil {
		if d.Replayed, err = count(repl); err != nil {
			return d, fmt.Errorf("count the replay's %s: %w", d.Table, err)
		}
	}
	switch {
	case origCols == nil:
		d.OnlyReplayed, d.Note = d.Replayed, "the original run had no such table"
		return d, nil
	case replCols == nil:
		d.OnlyOriginal, d.Note = d.Original, "the replay makes no such table"
		return d, nil
	}
	var common []string
	for _, c := range origCols {
		if c != "run_id" && slices.Contains(replCols, c) {
			common = append(common, `"`+c+`"`)
		}
	}
	if len(common) != len(origCols)-1 || len(common) != len(replCols)-1 {
		d.Note = fmt.Sprintf("the columns changed (original: %s; replay: %s): compared on the %d both have",
			strings.Join(origCols, ", "), strings.Join(replCols, ", "), len(common))
	}
	sel := strings.Join(common, ", ")
	except := func(a, b string) string {
		return `SELECT ` + sel + ` FROM ` + a + ` WHERE run_id = ? EXCEPT ALL SELECT ` + sel + ` FROM ` + b + ` WHERE run_id = ?`
	}
	for _, side := range []struct {
		a, b   string
		n      *int64
		sample *[]map[string]any
	}{{orig, repl, &d.OnlyOriginal, &d.FirstOnlyOriginal}, {repl, orig, &d.OnlyReplayed, &d.FirstOnlyReplayed}} {
		q := except(side.a, side.b)
		if err := db.GetContext(ctx, side.n, `SELECT count(*) FROM (`+q+`)`, runID, runID); err != nil {
			return d, fmt.Errorf("compare %s: %w", d.Table, err)
		}
		if *side.n == 0 {
			continue
		}
		rows, err := db.QueryxContext(ctx, `SELECT * FROM (`+q+`) ORDER BY ALL LIMIT `+fmt.Sprint(diffSample), runID, runID)
		if err != nil {
			return d, fmt.Errorf("compare %s: %w", d.Table, err)
		}
		for rows.Next() {
			m := map[string]any{}
			if err := rows.MapScan(m); err != nil {
				rows.Close()
				return d, err
			}
			for k, v := range m {
				m[k] = plain(v, "")
			}
			*side.sample = append(*side.sample, m)
		}
		rows.Close()
	}
	return d, nil
}
