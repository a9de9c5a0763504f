package main

// Text output of the commands that run a stage: sync (and import, schedule, demo), load and
// revert, transform, replay, extract and prune.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/internal/demo"
	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/pipelines"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// printNoRun is the one JSON object of a sync that failed before a run started (the warehouse
// is busy, say): the error envelope every command prints on failure (docs/schemas/error.schema.json).
func printNoRun(w io.Writer, err error) {
	_ = writeErrorJSON(w, classify("sync", err))
}

// stopped reports whether a safety stop that was not lifted halted the run.
func stopped(stops []pipelines.SafetyStop) bool {
	for _, s := range stops {
		if !s.Lifted {
			return true
		}
	}
	return false
}

func printLoad(w io.Writer, format string, res pipelines.LoadResult) error {
	return printLoadResult(w, format, res, true)
}

// printLoadResult prints a load or revert; verbose lists every record a revert leaves in place
// (otherwise counted per kind).
func printLoadResult(w io.Writer, format string, res pipelines.LoadResult, verbose bool) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	if res.LoadID == 0 && !res.DryRun {
		// Stopped before anything was sent: the stops are the whole story.
		fmt.Fprintf(w, "run %d: not loaded\n", res.RunID)
		printStops(w, res.SafetyStops)
		return nil
	}
	printLoadHeader(w, res)
	printStops(w, res.SafetyStops)
	printCounts(w, res.Counts)
	t := res.Totals()
	if res.DryRun {
		fmt.Fprintf(w, "  %d changes, %d confirmed by an earlier load (not sent again)\n", t.Planned, t.AlreadyDone)
		printSamples(w, res.Samples)
	} else {
		fmt.Fprintf(w, "  %d requests (%d retries, %d rate-limited, %d server errors), %.1f writes/s; %d unanswered creates found in Runn\n",
			res.Requests, res.Retries, res.RateLimited, res.ServerErrors, res.WritesPerSecond, t.Reconciled)
		fmt.Fprintf(w, "  warehouse %s held %s (audit trail %s)\n", res.Warehouse, res.WarehouseHeld.Round(time.Millisecond), res.TrailTime.Round(time.Millisecond))
	}
	printRejected(w, res.Rejected)
	printCreated(w, res, verbose)
	if res.Mode == load.ModeRevert {
		fmt.Fprintf(w, "  next sync: it sends these actuals again from Harvest unless Harvest changed; to keep them reverted, change the time in Harvest first\n")
	}
	if !res.DryRun {
		fmt.Fprintf(w, "  details: harvest2runn audit --run %d\n", res.RunID)
	}
	return nil
}

// printCreated is the records a run created, which a revert keeps: listed when verbose, else
// counted per kind.
func printCreated(w io.Writer, res pipelines.LoadResult, verbose bool) {
	if len(res.Created) == 0 {
		return
	}
	fmt.Fprintf(w, "  records run %d created (kept: delete them in Runn if they should go): %d", res.RunID, len(res.Created))
	if !verbose {
		perKind := map[string]int{}
		var kinds []string
		for _, c := range res.Created {
			if perKind[c.Kind] == 0 {
				kinds = append(kinds, c.Kind)
			}
			perKind[c.Kind]++
		}
		parts := make([]string, len(kinds))
		for i, k := range kinds {
			parts[i] = kindCount(k, perKind[k])
		}
		fmt.Fprintf(w, " (%s); list them with --verbose or --output json\n", strings.Join(parts, ", "))
		return
	}
	fmt.Fprintln(w)
	for _, c := range res.Created {
		fmt.Fprintf(w, "    %-7s %-20s %-30q Runn id %d\n", c.Kind, c.Key, c.Label, c.RunnID)
	}
}

// kindCount is n records of kind, as "1 client" or "3 people".
func kindCount(kind string, n int) string {
	if kind == "person" {
		return plural(n, kind, "people")
	}
	return plural(n, kind, kind+"s")
}

// printLoadHeader is a load's or revert's first line.
func printLoadHeader(w io.Writer, res pipelines.LoadResult) {
	what := "loaded"
	switch {
	case res.DryRun && res.Mode == load.ModeRevert:
		what = "revert planned (dry run: nothing sent)"
	case res.DryRun:
		what = "plan (dry run: nothing sent)"
	case res.Mode == load.ModeRevert:
		what = "reverted"
	}
	fmt.Fprintf(w, "run %d %s", res.RunID, what)
	if res.Mode == load.ModeRevert {
		fmt.Fprintf(w, ", to what Runn held before it (Runn extract %d)", res.SnapshotExtractID)
	}
	if !res.DryRun {
		fmt.Fprintf(w, " in %s", res.Duration.Round(time.Millisecond))
	}
	fmt.Fprintln(w)
}

func printExtract(w io.Writer, format string, res pipelines.ExtractResult) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		return enc.Encode(res)
	}
	size := "?"
	if st, err := os.Stat(res.Warehouse); err == nil {
		size = humanBytes(st.Size())
	}
	fmt.Fprintf(w, "run %d (extract, today %s)\n", res.RunID, res.Today)
	for _, src := range []struct {
		name      string
		m         *extract.Manifest
		resources []string
	}{
		{"harvest", res.Harvest, []string{"users", "roles", "clients", "projects", "tasks", "user_assignments", "time_entries"}},
		{"runn", res.Runn, []string{"roles", "clients", "projects", "people", "project-tags", "contracts", "assignments", "actuals"}},
	} {
		if src.m != nil {
			printManifest(w, src.name, src.m, src.resources)
		}
	}
	fmt.Fprintf(w, "  warehouse %s (%s; page bodies in %s)\n", res.Warehouse, size, warehouse.PagesDir(res.Warehouse))
	return nil
}

// printManifest is what one source's extract landed, resource by resource in fetch order.
func printManifest(w io.Writer, source string, m *extract.Manifest, resources []string) {
	fmt.Fprintf(w, "  %s extract %d: %s, window %s\n", source, m.ExtractID, m.Status, m.Window)
	for _, r := range resources {
		if n, ok := m.PerResource[r]; ok {
			fmt.Fprintf(w, "    %-18s %9d records\n", r, n)
		}
	}
	fmt.Fprintf(w, "    %d requests (%d retries, %d rate-limited), %d pages, %s received, %s stored, %s\n",
		m.Requests, m.Retries, m.RateLimited, m.Pages, humanBytes(m.Bytes), humanBytes(m.StoredBytes), m.Duration.Round(time.Millisecond))
	for _, n := range m.Notes {
		fmt.Fprintf(w, "    note: %s\n", n)
	}
}

// pruneJSON is prune's JSON output (docs/schemas/prune.schema.json).
type pruneJSON struct {
	Warehouse   string              `json:"warehouse"`
	CutoffAt    string              `json:"cutoff_at"`
	DryRun      bool                `json:"dry_run"`
	Pruned      []prunedRunJSON     `json:"pruned"`
	PrunedCount int                 `json:"pruned_count"`
	Kept        []warehouse.KeptRun `json:"kept"`
	PinnedRuns  []int64             `json:"pinned_runs"`
	Rows        int64               `json:"rows_count"`
	PageBytes   int64               `json:"page_bytes"`
}

type prunedRunJSON struct {
	RunID      int64   `json:"run_id"`
	Kind       string  `json:"kind"`
	StartedAt  string  `json:"started_at"`
	ExtractIDs []int64 `json:"extract_ids"`
	Rows       int64   `json:"rows_count"`
	PageFiles  int     `json:"page_files_count"`
	PageBytes  int64   `json:"page_bytes"`
}

func pruneJSONOf(res pipelines.PruneResult) pruneJSON {
	out := pruneJSON{Warehouse: res.Warehouse, CutoffAt: res.Cutoff.UTC().Format(time.RFC3339), DryRun: res.DryRun,
		Pruned: []prunedRunJSON{}, PrunedCount: len(res.Pruned), Kept: res.Kept, PinnedRuns: res.Pinned, Rows: res.Rows,
		PageBytes: res.PageBytes}
	if out.Kept == nil {
		out.Kept = []warehouse.KeptRun{}
	}
	if out.PinnedRuns == nil {
		out.PinnedRuns = []int64{}
	}
	for _, p := range res.Pruned {
		ids := p.Extracts
		if ids == nil {
			ids = []int64{}
		}
		out.Pruned = append(out.Pruned, prunedRunJSON{RunID: p.RunID, Kind: p.Kind, StartedAt: p.StartedAt.UTC().Format(time.RFC3339),
			ExtractIDs: ids, Rows: p.Rows, PageFiles: p.PageFiles, PageBytes: p.PageBytes})
	}
	return out
}

func printPrune(w io.Writer, format string, res pipelines.PruneResult) error {
	if format == "json" {
		return json.NewEncoder(w).Encode(pruneJSONOf(res))
	}
	if len(res.Pruned) == 0 {
		fmt.Fprintf(w, "nothing to prune: no run started before %s has raw extracts left to remove\n", res.Cutoff.Local().Format("2006-01-02 15:04"))
		for _, k := range res.Kept {
			fmt.Fprintf(w, "  kept run %d: %s\n", k.RunID, k.Why)
		}
		return nil
	}
	verb := "pruned"
	if res.DryRun {
		verb = "would prune (dry run: nothing removed)"
	}
	fmt.Fprintf(w, "%s the raw extracts of %d run(s) started before %s: %d rows, %s of page files\n", verb, len(res.Pruned),
		res.Cutoff.Local().Format("2006-01-02 15:04"), res.Rows, humanBytes(res.PageBytes))
	for _, p := range res.Pruned {
		fmt.Fprintf(w, "  run %-6d %-8s started %s: extracts %v, %d rows, %d page files (%s)\n", p.RunID, p.Kind,
			p.StartedAt.Local().Format(time.DateOnly), p.Extracts, p.Rows, p.PageFiles, humanBytes(p.PageBytes))
	}
	for _, k := range res.Kept {
		fmt.Fprintf(w, "  kept run %d: %s\n", k.RunID, k.Why)
	}
	if len(res.Pinned) > 0 {
		fmt.Fprintf(w, "  pinned runs: %v\n", res.Pinned)
	}
	return nil
}

// printDemoStart is what the demo's fakes serve, and what the team keyed into Runn by hand.
func printDemoStart(w io.Writer, sc *demo.Scenario) {
	a := sc.Account()
	fmt.Fprintf(w, "fake Harvest at %s: %d people, %d projects, %d time entries up to %s\n", a.HarvestURL, a.People,
		a.Projects, a.TimeEntries, sc.Day1.Format(time.DateOnly))
	fmt.Fprintf(w, "fake Runn at %s: what a team keyed in by hand before its first sync:\n", a.RunnURL)
	for _, c := range sc.Cases {
		fmt.Fprintf(w, "  %s\n", c)
	}
}

// printDemoDay heads the output of one of the demo's days.
func printDemoDay(w io.Writer, n int, day time.Time, what string) {
	fmt.Fprintf(w, "\nday %d, %s: %s\n", n, day.Format(time.DateOnly), what)
}

// printDemoEdits is what the demo changed in Harvest between the syncs.
func printDemoEdits(w io.Writer, edits []string) {
	fmt.Fprintf(w, "\nbetween the syncs, in Harvest:\n")
	for _, l := range edits {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// printDemoEnd says where the demo warehouse is and what to try on it, calling the binary as
// self (./bin/harvest2runn from the repository root) so that the lines work when pasted.
func printDemoEnd(w io.Writer, self, path string) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	wh := shellQuote(abs)
	fmt.Fprintf(w, `
The warehouse is %[1]s (page bodies in %[2]s).
Try these (or open it with: duckdb -readonly %[3]s):
  %[4]s status --warehouse %[3]s
  %[4]s audit --warehouse %[3]s --run 2
`, abs, warehouse.PagesDir(abs), wh, self)
	for _, q := range demo.Queries {
		fmt.Fprintf(w, "  %s query --warehouse %s %s\n", self, wh, shellQuote(q))
	}
}

// shellQuote is s as one word for a POSIX shell: unchanged when it is safe, else in single
// quotes (a query's own single quotes escaped), so that a pasted line runs as printed.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
