-- Runn roles this run creates (R6), first of the creates (R15): one per normalised name that a
-- person being created needs and Runn lacks. The load creates each with name and, when
-- harvest_role_id is set, the Harvest reference; people created with it find it by role_key.
WITH needed_by AS (
    SELECT role_key, count(*) AS people, min(harvest_user_id) AS first_user
    FROM intermediate.int_people
    WHERE is_created AND runn_role_id IS NULL
    GROUP BY role_key
)
SELECT
    r.role_key,
    r.name,
    r.harvest_role_id,
    'R6' AS rule,
    CASE
        WHEN r.is_unknown THEN 'Runn has no role named Unknown; '
        WHEN r.harvest_role_id IS NOT NULL THEN 'no Runn role carries the reference of Harvest role ' || r.harvest_role_id
            || ' and none without a Harvest reference is named ' || r.name || '; '
        ELSE 'no Runn role without a Harvest reference is named ' || r.name || '; '
    END
        || 'needed by ' || n.people || ' person(s) created this run (Harvest user ' || n.first_user
        || CASE WHEN n.people > 1 THEN ' and others' ELSE '' END || ')' AS reason
FROM intermediate.int_roles AS r
JOIN needed_by AS n ON n.role_key = r.role_key
WHERE r.is_created
