-- Harvest projects, one row per project, money as exact decimals.
SELECT
    p.id AS harvest_project_id,
    p.client_id AS harvest_client_id,
    p.name,
    p.is_active,
    p.is_billable,
    p.is_fixed_fee,
    p.budget_by,
    p.cost_budget::DECIMAL(18, 6) AS cost_budget
FROM raw.harvest_projects AS p
WHERE p.extract_id = (SELECT harvest_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY p.id ORDER BY p.updated_at DESC, p.page_seq) = 1
