-- One row per Harvest client of the extract: the Runn client it is (R1: by Harvest reference
-- only, lowest id) and whether this run creates it (R2, R3): no match, clients synced per --only
-- (R15), and active in Harvest, or inactive but an active Harvest project being imported this run
-- belongs to it (R2's one exception). Such a project is active, has no Runn match and projects are
-- synced; it is then created with this client (intermediate.int_projects).
WITH ctx AS (
    SELECT
        list_contains(only_kinds, 'clients') AS sync_clients,
        list_contains(only_kinds, 'projects') AS sync_projects
    FROM staging.run_context
),
matched AS (
    SELECT harvest_id, runn_id
    FROM intermediate.int_identity__references
    WHERE kind = 'client' AND match_rank = 1
),
matched_projects AS (
    SELECT harvest_id
    FROM intermediate.int_identity__references
    WHERE kind = 'project' AND match_rank = 1
),
needed_by_projects AS (
    SELECT DISTINCT p.harvest_client_id
    FROM staging.stg_harvest__projects AS p
    CROSS JOIN ctx
    ANTI JOIN matched_projects AS m ON m.harvest_id = p.harvest_project_id
    WHERE ctx.sync_projects AND coalesce(p.is_active, false) AND p.harvest_client_id IS NOT NULL
)
SELECT
    c.harvest_client_id,
    m.runn_id AS runn_client_id,
    m.runn_id IS NULL AND ctx.sync_clients
        AND (coalesce(c.is_active, false) OR n.harvest_client_id IS NOT NULL) AS is_created
FROM staging.stg_harvest__clients AS c
CROSS JOIN ctx
LEFT JOIN matched AS m ON m.harvest_id = c.harvest_client_id
LEFT JOIN needed_by_projects AS n ON n.harvest_client_id = c.harvest_client_id
