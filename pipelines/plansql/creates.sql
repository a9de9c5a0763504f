-- The records a run's plan creates in Runn (R2-R6), in the order of R15, with the names and the
-- fields the create sends: one row per create, columns a kind does not use are NULL. Read right
-- after the run's transform, while staging.* and intermediate.* still hold that run.
WITH r AS (SELECT ?::BIGINT AS run_id),
creates AS (
SELECT 1 AS ord, 'role' AS kind, c.harvest_role_id AS harvest_id, c.name, c.rule, c.reason,
    NULL::VARCHAR AS client_name, NULL::BIGINT AS harvest_client_id, NULL::BIGINT AS runn_client_id,
    NULL::VARCHAR AS pricing_model, NULL::DOUBLE AS budget, NULL::VARCHAR AS email,
    NULL::VARCHAR AS role_name, NULL::BIGINT AS runn_role_id, NULL::DOUBLE AS cost_per_hour,
    NULL::VARCHAR AS employment_type, NULL::VARCHAR AS start_date
FROM plan.chg_runn__roles AS c JOIN r USING (run_id)
UNION ALL
SELECT 2, 'client', c.harvest_client_id, c.name, c.rule, c.reason,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM plan.chg_runn__clients AS c JOIN r USING (run_id)
UNION ALL
SELECT 3, 'project', c.harvest_project_id, c.name, c.rule, c.reason,
    coalesce(rc.name, hc.name), c.harvest_client_id, c.runn_client_id, c.pricing_model, c.budget::DOUBLE,
    NULL, NULL, NULL, NULL, NULL, NULL
FROM plan.chg_runn__projects AS c JOIN r USING (run_id)
LEFT JOIN staging.stg_runn__clients AS rc ON rc.runn_client_id = c.runn_client_id
LEFT JOIN staging.stg_harvest__clients AS hc ON hc.harvest_client_id = c.harvest_client_id
UNION ALL
SELECT 4, 'person', c.harvest_user_id, trim(concat_ws(' ', c.first_name, c.last_name)), c.rule, c.reason,
    NULL, NULL, NULL, NULL, NULL, c.email, coalesce(ro.name, c.role_key), c.runn_role_id, c.cost_per_hour::DOUBLE,
    c.employment_type, c.start_date::VARCHAR
FROM plan.chg_runn__people AS c JOIN r USING (run_id)
LEFT JOIN (
    SELECT runn_role_id, role_key, name, is_created FROM intermediate.int_roles
    QUALIFY row_number() OVER (PARTITION BY coalesce(runn_role_id::VARCHAR, 'created ' || role_key) ORDER BY name) = 1
) AS ro ON ro.runn_role_id = c.runn_role_id OR (c.runn_role_id IS NULL AND ro.is_created AND ro.role_key = c.role_key)
)
SELECT * EXCLUDE (ord) FROM creates ORDER BY ord, name, harvest_id
