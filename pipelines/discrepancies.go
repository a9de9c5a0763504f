package pipelines

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// ErrNoDiscrepancyView: the warehouse has no analytics.minutes_by_week with names, the view the
// report reads. The transform makes it.
var ErrNoDiscrepancyView = errors.New("the view analytics.minutes_by_week is not in this warehouse yet")

// DiscrepancyOptions choose what the discrepancies report shows.
type DiscrepancyOptions struct {
	WarehousePath string
	RunID         int64     // 0: the latest planned run
	Week          time.Time // zero: every week; else the week (Monday to Sunday) holding this date
	All           bool      // include rows without a discrepancy
}

// Exclusion is time of one person, project and week a run did not send, for one reason (R9).
type Exclusion struct {
	Reason       string `json:"reason" db:"reason"`
	Rule         string `json:"rule" db:"rule"`
	Minutes      int64  `json:"minutes" db:"minutes"`
	EntriesCount int64  `json:"entries_count" db:"entries"`
}

// Discrepancy is Harvest against Runn for one person, project and week of a run.
type Discrepancy struct {
	HarvestUserID      *int64      `json:"harvest_user_id" db:"harvest_user_id"`
	PersonName         *string     `json:"person_name" db:"person_name"`
	RoleNames          *string     `json:"role_names" db:"role_names"`
	HarvestProjectID   *int64      `json:"harvest_project_id" db:"harvest_project_id"`
	ProjectName        *string     `json:"project_name" db:"project_name"`
	Week               string      `json:"week" db:"-"`
	WeekDate           time.Time   `json:"-" db:"week"`
	HarvestMinutes     int64       `json:"harvest_minutes" db:"harvest_minutes"`
	ExcludedMinutes    int64       `json:"excluded_minutes" db:"excluded_minutes"`
	RunnMinutesBefore  int64       `json:"runn_minutes_before" db:"runn_minutes_before"`
	RunnMinutesAfter   int64       `json:"runn_minutes_after" db:"runn_minutes_after"`
	DiscrepancyMinutes int64       `json:"discrepancy_minutes" db:"discrepancy"`
	Exclusions         []Exclusion `json:"exclusions" db:"-"`
}

// DiscrepancyReport is the discrepancies of one run, largest first.
type DiscrepancyReport struct {
	ReportRun
	Week               *string       `json:"week"`
	All                bool          `json:"all"`
	Discrepancies      []Discrepancy `json:"discrepancies"`
	DiscrepanciesCount int           `json:"discrepancies_count"`
}

// Discrepancies reads Harvest against Runn minutes per person, project and week for one run,
// largest discrepancy first, with names and the reasons time was excluded. Everything it reads
// of a run transformed with the history models is in plan.*, so it gives the same rows after
// prune; an older run whose extracts were pruned is refused (warehouse.ErrPruned).
func Discrepancies(ctx context.Context, opts DiscrepancyOptions) (DiscrepancyReport, error) {
	r, err := warehouse.OpenReadOnly(ctx, opts.WarehousePath)
	if err != nil {
		return DiscrepancyReport{}, err
	}
	defer r.Close()
	rep := DiscrepancyReport{All: opts.All, Discrepancies: []Discrepancy{}}
	if rep.ReportRun, err = reportRun(ctx, r, opts.RunID); err != nil {
		return rep, err
	}
	if !opts.Week.IsZero() {
		w := monday(opts.Week).Format(time.DateOnly)
		rep.Week = &w
	}
	if rep.Discrepancies, err = discrepancyRows(ctx, r, rep.RunID, rep.Week, opts.All); err != nil {
		return rep, err
	}
	rep.DiscrepanciesCount = len(rep.Discrepancies)
	return rep, nil
}

func discrepancyRows(ctx context.Context, r *warehouse.Reader, runID int64, week *string, all bool) ([]Discrepancy, error) {
	for _, t := range [][2]string{{"analytics", "minutes_by_week"}, {"plan", "rpt_names"}} {
		ok, err := r.HasTable(ctx, t[0], t[1])
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: %s.%s is missing; the next `harvest2runn sync` (or `replay --apply`) makes it", ErrNoDiscrepancyView, t[0], t[1])
		}
	}
	q := `SELECT m.harvest_user_id, m.person_name, n.role_names, m.harvest_project_id, m.project_name, m.week,
			m.harvest_minutes, m.excluded_minutes, m.runn_minutes_before, m.runn_minutes_after, m.discrepancy
		FROM analytics.minutes_by_week AS m
		LEFT JOIN plan.rpt_names AS n ON n.run_id = m.run_id AND n.kind = 'person' AND n.harvest_id = m.harvest_user_id
		WHERE m.run_id = ? AND (? OR m.discrepancy <> 0) AND (?::DATE IS NULL OR m.week = ?::DATE)
		ORDER BY abs(m.discrepancy) DESC, m.person_name, m.harvest_user_id, m.project_name, m.harvest_project_id, m.week`
	rows := []Discrepancy{}
	if err := r.DB.SelectContext(ctx, &rows, q, runID, all, week, week); err != nil {
		return nil, fmt.Errorf("read analytics.minutes_by_week for run %d: %w", runID, err)
	}
	why, err := exclusionsByKey(ctx, r, runID, week)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		d := &rows[i]
		d.Week = d.WeekDate.Format(time.DateOnly)
		d.Exclusions = why[exclusionKey{deref(d.HarvestUserID), deref(d.HarvestProjectID), d.Week}]
		if d.Exclusions == nil {
			d.Exclusions = []Exclusion{}
		}
	}
	return rows, nil
}

type exclusionKey struct {
	user, project int64
	week          string
}

// exclusionsByKey reads a run's excluded time per person, project, week and reason, largest first.
func exclusionsByKey(ctx context.Context, r *warehouse.Reader, runID int64, week *string) (map[exclusionKey][]Exclusion, error) {
	var rows []struct {
		User    sql.NullInt64 `db:"harvest_user_id"`
		Project sql.NullInt64 `db:"harvest_project_id"`
		Week    time.Time     `db:"week"`
		Exclusion
	}
	if err := r.DB.SelectContext(ctx, &rows, `SELECT harvest_user_id, harvest_project_id, date_trunc('week', date)::DATE AS week,
			reason, rule, coalesce(sum(minutes), 0)::BIGINT AS minutes, count(*) AS entries
		FROM plan.rpt_exclusions WHERE run_id = ? AND (?::DATE IS NULL OR date_trunc('week', date)::DATE = ?::DATE)
		GROUP BY ALL ORDER BY minutes DESC, reason`, runID, week, week); err != nil {
		return nil, fmt.Errorf("read plan.rpt_exclusions for run %d: %w", runID, err)
	}
	out := map[exclusionKey][]Exclusion{}
	for _, x := range rows {
		k := exclusionKey{x.User.Int64, x.Project.Int64, x.Week.Format(time.DateOnly)}
		out[k] = append(out[k], x.Exclusion)
	}
	return out, nil
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
