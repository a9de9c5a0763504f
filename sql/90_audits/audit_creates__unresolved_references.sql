-- A project's client and a person's role exist in Runn or are created in this run.
SELECT 'project' AS record, p.harvest_project_id AS harvest_id, 'client ' || coalesce(p.runn_client_id::VARCHAR, 'of Harvest client ' || p.harvest_client_id) AS unresolved
FROM changes.chg_runn__projects AS p
WHERE (
    p.runn_client_id IN (SELECT runn_client_id FROM staging.stg_runn__clients)
    OR (p.runn_client_id IS NULL AND p.harvest_client_id IN (SELECT harvest_client_id FROM changes.chg_runn__clients))
) IS NOT TRUE
UNION ALL
SELECT 'person', p.harvest_user_id, 'role ' || coalesce(p.runn_role_id::VARCHAR, p.role_key)
FROM changes.chg_runn__people AS p
WHERE (
    p.runn_role_id IN (SELECT runn_role_id FROM staging.stg_runn__roles)
    OR (p.runn_role_id IS NULL AND p.role_key IN (SELECT role_key FROM changes.chg_runn__roles))
) IS NOT TRUE
