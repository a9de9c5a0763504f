-- Every Runn role before this run, plus every role this run creates (R6): a role is created only
-- when a person being created needs it and R6 found no Runn role for it. role_key is the
-- normalised name (trim, inner white space collapsed, case-folded); is_unknown marks Runn's
-- Unknown, whose actuals are blocked (R8, R9). harvest_role_id: for a Runn role, the lowest
-- Harvest role id its references carry; for a created role, the reference it is created with.
SELECT
    r.runn_role_id,
    lower(trim(regexp_replace(coalesce(r.name, ''), '[\s\p{Z}]+', ' ', 'g'))) AS role_key,
    r.name,
    list_min(r.harvest_ids) AS harvest_role_id,
    false AS is_created,
    lower(trim(regexp_replace(coalesce(r.name, ''), '[\s\p{Z}]+', ' ', 'g'))) = 'unknown' AS is_unknown
FROM staging.stg_runn__roles AS r
UNION ALL
SELECT
    NULL::BIGINT,
    k.role_key,
    k.name,
    k.harvest_role_id,
    true,
    k.role_key = 'unknown'
FROM intermediate.int_roles__keys AS k
WHERE k.runn_role_id IS NULL
    AND k.role_key IN (SELECT p.role_key FROM intermediate.int_people AS p WHERE p.is_created AND p.runn_role_id IS NULL)
