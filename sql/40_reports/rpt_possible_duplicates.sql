-- Possible duplicates (R1a): a Harvest client or project created this run whose normalised name
-- (white space collapsed, trimmed, case-folded), or a person whose email (trimmed, case-folded),
-- equals that of a Runn record carrying no Harvest reference. They are still created (R1 matches
-- by reference only) and listed here with both ids, so that a person can merge them in Runn, or
-- add the Harvest reference to the Runn record before the next run to avoid the duplicate.
WITH harvest_side AS (
    SELECT 'client' AS kind, c.harvest_client_id AS harvest_id, h.name AS harvest_value,
        lower(trim(regexp_replace(h.name, '[\s\p{Z}]+', ' ', 'g'))) AS match_key
    FROM intermediate.int_clients AS c
    JOIN staging.stg_harvest__clients AS h ON h.harvest_client_id = c.harvest_client_id
    WHERE c.is_created
    UNION ALL
    SELECT 'project', p.harvest_project_id, h.name,
        lower(trim(regexp_replace(h.name, '[\s\p{Z}]+', ' ', 'g')))
    FROM intermediate.int_projects AS p
    JOIN staging.stg_harvest__projects AS h ON h.harvest_project_id = p.harvest_project_id
    WHERE p.is_created
    UNION ALL
    SELECT 'person', p.harvest_user_id, u.email, lower(trim(u.email))
    FROM intermediate.int_people AS p
    JOIN staging.stg_harvest__users AS u ON u.harvest_user_id = p.harvest_user_id
    WHERE p.is_created AND u.email IS NOT NULL
),
runn_side AS (
    SELECT 'client' AS kind, runn_client_id AS runn_id, name AS runn_value,
        lower(trim(regexp_replace(name, '[\s\p{Z}]+', ' ', 'g'))) AS match_key
    FROM staging.stg_runn__clients
    WHERE len(harvest_ids) = 0
    UNION ALL
    SELECT 'project', runn_project_id, name, lower(trim(regexp_replace(name, '[\s\p{Z}]+', ' ', 'g')))
    FROM staging.stg_runn__projects
    WHERE len(harvest_ids) = 0 AND NOT coalesce(is_template, false)
    UNION ALL
    SELECT 'person', runn_person_id, email, lower(trim(email))
    FROM staging.stg_runn__people
    WHERE len(harvest_ids) = 0 AND nullif(trim(email), '') IS NOT NULL
)
SELECT
    h.kind,
    h.harvest_id,
    h.harvest_value,
    r.runn_id,
    r.runn_value,
    CASE WHEN h.kind = 'person' THEN 'email' ELSE 'name' END AS compared_on,
    'R1a' AS rule,
    'Harvest ' || CASE h.kind WHEN 'person' THEN 'user' ELSE h.kind END || ' ' || h.harvest_id
        || ' is created although Runn ' || h.kind || ' ' || r.runn_id || ' has the same '
        || CASE WHEN h.kind = 'person' THEN 'email' ELSE 'name' END
        || ' and no Harvest reference (matching is by reference only)' AS reason
FROM harvest_side AS h
JOIN runn_side AS r ON r.kind = h.kind AND r.match_key = h.match_key
WHERE h.match_key <> ''
