-- R6's answer for every role name Harvest users carry, and for Unknown: the Runn role it is, or
-- what to create when Runn has none (a role is created only when a person being created needs
-- it: see intermediate.int_roles).
--   1. A Runn role carrying the Harvest reference of a Harvest role with this name (from
--      /v2/roles) is that role whatever its name (R1); several Harvest roles alike: the lowest
--      Harvest role id that some Runn role carries, and for it the lowest Runn id.
--   2. Otherwise, name matching after normalisation, among Runn roles that carry no Harvest
--      reference (a referenced record is matched by its reference only); lowest Runn id.
--   Unknown is Runn's role named Unknown (any spelling, referenced or not): a Harvest role
--   "unknown" is that role, never matched by reference, and created as 'Unknown' without a
--   reference.
-- A created role takes the spelling and reference of the lowest Harvest role id with the name;
-- without /v2/roles (or when it does not list the name), the spelling of the lowest user id.
WITH harvest_roles AS (
    SELECT
        harvest_role_id,
        trim(regexp_replace(name, '[\s\p{Z}]+', ' ', 'g')) AS spelling
    FROM staging.stg_harvest__roles
),
keyed_roles AS (
    SELECT harvest_role_id, spelling, lower(spelling) AS role_key
    FROM harvest_roles
    WHERE spelling <> ''
),
role_spelling AS (
    SELECT role_key, arg_min(spelling, harvest_role_id) AS spelling, min(harvest_role_id) AS harvest_role_id
    FROM keyed_roles
    WHERE role_key <> 'unknown'
    GROUP BY role_key
),
user_spelling AS (
    SELECT role_key, arg_min(spelling, harvest_user_id) AS spelling
    FROM intermediate.int_identity__harvest_role_names
    WHERE role_key <> 'unknown'
    GROUP BY role_key
),
all_keys AS (
    SELECT role_key, spelling FROM user_spelling
    UNION ALL
    SELECT 'unknown', 'Unknown'
),
by_reference AS (
    SELECT k.role_key, arg_min(r.runn_id, k.harvest_role_id) AS runn_role_id
    FROM keyed_roles AS k
    JOIN intermediate.int_identity__references AS r
        ON r.kind = 'role' AND r.match_rank = 1 AND r.harvest_id = k.harvest_role_id
    WHERE k.role_key <> 'unknown'
    GROUP BY k.role_key
),
runn_roles AS (
    SELECT
        runn_role_id,
        lower(trim(regexp_replace(coalesce(name, ''), '[\s\p{Z}]+', ' ', 'g'))) AS role_key,
        len(harvest_ids) = 0 AS is_unreferenced
    FROM staging.stg_runn__roles
),
by_name AS (
    SELECT role_key, min(runn_role_id) AS runn_role_id
    FROM runn_roles
    WHERE is_unreferenced OR role_key = 'unknown'
    GROUP BY role_key
)
SELECT
    a.role_key,
    coalesce(s.spelling, a.spelling) AS name,
    s.harvest_role_id,
    coalesce(br.runn_role_id, bn.runn_role_id) AS runn_role_id,
    CASE WHEN br.runn_role_id IS NOT NULL THEN 'reference' WHEN bn.runn_role_id IS NOT NULL THEN 'name' END AS matched_by,
    rr.role_key AS runn_role_key
FROM all_keys AS a
LEFT JOIN role_spelling AS s ON s.role_key = a.role_key
LEFT JOIN by_reference AS br ON br.role_key = a.role_key
LEFT JOIN by_name AS bn ON bn.role_key = a.role_key
LEFT JOIN runn_roles AS rr ON rr.runn_role_id = coalesce(br.runn_role_id, bn.runn_role_id)
