-- Time each run did not send to Runn, entry by entry, and why (R9), with names to read.
SELECT x.run_id, x.date, x.reason, x.rule, x.minutes, x.harvest_entry_id,
    x.harvest_user_id, u.first_name || ' ' || u.last_name AS person,
    x.harvest_project_id, p.name AS project
FROM plan.rpt_exclusions AS x
JOIN meta.usable_extracts AS h ON h.run_id = x.run_id AND h.source = 'harvest'
LEFT JOIN (SELECT DISTINCT ON (extract_id, id) * FROM raw.harvest_users ORDER BY extract_id, id, updated_at DESC) AS u
    ON u.extract_id = h.extract_id AND u.id = x.harvest_user_id
LEFT JOIN (SELECT DISTINCT ON (extract_id, id) * FROM raw.harvest_projects ORDER BY extract_id, id, updated_at DESC) AS p
    ON p.extract_id = h.extract_id AND p.id = x.harvest_project_id
