-- Runn clients this run creates (R2, R3): Harvest clients with no Runn client carrying their
-- reference. The load creates each with its name and the Harvest reference.
SELECT
    c.harvest_client_id,
    h.name,
    'R2 R3' AS rule,
    'Harvest client ' || c.harvest_client_id || ' has no Runn client with its reference'
        || CASE WHEN coalesce(h.is_active, false) THEN ''
            ELSE '; it is inactive in Harvest, but an active project being created belongs to it' END AS reason
FROM intermediate.int_clients AS c
JOIN staging.stg_harvest__clients AS h ON h.harvest_client_id = c.harvest_client_id
WHERE c.is_created
