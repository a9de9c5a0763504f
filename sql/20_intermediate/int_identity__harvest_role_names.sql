-- The role names of each Harvest user (R6), one row per user and distinct normalised name.
-- Normalising is: collapse every run of white space (Unicode separators included) to one
-- space, trim, case-fold. Blank names are no role; two spellings of one name on one user count
-- once (the first in Harvest's list gives the spelling). spelling is what a created Runn role
-- would be called: trimmed, inner white space collapsed, case kept.
WITH names AS (
    SELECT
        u.harvest_user_id,
        x.ord,
        trim(regexp_replace(x.name, '[\s\p{Z}]+', ' ', 'g')) AS spelling
    FROM staging.stg_harvest__users AS u,
        unnest(u.role_names) WITH ORDINALITY AS x(name, ord)
)
SELECT
    harvest_user_id,
    lower(spelling) AS role_key,
    arg_min(spelling, ord) AS spelling,
    min(ord) AS ord
FROM names
WHERE spelling <> ''
GROUP BY harvest_user_id, lower(spelling)
