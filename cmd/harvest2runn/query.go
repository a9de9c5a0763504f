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
	output string
}

func (f *queryFlags) register(fs *pflag.FlagSet) {
	registerOutput(fs, &f.output, outputText, outputJSON, outputCSV, outputArrow)
	f.common.registerWarehouse(fs)
}

func queryCommand() *command {
	return &command{
		name:    "query",
		summary: "run one SQL query against the warehouse, read-only",
		usage:   "SQL [--output text|json|csv|arrow]",
		help: `Runs one SQL statement (DuckDB's dialect) against the warehouse opened read-only, so nothing can be
changed by it, and prints the result. docs/warehouse.md lists the tables and views worth asking.
The statement cannot reach outside the warehouse either: no file or URL is read or written (COPY,
EXPORT, read_csv, ATTACH), no extension installed or loaded, no setting changed; such a statement
is refused with one line and exit status 1, as any statement DuckDB cannot run. While a run holds the warehouse, the query is refused with the
run's id and stage; try again when it is done.

Example:
  harvest2runn query "SELECT run_id, kind, status, today FROM meta.runs ORDER BY run_id DESC LIMIT 5"
  harvest2runn query "SELECT * FROM plan.rpt_unknown_roles" --output csv > unknown.csv
  harvest2runn query "SELECT kind, status, count(*) AS n FROM audit.write_log GROUP BY ALL" --output json
  harvest2runn query "SELECT * FROM analytics.minutes_by_week" --output arrow > weeks.arrows

--output json prints one JSON array, an object per row (docs/schemas/query.schema.json);
--output arrow streams an Apache Arrow IPC stream (pyarrow.ipc.open_stream, polars.read_ipc_stream,
arrow::read_ipc_stream in R read it in one call).
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &queryFlags{}
			f.register(fs)
			return f
		},
		run: runQuery,
	}
}

// rowsSink is the sink that prints rows in the chosen format (text, json or csv).
func rowsSink(format string, w io.Writer) rowSink {
	switch format {
	case outputCSV:
		return &csvSink{w: csv.NewWriter(w)}
	case outputJSON:
		return &jsonSink{w: w}
	}
	return &tableSink{w: w}
}

func runQuery(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*queryFlags)
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return usagef("give one SQL query, quoted: harvest2runn query \"SELECT * FROM meta.runs\"")
	}
	format, err := checkOutput(f.output, outputText, outputJSON, outputCSV, outputArrow)
	if err != nil {
		return err
	}
	path, _, err := f.common.resolveWarehouse(e)
	if err != nil {
		return err
	}
	if format == outputArrow {
		return pipelines.QueryArrow(ctx, path, args[0], e.stdout)
	}
	sink := rowsSink(format, e.stdout)
	if err := pipelines.Query(ctx, path, args[0], sink); err != nil {
		return err
	}
	return sink.Close()
}
