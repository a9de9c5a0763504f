-- Time each run did not send to Runn, entry by entry, and why (R9), with names to read. Runs
-- transformed since the history models were added take the names the transform kept in
-- plan.rpt_names, so the view stays whole after prune; older runs take them from their raw
-- extracts while those remain.
SELECT x.run_id, x.date, x.reason, x.rule, x.minutes, x.harvest_entry_id,
    x.harvest_user_id, pe.name AS person,
    x.harvest_project_id, pr.name AS project
FROM plan.rpt_exclusions AS x
JOIN plan.rpt_run_summary AS s ON s.run_id = x.run_id
LEFT JOIN plan.rpt_names AS pe ON pe.run_id = x.run_id AND pe.kind = 'person' AND pe.harvest_id = x.harvest_user_id
LEFT JOIN plan.rpt_names AS pr ON pr.run_id = x.run_id AND pr.kind = 'project' AND pr.harvest_id = x.harvest_project_id
UNION ALL
SELECT x.run_id, x.date, x.reason, x.rule, x.minutes, x.harvest_entry_id,
    x.harvest_user_id, u.first_name || ' ' || u.last_name AS person,
    x.harvest_project_id, p.name AS project
FROM plan.rpt_exclusions AS x
JOIN meta.usable_extracts AS h ON h.run_id = x.run_id AND h.source = 'harvest'
LEFT JOIN (SELECT DISTINCT ON (extract_id, id) * FROM raw.harvest_users ORDER BY extract_id, id, updated_at DESC) AS u
    ON u.extract_id = h.extract_id AND u.id = x.harvest_user_id
LEFT JOIN (SELECT DISTINCT ON (extract_id, id) * FROM raw.harvest_projects ORDER BY extract_id, id, updated_at DESC) AS p
    ON p.extract_id = h.extract_id AND p.id = x.harvest_project_id
WHERE x.run_id NOT IN (SELECT run_id FROM plan.rpt_run_summary)
