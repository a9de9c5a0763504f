package pipelines

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/htmlreport"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// RunReportOptions choose the run the HTML report is about.
type RunReportOptions struct {
	WarehousePath string
	RunID         int64     // 0: the latest planned run
	Now           time.Time // when the report is made, printed on it
}

// RunReport reads what the HTML run report shows of one run, from plan.* and analytics.* only,
// so that it is the same after prune removed the run's extracts.
func RunReport(ctx context.Context, opts RunReportOptions) (htmlreport.Report, error) {
	r, err := warehouse.OpenReadOnly(ctx, opts.WarehousePath)
	if err != nil {
		return htmlreport.Report{}, err
	}
	defer r.Close()
	run, err := reportRun(ctx, r, opts.RunID)
	if err != nil {
		return htmlreport.Report{}, err
	}
	rep := htmlreport.Report{RunID: run.RunID, Kind: run.Kind, Status: run.Status, Window: run.Window.String(),
		GeneratedAt: opts.Now.UTC().Format(time.RFC3339)}
	if run.PrunedAt != nil {
		rep.PrunedAt = run.PrunedAt.Format(time.DateOnly)
	}
	for _, step := range []func(context.Context, *warehouse.Reader, *htmlreport.Report) error{
		readSummary, readPlanCounts, readExclusionGroups, readUnknownRoles, readSeries,
	} {
		if err := step(ctx, r, &rep); err != nil {
			return rep, fmt.Errorf("the report of run %d: %w", run.RunID, err)
		}
	}
	return rep, nil
}

func readSummary(ctx context.Context, r *warehouse.Reader, rep *htmlreport.Report) error {
	s := &rep.Summary
	if ok, err := hasHistory(ctx, r, rep.RunID); err != nil {
		return err
	} else if ok {
		if err := r.DB.QueryRowxContext(ctx, `SELECT harvest_people, harvest_projects, harvest_entries FROM plan.rpt_run_summary WHERE run_id = ?`,
			rep.RunID).Scan(&s.HarvestPeople, &s.HarvestProjects, &s.HarvestEntries); err != nil {
			return fmt.Errorf("read plan.rpt_run_summary: %w", err)
		}
	}
	if err := r.DB.QueryRowxContext(ctx, `SELECT coalesce(sum(harvest_minutes), 0)::BIGINT, coalesce(sum(excluded_minutes), 0)::BIGINT,
			coalesce(sum(runn_minutes_before), 0)::BIGINT, coalesce(sum(runn_minutes_after), 0)::BIGINT,
			coalesce(sum(discrepancy), 0)::BIGINT, count(*) FILTER (discrepancy <> 0)
		FROM analytics.minutes_by_week WHERE run_id = ?`, rep.RunID).Scan(&s.HarvestMinutes, &s.ExcludedMinutes,
		&s.RunnMinutesBefore, &s.RunnMinutesAfter, &s.DiscrepancyMinutes, &s.Discrepancies); err != nil {
		return fmt.Errorf("read analytics.minutes_by_week: %w", err)
	}
	if err := r.DB.GetContext(ctx, &s.PlannedWrites, `SELECT count(*) FROM analytics.planned_writes WHERE run_id = ?`, rep.RunID); err != nil {
		return fmt.Errorf("read analytics.planned_writes: %w", err)
	}
	return nil
}

func readPlanCounts(ctx context.Context, r *warehouse.Reader, rep *htmlreport.Report) error {
	// Kinds in the order the load sends them (R15).
	if err := r.DB.SelectContext(ctx, &rep.Plan, `SELECT kind AS kind, rule AS rule, count(*) AS writes
		FROM analytics.planned_writes WHERE run_id = ? GROUP BY kind, rule
		ORDER BY list_position(['role', 'client', 'project', 'person', 'actual'], kind), rule`, rep.RunID); err != nil {
		return fmt.Errorf("read analytics.planned_writes: %w", err)
	}
	return nil
}

func readExclusionGroups(ctx context.Context, r *warehouse.Reader, rep *htmlreport.Report) error {
	if err := r.DB.SelectContext(ctx, &rep.Exclusions, `SELECT reason AS reason, rule AS rule,
			coalesce(sum(minutes), 0)::BIGINT AS minutes, count(*) AS entriescount
		FROM plan.rpt_exclusions WHERE run_id = ? GROUP BY ALL ORDER BY minutes DESC, reason`, rep.RunID); err != nil {
		return fmt.Errorf("read plan.rpt_exclusions: %w", err)
	}
	var entries []struct {
		Reason string `db:"reason"`
		htmlreport.ExcludedEntry
	}
	if err := r.DB.SelectContext(ctx, &entries, `SELECT reason, strftime(date, '%Y-%m-%d') AS date, harvest_entry_id AS harvestentryid,
			coalesce(person || ' (' || harvest_user_id || ')', 'Harvest user ' || harvest_user_id, '') AS person,
			coalesce(project || ' (' || harvest_project_id || ')', 'Harvest project ' || harvest_project_id, '') AS project,
			coalesce(minutes, 0) AS minutes
		FROM analytics.excluded_time WHERE run_id = ?
		QUALIFY row_number() OVER (PARTITION BY reason ORDER BY minutes DESC NULLS LAST, date, harvest_entry_id) <= ?
		ORDER BY reason, minutes DESC NULLS LAST, date, harvest_entry_id`, rep.RunID, htmlreport.MaxEntries); err != nil {
		return fmt.Errorf("read analytics.excluded_time: %w", err)
	}
	for _, e := range entries {
		for i := range rep.Exclusions {
			if rep.Exclusions[i].Reason == e.Reason {
				rep.Exclusions[i].Entries = append(rep.Exclusions[i].Entries, e.ExcludedEntry)
			}
		}
	}
	return nil
}

func readUnknownRoles(ctx context.Context, r *warehouse.Reader, rep *htmlreport.Report) error {
	ok, err := r.HasTable(ctx, "plan", "rpt_unknown_roles")
	if err != nil || !ok {
		return err
	}
	if err := r.DB.SelectContext(ctx, &rep.UnknownRoles, `SELECT u.harvest_user_id AS harvestuserid,
			coalesce(nullif(trim(concat_ws(' ', u.first_name, u.last_name)), ''), 'Harvest user ' || u.harvest_user_id) AS name,
			coalesce(u.harvest_roles, '') AS harvestroles, u.reason AS reason,
			coalesce(b.minutes, 0)::BIGINT AS blockedminutes, coalesce(b.entries, 0) AS blockedentries
		FROM plan.rpt_unknown_roles AS u
		LEFT JOIN (SELECT harvest_user_id, sum(minutes) AS minutes, count(*) AS entries FROM plan.rpt_exclusions
			WHERE run_id = ? AND reason = 'role Unknown' GROUP BY ALL) AS b USING (harvest_user_id)
		WHERE u.run_id = ? ORDER BY blockedminutes DESC, name`, rep.RunID, rep.RunID); err != nil {
		return fmt.Errorf("read plan.rpt_unknown_roles: %w", err)
	}
	return nil
}

// seriesRow is one person's or project's week.
type seriesRow struct {
	ID          int64     `db:"id"`
	Name        *string   `db:"name"`
	Week        time.Time `db:"week"`
	Harvest     int64     `db:"harvest"`
	Excluded    int64     `db:"excluded"`
	RunnBefore  int64     `db:"runnbefore"`
	RunnAfter   int64     `db:"runnafter"`
	Discrepancy int64     `db:"discrepancy"`
}

// readSeries reads the per person and per project weeks. Every chart has every week of the run,
// zeros where a person or project has no time, so that the charts line up.
func readSeries(ctx context.Context, r *warehouse.Reader, rep *htmlreport.Report) error {
	var weeks []time.Time
	if err := r.DB.SelectContext(ctx, &weeks, `SELECT DISTINCT week FROM analytics.minutes_by_week WHERE run_id = ? ORDER BY week`,
		rep.RunID); err != nil {
		return fmt.Errorf("read analytics.minutes_by_week: %w", err)
	}
	for _, by := range []struct {
		id, name, kind string
		dst            *[]htmlreport.Series
		count          *int
	}{{"harvest_user_id", "person_name", "Harvest user", &rep.People, &rep.PeopleCount},
		{"harvest_project_id", "project_name", "Harvest project", &rep.Projects, &rep.ProjectsCount}} {
		var rows []seriesRow
		if err := r.DB.SelectContext(ctx, &rows, `SELECT `+by.id+` AS id, any_value(`+by.name+`) AS name, week,
				sum(harvest_minutes)::BIGINT AS harvest, sum(excluded_minutes)::BIGINT AS excluded,
				sum(runn_minutes_before)::BIGINT AS runnbefore, sum(runn_minutes_after)::BIGINT AS runnafter,
				sum(discrepancy)::BIGINT AS discrepancy
			FROM analytics.minutes_by_week WHERE run_id = ? AND `+by.id+` IS NOT NULL GROUP BY ALL ORDER BY 1, week`, rep.RunID); err != nil {
			return fmt.Errorf("read analytics.minutes_by_week per %s: %w", by.kind, err)
		}
		all := buildSeries(rows, weeks, by.kind)
		*by.count = len(all)
		*by.dst = all[:min(len(all), htmlreport.MaxSeries)]
	}
	return nil
}

// buildSeries groups rows (ordered by id) into one series per id over every week, the series
// with the largest discrepancies first, then by name.
func buildSeries(rows []seriesRow, weeks []time.Time, kind string) []htmlreport.Series {
	var out []htmlreport.Series
	var off []int64
	for i := 0; i < len(rows); {
		id := rows[i].ID
		s := htmlreport.Series{HarvestID: id, Name: fmt.Sprintf("%s %d", kind, id)}
		if rows[i].Name != nil && *rows[i].Name != "" {
			s.Name = *rows[i].Name
		}
		byWeek := map[time.Time]htmlreport.Week{}
		for ; i < len(rows) && rows[i].ID == id; i++ {
			x := rows[i]
			byWeek[x.Week] = htmlreport.Week{Harvest: x.Harvest, Excluded: x.Excluded, RunnBefore: x.RunnBefore,
				RunnAfter: x.RunnAfter, Discrepancy: x.Discrepancy}
		}
		var total int64
		for _, w := range weeks {
			wk := byWeek[w]
			wk.Week = w.Format(time.DateOnly)
			total += abs(wk.Discrepancy)
			s.Weeks = append(s.Weeks, wk)
		}
		out = append(out, s)
		off = append(off, total)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if off[a] != off[b] {
			return int(off[b] - off[a])
		}
		if out[a].Name < out[b].Name {
			return -1
		}
		if out[a].Name > out[b].Name {
			return 1
		}
		return 0
	})
	sorted := make([]htmlreport.Series, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
