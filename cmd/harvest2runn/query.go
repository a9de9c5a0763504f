package main

import (
	"context"
	"encoding/csv"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type queryFlags struct {
	common commonFlags
	format string
	week   string
	run    int64
	all    bool
}

func (f *queryFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.format, "format", "table", "table, csv or json (an array of objects, one per row)")
	f.common.registerWarehouse(fs)
}

func queryCommand() *command {
	return &command{
		name:    "query",
		summary: "run one SQL query against the warehouse, read-only",
		usage:   "SQL [--format table|csv|json]",
		help: `Runs one SQL statement (DuckDB's dialect) against the warehouse opened read-only, so nothing can be
changed by it, and prints the result. docs/warehouse.md lists the tables and views worth asking.
The statement cannot reach outside the warehouse either: no file or URL is read or written (COPY,
EXPORT, read_csv, ATTACH), no extension installed or loaded, no setting changed; such a statement
is refused with one line and exit status 1, as any statement DuckDB cannot run. While a run holds the warehouse, the query is refused with the
run's id and stage; try again when it is done.

Example:
  harvest2runn query "SELECT run_id, kind, status, today FROM meta.runs ORDER BY run_id DESC LIMIT 5"
  harvest2runn query "SELECT * FROM plan.rpt_unknown_roles" --format csv > unknown.csv
  harvest2runn query "SELECT kind, status, count(*) AS n FROM audit.write_log GROUP BY ALL" --format json
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &queryFlags{}
			f.register(fs)
			return f
		},
		run: runQuery,
	}
}

func reportCommand() *command {
	return &command{
		name:    "report",
		summary: "reports over the warehouse: discrepancies (Harvest vs Runn minutes per person, project, week)",
		usage:   "discrepancies [--week W] [--run ID] [--format table|csv|json]",
		help: `report discrepancies lists, for a run (default: the latest planned one), the minutes per person,
project and week in Harvest against those in Runn before and after the run, with the time excluded
and why, largest discrepancy first (the view analytics.minutes_by_week; rows without a discrepancy
only with --all). --week takes a date inside the week or an ISO week.

Example:
  harvest2runn report discrepancies
  harvest2runn report discrepancies --week 2025-W23 --format csv > week23.csv
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &queryFlags{}
			fs.StringVar(&f.week, "week", "", "only this week: a date inside it (2025-06-02) or an ISO week (2025-W23)")
			fs.Int64Var(&f.run, "run", 0, "the run to report on (default: the latest planned run)")
			fs.BoolVar(&f.all, "all", false, "include rows without a discrepancy")
			f.register(fs)
			return f
		},
		run: runReport,
	}
}

func (f *queryFlags) sink(w io.Writer) (rowSink, error) {
	switch f.format {
	case "table":
		return &tableSink{w: w}, nil
	case "csv":
		return &csvSink{w: csv.NewWriter(w)}, nil
	case "json":
		return &jsonSink{w: w}, nil
	}
	return nil, oneOf("--format", f.format, "table", "csv", "json")
}

func runQuery(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*queryFlags)
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return usagef("give one SQL query, quoted: harvest2runn query \"SELECT * FROM meta.runs\"")
	}
	sink, err := f.sink(e.stdout)
	if err != nil {
		return err
	}
	path, _, err := f.common.resolveWarehouse(e)
	if err != nil {
		return err
	}
	if err := pipelines.Query(ctx, path, args[0], sink); err != nil {
		return err
	}
	return sink.Close()
}

func runReport(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*queryFlags)
	if len(args) != 1 || args[0] != "discrepancies" {
		return usagef("give the report to print: harvest2runn report discrepancies")
	}
	sink, err := f.sink(e.stdout)
	if err != nil {
		return err
	}
	opts := pipelines.DiscrepancyOptions{RunID: f.run, All: f.all}
	if f.week != "" {
		if opts.Week, err = pipelines.ParseWeek(f.week); err != nil {
			return usagef("--week %v", err)
		}
	}
	if opts.WarehousePath, _, err = f.common.resolveWarehouse(e); err != nil {
		return err
	}
	if _, err := pipelines.Discrepancies(ctx, opts, sink); err != nil {
		return err
	}
	return sink.Close()
}
