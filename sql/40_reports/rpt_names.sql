-- The names of the Harvest people and projects of this run's extract, kept per run in plan.* so
-- that reports and analytics.* views show names beside ids after prune has removed the raw
-- extracts they came from (docs/warehouse.md: history is never lost). A person's role names are
-- the Harvest roles the user carries (R6 decides the Runn role from them).
SELECT
    'person' AS kind,
    u.harvest_user_id AS harvest_id,
    p.runn_person_id AS runn_id,
    nullif(trim(concat_ws(' ', u.first_name, u.last_name)), '') AS name,
    array_to_string(u.role_names, ', ') AS role_names,
    NULL::VARCHAR AS client_name
FROM staging.stg_harvest__users AS u
LEFT JOIN intermediate.int_people AS p ON p.harvest_user_id = u.harvest_user_id
UNION ALL
SELECT
    'project',
    p.harvest_project_id,
    ip.runn_project_id,
    p.name,
    NULL,
    c.name
FROM staging.stg_harvest__projects AS p
LEFT JOIN intermediate.int_projects AS ip ON ip.harvest_project_id = p.harvest_project_id
LEFT JOIN staging.stg_harvest__clients AS c ON c.harvest_client_id = p.harvest_client_id
