-- Every person whose role is Runn's Unknown, one row each: their time is blocked (R8, R9) until
-- the role is fixed in Runn. This is the one list the sync summary, `status`, the docs and
-- analysts read (warehouse.Reader.PeopleWithRoleUnknown), so that they all count the same set:
--   source 'created': a person this run creates with Unknown (R6), and why: no role in Harvest
--     (blank names are none), several roles, a Harvest role named unknown, or a Runn role named
--     Unknown carrying the Harvest role's reference;
--   source 'runn': a person of Runn's snapshot, not archived there, whose contract (the one in
--     force on the run's today, else the latest, as R8 picks it) has the role Unknown: created
--     with it by an earlier run, or given it by hand. A person created by an earlier run is
--     listed here on every later run until their role is fixed, not only on the run that
--     created them.
WITH ctx AS (
    SELECT today FROM staging.run_context
),
created AS (
    SELECT
        p.harvest_user_id,
        NULL::BIGINT AS runn_person_id,
        u.first_name,
        u.last_name,
        array_to_string(r.harvest_role_names, ', ') AS harvest_roles,
        p.runn_role_id,
        'created' AS source,
        coalesce(r.unknown_reason, 'the Runn role carrying the reference of Harvest role '
            || r.harvest_role_names[1] || ' is named Unknown') AS reason,
        'R6' AS rule
    FROM intermediate.int_people AS p
    JOIN intermediate.int_people__roles AS r ON r.harvest_user_id = p.harvest_user_id
    JOIN staging.stg_harvest__users AS u ON u.harvest_user_id = p.harvest_user_id
    WHERE p.is_created AND p.is_unknown_role
),
contracts AS (
    SELECT c.runn_person_id, c.runn_role_id
    FROM staging.stg_runn__contracts AS c
    CROSS JOIN ctx
    QUALIFY row_number() OVER (PARTITION BY c.runn_person_id ORDER BY
        (c.start_date <= ctx.today AND (c.end_date IS NULL OR c.end_date >= ctx.today)) DESC,
        c.start_date DESC, c.runn_contract_id DESC) = 1
),
matched AS (
    SELECT runn_person_id, min(harvest_user_id) AS harvest_user_id
    FROM intermediate.int_people
    WHERE runn_person_id IS NOT NULL
    GROUP BY runn_person_id
),
in_runn AS (
    SELECT
        coalesce(m.harvest_user_id, list_min(p.harvest_ids)) AS harvest_user_id,
        p.runn_person_id,
        p.first_name,
        p.last_name,
        array_to_string(coalesce(hr.harvest_role_names, []::VARCHAR[]), ', ') AS harvest_roles,
        c.runn_role_id,
        'runn' AS source,
        'the role of their contract in Runn is Unknown' AS reason,
        'R8' AS rule
    FROM staging.stg_runn__people AS p
    JOIN contracts AS c ON c.runn_person_id = p.runn_person_id
    JOIN intermediate.int_roles AS ro ON ro.runn_role_id = c.runn_role_id
    LEFT JOIN matched AS m ON m.runn_person_id = p.runn_person_id
    LEFT JOIN intermediate.int_people__roles AS hr ON hr.harvest_user_id = m.harvest_user_id
    WHERE ro.is_unknown AND NOT coalesce(p.is_archived, false)
)
SELECT * FROM created
UNION ALL
SELECT * FROM in_runn
