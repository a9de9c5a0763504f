package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/pipelines"
)

type extractFlags struct {
	common commonFlags
	window windowFlags
}

func extractCommand() *command {
	return &command{
		name:    "extract",
		summary: "fetch Harvest into the warehouse, as received (no changes to Runn)",
		usage:   "[flags]",
		help: `Fetches the Harvest account (users, roles, clients, projects, tasks, user assignments and the
time entries of the window) and lands every page, byte for byte, in the warehouse as a new run.
Nothing is sent to Runn. Dimensions are re-read in full every time; time entries are re-read for
the window [today - lookback, today] (R10), or from --since, or for the whole history.

Example:
  export HARVEST_ACCESS_TOKEN=... HARVEST_ACCOUNT_ID=123456
  harvest2runn extract --lookback-days 45 --warehouse ./harvest2runn.duckdb
`,
		flags: func(fs *pflag.FlagSet) any {
			f := &extractFlags{}
			f.common.register(fs)
			f.window.register(fs)
			return f
		},
		run: runExtract,
	}
}

func runExtract(ctx context.Context, e *env, o any, args []string) error {
	f := o.(*extractFlags)
	if len(args) > 0 {
		return usagef("unexpected argument %q: extract takes only flags", args[0])
	}
	if err := f.common.validateOutput(); err != nil {
		return err
	}
	today, win, err := f.window.resolve(time.Now())
	if err != nil {
		return err
	}
	hcfg, err := f.common.harvestConfig(e)
	if err != nil {
		return err
	}
	log := f.common.logger(e)
	hcfg.Logger = log
	client, err := harvest.New(hcfg)
	if err != nil {
		return usagef("%v", err)
	}
	if err := preflightHarvest(ctx, client, hcfg.BaseURL); err != nil {
		return err
	}
	prog := newProgress(e, log)
	res, err := pipelines.Extract(ctx, pipelines.ExtractOptions{
		WarehousePath: f.common.warehousePath(e),
		Today:         today,
		Window:        win,
		Harvest:       client,
		Progress:      prog,
		Logger:        log,
		RunOptions: map[string]any{
			"window_from": dateOrNil(win.From), "window_to": win.To.Format(time.DateOnly),
			"lookback_days": f.window.lookback, "full_history": f.window.fullHistory,
		},
	})
	prog.Close()
	if res.RunID != 0 {
		if perr := printExtract(e.stdout, f.common.output, res); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

func dateOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.DateOnly)
}

func printExtract(w io.Writer, format string, res pipelines.ExtractResult) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		return enc.Encode(res)
	}
	m := res.Harvest
	size := "?"
	if st, err := os.Stat(res.Warehouse); err == nil {
		size = humanBytes(st.Size())
	}
	fmt.Fprintf(w, "run %d (extract, today %s): %s\n", res.RunID, res.Today, m.Status)
	fmt.Fprintf(w, "  harvest extract %d, window %s\n", m.ExtractID, m.Window)
	for _, r := range []string{"users", "roles", "clients", "projects", "tasks", "user_assignments", "time_entries"} {
		if n, ok := m.PerResource[r]; ok {
			fmt.Fprintf(w, "  %-18s %9d records\n", r, n)
		}
	}
	fmt.Fprintf(w, "  %d requests (%d retries, %d rate-limited), %d pages, %s received, %s stored, %s\n",
		m.Requests, m.Retries, m.RateLimited, m.Pages, humanBytes(m.Bytes), humanBytes(m.StoredBytes), m.Duration.Round(time.Millisecond))
	for _, n := range m.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "  warehouse %s (%s)\n", res.Warehouse, size)
	return nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
