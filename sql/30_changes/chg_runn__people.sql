-- Runn people this run creates (R2, R5, R6), each with a first contract: names and email as in
-- Harvest (email NULL when Harvest has none: left out of the body), the role R6 gives
-- (runn_role_id NULL: created this run, found by role_key), costPerHour = cost_rate when Harvest
-- has one (0 is a value and is sent; NULL is left out, Runn then uses the role's default),
-- contractor or employee, and the contract's start at the UTC date of Harvest's created_at.
SELECT
    p.harvest_user_id,
    u.first_name,
    u.last_name,
    u.email,
    p.role_key,
    p.runn_role_id,
    u.cost_rate::DECIMAL(18, 6) AS cost_per_hour,
    CASE WHEN coalesce(u.is_contractor, false) THEN 'contractor' ELSE 'employee' END AS employment_type,
    p.contract_start_date AS start_date,
    'R2 R5 R6' AS rule,
    'Harvest user ' || p.harvest_user_id || ' has no Runn person with its reference' AS reason
FROM intermediate.int_people AS p
JOIN staging.stg_harvest__users AS u ON u.harvest_user_id = p.harvest_user_id
WHERE p.is_created
