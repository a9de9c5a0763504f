-- Each Runn record is created once and each actual key written once per run: a duplicate here
-- would create a record twice or send two values for one key.
SELECT 'changes.chg_runn__roles' AS change_table, role_key AS key, count(*) AS rows
FROM changes.chg_runn__roles GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'changes.chg_runn__clients', harvest_client_id::VARCHAR, count(*)
FROM changes.chg_runn__clients GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'changes.chg_runn__projects', harvest_project_id::VARCHAR, count(*)
FROM changes.chg_runn__projects GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'changes.chg_runn__people', harvest_user_id::VARCHAR, count(*)
FROM changes.chg_runn__people GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT 'changes.chg_runn__actuals',
    concat_ws(' ', date, coalesce(runn_person_id::VARCHAR, 'harvest user ' || harvest_user_id),
        coalesce(runn_project_id::VARCHAR, 'harvest project ' || harvest_project_id),
        coalesce(runn_role_id::VARCHAR, 'role ' || role_key)),
    rows
FROM (
    -- Grouped by the key's parts, and spelled out for the duplicates alone: a whole history
    -- plans millions of keys.
    SELECT date, runn_person_id, CASE WHEN runn_person_id IS NULL THEN harvest_user_id END AS harvest_user_id,
        runn_project_id, CASE WHEN runn_project_id IS NULL THEN harvest_project_id END AS harvest_project_id,
        runn_role_id, CASE WHEN runn_role_id IS NULL THEN role_key END AS role_key, count(*) AS rows
    FROM changes.chg_runn__actuals GROUP BY ALL HAVING count(*) > 1
)
