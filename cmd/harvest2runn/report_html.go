package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/htmlreport"
	"github.com/harvest2runn/harvest2runn/pipelines"
)

// runReportHTML writes the run report page to --out (default harvest2runn-run-N.html; - is
// stdout), rendered whole before the file is written so that a failure leaves no half page.
func runReportHTML(ctx context.Context, e *env, f *reportFlags, path string) error {
	if f.week != "" || f.all {
		return usagef("--week and --all are for report discrepancies; report html shows every week of the run")
	}
	if format, err := checkOutput(f.output, outputText); err != nil || format != outputText {
		return usagef("report html writes a page (--out), not --output %s; for data use report discrepancies --output json or export", f.output)
	}
	rep, err := pipelines.RunReport(ctx, pipelines.RunReportOptions{WarehousePath: path, RunID: f.run, Now: time.Now()})
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := htmlreport.Render(&page, rep); err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = fmt.Sprintf("harvest2runn-run-%d.html", rep.RunID)
	}
	if out == "-" {
		_, err := e.stdout.Write(page.Bytes())
		return err
	}
	if err := os.WriteFile(out, page.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the report of run %d: %w (choose another file with --out)", rep.RunID, err)
	}
	abs, _ := filepath.Abs(out)
	_, err = fmt.Fprintf(e.stdout, "wrote the report of run %d (window %s) to %s: open it in a browser\n", rep.RunID, rep.Window, abs)
	return err
}
