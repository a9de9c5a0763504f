-- One row per run: its window and totals, kept in plan.* at transform time. Its presence says
-- that the run's history (plan.rpt_names, plan.rpt_minutes_by_week) was kept, so that reports
-- on the run need nothing prune removes; a run transformed before these models has none.
SELECT
    ctx.window_from,
    ctx.window_to,
    ctx.today,
    ctx.only_kinds,
    (SELECT count(*) FROM staging.stg_harvest__users) AS harvest_people,
    (SELECT count(*) FROM staging.stg_harvest__projects) AS harvest_projects,
    (SELECT count(*) FROM staging.stg_harvest__time_entries) AS harvest_entries,
    (SELECT coalesce(sum(minutes), 0)::BIGINT FROM report.rpt_exclusions) AS excluded_minutes,
    (SELECT count(*) FROM report.rpt_exclusions) AS excluded_entries
FROM staging.run_context AS ctx
