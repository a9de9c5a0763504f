-- One row per Harvest project of the extract: the Runn project it is (R1: by Harvest reference
-- only, lowest id, archived included, templates never) with what R7 and R9 need of it, or
-- whether this run creates it (R2, R4): no match, active in Harvest, with a Harvest client whose
-- Runn client exists or is created this run, projects synced per --only (R15). A created project
-- is confirmed and priced by R4. not_created_reason says why an unmatched project is not created
-- (its time is then excluded, R9).
WITH ctx AS (
    SELECT list_contains(only_kinds, 'projects') AS sync_projects
    FROM staging.run_context
),
matched AS (
    SELECT harvest_id, runn_id, is_archived
    FROM intermediate.int_identity__references
    WHERE kind = 'project' AND match_rank = 1
),
decided AS (
    SELECT
        p.*,
        m.runn_id AS runn_project_id,
        coalesce(m.is_archived, false) AS is_archived_in_runn,
        CASE
            WHEN m.runn_id IS NOT NULL THEN NULL
            WHEN NOT coalesce(p.is_active, false) THEN 'inactive in Harvest'
            WHEN p.harvest_client_id IS NULL THEN 'no client in Harvest'
            WHEN NOT ctx.sync_projects THEN 'projects not synced (--only)'
            WHEN c.harvest_client_id IS NULL THEN 'client not in Harvest'
            WHEN c.runn_client_id IS NULL AND NOT c.is_created THEN 'client not synced (--only)'
        END AS not_created_reason
    FROM staging.stg_harvest__projects AS p
    CROSS JOIN ctx
    LEFT JOIN matched AS m ON m.harvest_id = p.harvest_project_id
    LEFT JOIN intermediate.int_clients AS c ON c.harvest_client_id = p.harvest_client_id
)
SELECT
    d.harvest_project_id,
    d.harvest_client_id,
    d.runn_project_id,
    d.runn_project_id IS NULL AND d.not_created_reason IS NULL AS is_created,
    coalesce(d.is_active, false) AS harvest_is_active,
    d.is_archived_in_runn,
    CASE WHEN d.runn_project_id IS NULL AND d.not_created_reason IS NULL THEN true ELSE r.is_confirmed END AS is_confirmed,
    CASE
        WHEN d.runn_project_id IS NOT NULL THEN r.pricing_model
        WHEN d.not_created_reason IS NOT NULL THEN NULL
        WHEN NOT coalesce(d.is_billable, false) THEN 'nb'
        WHEN coalesce(d.is_fixed_fee, false) THEN 'fp'
        ELSE 'tm'
    END AS pricing_model,
    coalesce(list_contains(
        list_transform(r.tag_names, t -> lower(trim(regexp_replace(t, '[\s\p{Z}]+', ' ', 'g')))),
        'sync_off'
    ), false) AS is_sync_off,
    d.not_created_reason
FROM decided AS d
LEFT JOIN staging.stg_runn__projects AS r ON r.runn_project_id = d.runn_project_id
