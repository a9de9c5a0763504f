package pipelines

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ErrNoDiscrepancyView: the warehouse has no analytics.minutes_by_week, the view the report
// reads. The transform makes it once the actuals rules (R7–R14) are part of the build.
var ErrNoDiscrepancyView = errors.New("the view analytics.minutes_by_week is not in this warehouse yet")

// DiscrepancyOptions choose what the discrepancies report shows.
type DiscrepancyOptions struct {
	WarehousePath string
	RunID         int64     // 0: the latest planned run
	Week          time.Time // zero: every week; else the week (Monday to Sunday) holding this date
	All           bool      // include rows without a discrepancy
}

// Discrepancies streams Harvest against Runn minutes per person, project and week for one run,
// largest discrepancy first, from analytics.minutes_by_week.
func Discrepancies(ctx context.Context, opts DiscrepancyOptions, sink RowSink) (runID int64, err error) {
	r, err := warehouse.OpenReadOnly(ctx, opts.WarehousePath)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	ok, err := r.HasTable(ctx, "analytics", "minutes_by_week")
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("%w: the transform makes it with the actuals rules (R7-R14); until a run has planned actuals, compare with `harvest2runn query` over raw.harvest_time_entries and raw.runn_actuals", ErrNoDiscrepancyView)
	}
	runID = opts.RunID
	if runID == 0 {
		if runID, err = r.LatestPlannedRun(ctx); err != nil {
			return 0, err
		}
		if runID == 0 {
			return 0, errors.New("no run has a plan yet: run `harvest2runn sync` first")
		}
	}
	cols, err := viewColumns(ctx, r.DB, "analytics", "minutes_by_week")
	if err != nil {
		return runID, err
	}
	q := `SELECT * FROM analytics.minutes_by_week WHERE run_id = ?`
	args := []any{runID}
	if !opts.All && slices.Contains(cols, "discrepancy") {
		q += ` AND discrepancy <> 0`
	}
	if !opts.Week.IsZero() {
		wc := weekColumn(cols)
		if wc == "" {
			return runID, fmt.Errorf("analytics.minutes_by_week has no week column (one of week, week_start): cannot filter by --week")
		}
		q += ` AND date_trunc('week', "` + wc + `"::DATE) = date_trunc('week', ?::DATE)`
		args = append(args, opts.Week.Format(time.DateOnly))
	}
	// Largest discrepancy first, then by the view's leading columns (run, person, project, week).
	order := ""
	for i := 1; i <= min(len(cols), 4); i++ {
		order += fmt.Sprintf(", %d", i)
	}
	if slices.Contains(cols, "discrepancy") {
		q += ` ORDER BY abs(discrepancy) DESC` + order
	} else if order != "" {
		q += ` ORDER BY ` + order[2:]
	}
	return runID, queryInto(ctx, r, q, args, sink)
}

func viewColumns(ctx context.Context, db *sqlx.DB, schema, name string) ([]string, error) {
	var cols []string
	if err := db.SelectContext(ctx, &cols, `SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?
		ORDER BY column_index`, schema, name); err != nil {
		return nil, fmt.Errorf("read the columns of %s.%s: %w", schema, name, err)
	}
	return cols, nil
}

// weekColumn is the view's week column; its name is the transform's choice.
func weekColumn(cols []string) string {
	for _, c := range []string{"week", "week_start", "week_monday", "week_of"} {
		if slices.Contains(cols, c) {
			return c
		}
	}
	return ""
}

// ParseWeek reads a week as a date inside it (YYYY-MM-DD) or as an ISO week (YYYY-Www), and
// returns its Monday.
func ParseWeek(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return monday(t), nil
	}
	var year, week int
	if n, err := fmt.Sscanf(s, "%4d-W%2d", &year, &week); err == nil && n == 2 && week >= 1 && week <= 53 {
		// ISO week 1 holds January 4th.
		jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, time.UTC)
		m := monday(jan4).AddDate(0, 0, 7*(week-1))
		if _, w := m.ISOWeek(); w == week {
			return m, nil
		}
	}
	return time.Time{}, fmt.Errorf("week %q: give a date inside it (2025-06-02) or an ISO week (2025-W23)", s)
}

func monday(t time.Time) time.Time {
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}
