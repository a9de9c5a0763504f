package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

type exportFlags struct {
	common commonFlags
	output string
	run    int64
	to     string
}

func exportCommand() *command {
	return &command{
		name:    "export",
		summary: "write a run's tables as Parquet files for notebooks and BI tools",
		usage:   "--to DIR [--run ID] [--output text|json]",
		help: `Writes one run's tables (default: the latest planned run) as Parquet files, one per table, in
DIR/run=N/: its raw extracts (unless pruned), staging.* and report.* when the latest transform is
the run's, its rows of plan.* (the plan and reports kept per run) and of analytics.* (the views
of docs/warehouse.md), with manifest.json listing each file, its rows and columns, and what was
left out and why. Pandas, polars, R, Spark and BI tools read the folder as is; the warehouse is
only read. A run that is not in the warehouse exits 2.

Example:
  harvest2runn export --to exports
  harvest2runn export --run 12 --to /data/harvest2runn --output json
  python -c "import pandas; print(pandas.read_parquet('exports/run=12/analytics.minutes_by_week.parquet'))"
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &exportFlags{}
			fs.StringVar(&f.to, "to", "", "the folder to write run=N/ into (required)")
			fs.Int64Var(&f.run, "run", 0, "the run to export (default: the latest planned run)")
			registerOutput(fs, &f.output, outputText, outputJSON)
			f.common.registerWarehouse(fs)
			return f
		},
		run: runExport,
	}
}

func runExport(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*exportFlags)
	if len(args) > 0 {
		return usagef("export takes no arguments: harvest2runn export --to DIR [--run ID]")
	}
	format, err := checkOutput(f.output, outputText, outputJSON)
	if err != nil {
		return err
	}
	if f.to == "" {
		return usagef("--to is required: the folder to write the run's Parquet files into")
	}
	path, _, err := f.common.resolveWarehouse(e)
	if err != nil {
		return err
	}
	m, err := pipelines.Export(ctx, pipelines.ExportOptions{WarehousePath: path, RunID: f.run, Dir: f.to, Now: time.Now()})
	if err != nil {
		return err
	}
	if format == outputJSON {
		return json.NewEncoder(e.stdout).Encode(m)
	}
	fmt.Fprintf(e.stdout, "exported run %d (window %s) to %s: %d tables, manifest.json beside them\n", m.RunID, m.Window, m.Folder, len(m.Tables))
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, t := range m.Tables {
		fmt.Fprintf(tw, "  %s\t%d rows\n", t.File, t.Rows)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// One line per reason: staging.* and report.* alone are a dozen tables with the same one.
	var reasons []string
	left := map[string][]string{}
	for _, s := range m.Skipped {
		if _, ok := left[s.Reason]; !ok {
			reasons = append(reasons, s.Reason)
		}
		left[s.Reason] = append(left[s.Reason], s.Table)
	}
	for _, r := range reasons {
		fmt.Fprintf(e.stdout, "  left out %s: %s\n", tablesText(left[r]), r)
	}
	return nil
}

// tablesText names a few tables, or counts many per schema: "staging.* (14 tables), report.* (9)".
func tablesText(tables []string) string {
	if len(tables) <= 3 {
		return strings.Join(tables, ", ")
	}
	var schemas []string
	n := map[string]int{}
	for _, t := range tables {
		s, _, _ := strings.Cut(t, ".")
		if n[s] == 0 {
			schemas = append(schemas, s)
		}
		n[s]++
	}
	parts := make([]string, len(schemas))
	for i, s := range schemas {
		parts[i] = fmt.Sprintf("%s.* (%d tables)", s, n[s])
	}
	return strings.Join(parts, ", ")
}
