-- Every Runn write each run planned, with the rule that caused it and why: one row per write,
-- the kind's own columns as JSON in `details`.
SELECT run_id, 'role' AS kind, rule, reason, role_key AS target, to_json(c) AS details FROM plan.chg_runn__roles AS c
UNION ALL
SELECT run_id, 'client', rule, reason, 'Harvest client ' || harvest_client_id, to_json(c) FROM plan.chg_runn__clients AS c
UNION ALL
SELECT run_id, 'project', rule, reason, 'Harvest project ' || harvest_project_id, to_json(c) FROM plan.chg_runn__projects AS c
UNION ALL
SELECT run_id, 'person', rule, reason, 'Harvest user ' || harvest_user_id, to_json(c) FROM plan.chg_runn__people AS c
UNION ALL
SELECT run_id, 'actual', rule, reason,
    concat_ws(' ', date, 'person', coalesce(runn_person_id::VARCHAR, 'of Harvest user ' || harvest_user_id),
        'project', coalesce(runn_project_id::VARCHAR, 'of Harvest project ' || harvest_project_id),
        'role', coalesce(runn_role_id::VARCHAR, role_key)),
    to_json(c)
FROM plan.chg_runn__actuals AS c
