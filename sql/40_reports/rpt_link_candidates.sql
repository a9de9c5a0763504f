-- Candidate pairs for `link` (R16): a Harvest client, project or user that no Runn record
-- matches by reference (R1), beside a Runn record of the same kind that carries no Harvest
-- reference, compared on the normalised name (white space collapsed, trimmed, case-folded) for
-- clients and projects, on the email (trimmed, case-folded) for people, and, where the Runn
-- person has no email, on the normalised first and last name. Inactive Harvest records and
-- archived Runn records are candidates like any other; project templates are not projects.
-- A Runn project is a candidate only under the Runn client its Harvest project's client is
-- matched to, when that client is matched: by reference, by a client pair the user named for
-- the run (meta.link_pairs), or by one proposed here (clients are decided before projects). A pair is proposed when each side has exactly this one
-- candidate; otherwise it is ambiguous, and linked only when the user names it.
WITH matched AS (
    SELECT kind, harvest_id, runn_id
    FROM intermediate.int_identity__references
    WHERE match_rank = 1
),
harvest_clients AS (
    SELECT c.harvest_client_id AS harvest_id, c.name, coalesce(c.is_active, false) AS is_active,
        lower(trim(regexp_replace(c.name, '[\s\p{Z}]+', ' ', 'g'))) AS match_key
    FROM staging.stg_harvest__clients AS c
    ANTI JOIN matched AS m ON m.kind = 'client' AND m.harvest_id = c.harvest_client_id
),
runn_clients AS (
    SELECT runn_client_id AS runn_id, name, coalesce(is_archived, false) AS is_archived,
        lower(trim(regexp_replace(name, '[\s\p{Z}]+', ' ', 'g'))) AS match_key
    FROM staging.stg_runn__clients
    WHERE len(harvest_ids) = 0
),
client_pairs AS (
    SELECT h.harvest_id, r.runn_id, h.name AS harvest_name, r.name AS runn_name, h.is_active, r.is_archived,
        count(*) OVER (PARTITION BY h.harvest_id) AS harvest_side,
        count(*) OVER (PARTITION BY r.runn_id) AS runn_side
    FROM harvest_clients AS h
    JOIN runn_clients AS r ON r.match_key = h.match_key
    WHERE h.match_key <> ''
),
-- Client pairs the user named for this run (`link --pair`, `--from`).
named_clients AS (
    SELECT harvest_id, runn_id
    FROM meta.link_pairs
    WHERE kind = 'client' AND run_id = (SELECT run_id FROM staging.run_context)
),
-- The Runn client each Harvest client is, for its projects: its reference, else the pair the
-- user named, else its proposed pair.
client_of AS (
    SELECT harvest_id, runn_id FROM matched WHERE kind = 'client'
    UNION ALL
    SELECT n.harvest_id, n.runn_id FROM named_clients AS n
    ANTI JOIN matched AS m ON m.kind = 'client' AND m.harvest_id = n.harvest_id
    UNION ALL
    SELECT p.harvest_id, p.runn_id FROM client_pairs AS p
    ANTI JOIN named_clients AS n ON n.harvest_id = p.harvest_id
    WHERE p.harvest_side = 1 AND p.runn_side = 1
),
harvest_projects AS (
    SELECT p.harvest_project_id AS harvest_id, p.name, coalesce(p.is_active, false) AS is_active,
        p.harvest_client_id, co.runn_id AS client_runn_id,
        lower(trim(regexp_replace(p.name, '[\s\p{Z}]+', ' ', 'g'))) AS match_key
    FROM staging.stg_harvest__projects AS p
    LEFT JOIN client_of AS co ON co.harvest_id = p.harvest_client_id
    ANTI JOIN matched AS m ON m.kind = 'project' AND m.harvest_id = p.harvest_project_id
),
runn_projects AS (
    SELECT runn_project_id AS runn_id, name, runn_client_id, coalesce(is_archived, false) AS is_archived,
        lower(trim(regexp_replace(name, '[\s\p{Z}]+', ' ', 'g'))) AS match_key
    FROM staging.stg_runn__projects
    WHERE len(harvest_ids) = 0 AND NOT coalesce(is_template, false)
),
project_pairs AS (
    SELECT h.harvest_id, r.runn_id, h.name AS harvest_name, r.name AS runn_name, h.is_active, r.is_archived,
        h.harvest_client_id, r.runn_client_id,
        count(*) OVER (PARTITION BY h.harvest_id) AS harvest_side,
        count(*) OVER (PARTITION BY r.runn_id) AS runn_side
    FROM harvest_projects AS h
    JOIN runn_projects AS r ON r.match_key = h.match_key
        AND (h.client_runn_id IS NULL OR h.client_runn_id = r.runn_client_id)
    WHERE h.match_key <> ''
),
harvest_users AS (
    SELECT u.harvest_user_id AS harvest_id, coalesce(u.is_active, false) AS is_active, u.email,
        trim(concat_ws(' ', u.first_name, u.last_name)) AS name,
        lower(trim(u.email)) AS email_key,
        lower(trim(regexp_replace(concat_ws(' ', u.first_name, u.last_name), '[\s\p{Z}]+', ' ', 'g'))) AS name_key
    FROM staging.stg_harvest__users AS u
    ANTI JOIN matched AS m ON m.kind = 'person' AND m.harvest_id = u.harvest_user_id
),
runn_people AS (
    SELECT runn_person_id AS runn_id, coalesce(is_archived, false) AS is_archived,
        nullif(trim(email), '') AS email,
        trim(concat_ws(' ', first_name, last_name)) AS name,
        lower(nullif(trim(email), '')) AS email_key,
        lower(trim(regexp_replace(concat_ws(' ', first_name, last_name), '[\s\p{Z}]+', ' ', 'g'))) AS name_key
    FROM staging.stg_runn__people
    WHERE len(harvest_ids) = 0
),
people_pairs AS (
    SELECT h.harvest_id, r.runn_id, h.name AS harvest_name, r.name AS runn_name, h.is_active, r.is_archived,
        CASE WHEN r.email_key IS NULL THEN 'first and last name' ELSE 'email' END AS compared_on,
        CASE WHEN r.email_key IS NULL THEN h.name ELSE h.email END AS harvest_value,
        CASE WHEN r.email_key IS NULL THEN r.name ELSE r.email END AS runn_value,
        count(*) OVER (PARTITION BY h.harvest_id) AS harvest_side,
        count(*) OVER (PARTITION BY r.runn_id) AS runn_side
    FROM harvest_users AS h
    JOIN runn_people AS r ON CASE
        WHEN r.email_key IS NULL THEN r.name_key = h.name_key AND h.name_key <> ''
        ELSE r.email_key = h.email_key END
),
pairs AS (
    SELECT 'client' AS kind, harvest_id, runn_id, harvest_name, runn_name, is_active, is_archived,
        'name' AS compared_on, harvest_name AS harvest_value, runn_name AS runn_value,
        NULL::BIGINT AS harvest_client_id, NULL::BIGINT AS runn_client_id, harvest_side, runn_side
    FROM client_pairs
    UNION ALL
    SELECT 'project', harvest_id, runn_id, harvest_name, runn_name, is_active, is_archived,
        'name', harvest_name, runn_name, harvest_client_id, runn_client_id, harvest_side, runn_side
    FROM project_pairs
    UNION ALL
    SELECT 'person', harvest_id, runn_id, harvest_name, runn_name, is_active, is_archived,
        compared_on, harvest_value, runn_value, NULL, NULL, harvest_side, runn_side
    FROM people_pairs
)
SELECT
    kind,
    harvest_id,
    runn_id,
    harvest_name,
    runn_name,
    compared_on,
    harvest_value,
    runn_value,
    harvest_client_id,
    runn_client_id,
    is_active AS harvest_is_active,
    is_archived AS runn_is_archived,
    harvest_side AS harvest_candidates,
    runn_side AS runn_candidates,
    CASE WHEN harvest_side = 1 AND runn_side = 1 THEN 'proposed' ELSE 'ambiguous' END AS status,
    'R16' AS rule
FROM pairs
