-- People created this run with Runn's Unknown role (R6), and why: no role in Harvest (blank names
-- are none), several roles, a Harvest role named unknown, or a Runn role named Unknown carrying
-- the Harvest role's reference. Their actuals are blocked (R8, R9) until their role is fixed in Runn.
SELECT
    p.harvest_user_id,
    u.first_name,
    u.last_name,
    array_to_string(r.harvest_role_names, ', ') AS harvest_roles,
    p.runn_role_id,
    coalesce(r.unknown_reason, 'the Runn role carrying the reference of Harvest role '
        || r.harvest_role_names[1] || ' is named Unknown') AS reason,
    'R6' AS rule
FROM intermediate.int_people AS p
JOIN intermediate.int_people__roles AS r ON r.harvest_user_id = p.harvest_user_id
JOIN staging.stg_harvest__users AS u ON u.harvest_user_id = p.harvest_user_id
WHERE p.is_created AND p.is_unknown_role
