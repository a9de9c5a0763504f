-- Runn projects this run creates (R2, R4), confirmed: name, the Runn client of the Harvest client
-- (runn_client_id NULL: the client is created this run, the load finds it by harvest_client_id),
-- pricingModel nb when not billable, fp when fixed fee, tm otherwise; budget = cost_budget only
-- for a "Total project fees" budget (budget_by project_cost) that has a cost_budget, else NULL,
-- which the load leaves out of the body (never 0, never null).
SELECT
    p.harvest_project_id,
    h.name,
    p.harvest_client_id,
    c.runn_client_id,
    p.pricing_model,
    CASE WHEN lower(trim(h.budget_by)) = 'project_cost' THEN h.cost_budget END::DECIMAL(18, 6) AS budget,
    'R2 R4' AS rule,
    'Harvest project ' || p.harvest_project_id || ' has no Runn project with its reference' AS reason
FROM intermediate.int_projects AS p
JOIN staging.stg_harvest__projects AS h ON h.harvest_project_id = p.harvest_project_id
JOIN intermediate.int_clients AS c ON c.harvest_client_id = p.harvest_client_id
WHERE p.is_created
