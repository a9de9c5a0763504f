-- One row per Harvest user of the extract: the Runn person it is (R1: by Harvest reference only,
-- the lowest id when several carry it, archived ones included), and whether this run creates it
-- (R2: no match, active in Harvest, people synced per --only, R15). For people created this run:
-- the role of their first contract (R6; runn_role_id is NULL when the role itself is created this
-- run, role_key then names it) and the contract's start, the UTC date of Harvest's created_at (R5).
WITH ctx AS (
    SELECT list_contains(only_kinds, 'people') AS sync_people
    FROM staging.run_context
),
matched AS (
    SELECT harvest_id, runn_id, is_archived
    FROM intermediate.int_identity__references
    WHERE kind = 'person' AND match_rank = 1
),
people AS (
    SELECT
        u.harvest_user_id,
        m.runn_id AS runn_person_id,
        m.runn_id IS NULL AND coalesce(u.is_active, false) AND ctx.sync_people AS is_created,
        coalesce(u.is_active, false) AS harvest_is_active,
        coalesce(m.is_archived, false) AS is_archived_in_runn,
        u.created_at
    FROM staging.stg_harvest__users AS u
    CROSS JOIN ctx
    LEFT JOIN matched AS m ON m.harvest_id = u.harvest_user_id
)
SELECT
    p.harvest_user_id,
    p.runn_person_id,
    p.is_created,
    p.harvest_is_active,
    p.is_archived_in_runn,
    CASE WHEN p.is_created THEN coalesce(k.runn_role_key, k.role_key) END AS role_key,
    CASE WHEN p.is_created THEN k.runn_role_id END AS runn_role_id,
    p.is_created AND coalesce(k.runn_role_key, k.role_key) = 'unknown' AS is_unknown_role,
    -- AT TIME ZONE: the date in UTC, whatever the session's time zone.
    CASE WHEN p.is_created THEN (p.created_at AT TIME ZONE 'UTC')::DATE END AS contract_start_date
FROM people AS p
JOIN intermediate.int_people__roles AS r ON r.harvest_user_id = p.harvest_user_id
JOIN intermediate.int_roles__keys AS k ON k.role_key = r.role_key
