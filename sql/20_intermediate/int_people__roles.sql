-- R6 for every Harvest user: the normalised name of the role a created Runn person would get
-- on their first contract. Exactly one role name: that name. None (blank names are none) or
-- several: Runn's Unknown. A Harvest role named "unknown" in any spelling is Unknown too.
-- unknown_reason says why a user gets Unknown (report.rpt_unknown_roles).
WITH per_user AS (
    SELECT
        harvest_user_id,
        count(*) AS role_count,
        list(spelling ORDER BY role_key) AS spellings,
        min(role_key) AS only_key
    FROM intermediate.int_identity__harvest_role_names
    GROUP BY harvest_user_id
)
SELECT
    u.harvest_user_id,
    coalesce(p.role_count, 0) AS role_count,
    coalesce(p.spellings, []::VARCHAR[]) AS harvest_role_names,
    CASE WHEN p.role_count = 1 THEN p.only_key ELSE 'unknown' END AS role_key,
    CASE
        WHEN p.role_count IS NULL THEN 'no role in Harvest'
        WHEN p.role_count > 1 THEN 'several roles in Harvest: ' || array_to_string(p.spellings, ', ')
        WHEN p.only_key = 'unknown' THEN 'role ' || p.spellings[1] || ' in Harvest is Runn''s Unknown'
    END AS unknown_reason
FROM staging.stg_harvest__users AS u
LEFT JOIN per_user AS p ON p.harvest_user_id = u.harvest_user_id
