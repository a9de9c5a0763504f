-- Every actual names a person, project and role that exists in Runn or is created in this run
-- (R15 orders the creates first); anything else would be refused by Runn at load time.
-- IS NOT TRUE rather than NOT: a NULL Runn id makes IN unknown, and the row must still fail.
SELECT a.*, 'person' AS unresolved
FROM changes.chg_runn__actuals AS a
WHERE (
    a.runn_person_id IN (SELECT runn_person_id FROM staging.stg_runn__people)
    OR (a.runn_person_id IS NULL AND a.harvest_user_id IN (SELECT harvest_user_id FROM changes.chg_runn__people))
) IS NOT TRUE
UNION ALL
SELECT a.*, 'project'
FROM changes.chg_runn__actuals AS a
WHERE (
    a.runn_project_id IN (SELECT runn_project_id FROM staging.stg_runn__projects)
    OR (a.runn_project_id IS NULL AND a.harvest_project_id IN (SELECT harvest_project_id FROM changes.chg_runn__projects))
) IS NOT TRUE
UNION ALL
SELECT a.*, 'role'
FROM changes.chg_runn__actuals AS a
WHERE (
    a.runn_role_id IN (SELECT runn_role_id FROM staging.stg_runn__roles)
    OR (a.runn_role_id IS NULL AND a.role_key IN (SELECT role_key FROM changes.chg_runn__roles))
) IS NOT TRUE
