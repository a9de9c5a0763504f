-- Runn contracts before this run: a person's role and rostered weekdays over a date range.
SELECT
    c.id AS runn_contract_id,
    c.person_id AS runn_person_id,
    c.role_id AS runn_role_id,
    c.start_date,
    c.end_date,
    c.minutes_per_day,
    c.rostered_monday,
    c.rostered_tuesday,
    c.rostered_wednesday,
    c.rostered_thursday,
    c.rostered_friday
FROM raw.runn_contracts AS c
WHERE c.extract_id = (SELECT runn_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY c.id ORDER BY c.updated_at DESC, c.page_seq) = 1
