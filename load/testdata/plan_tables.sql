-- The plan tables the load reads, with the columns of the transform's contract (issue 4), for
-- tests that make a plan by hand instead of running the transform. IF NOT EXISTS: the real
-- tables (made by the transform) are used when they exist.
CREATE TABLE IF NOT EXISTS plan.chg_runn__roles (
    run_id BIGINT, role_key VARCHAR, name VARCHAR, harvest_role_id BIGINT, rule VARCHAR, reason VARCHAR);
CREATE TABLE IF NOT EXISTS plan.chg_runn__clients (
    run_id BIGINT, harvest_client_id BIGINT, name VARCHAR, rule VARCHAR, reason VARCHAR);
CREATE TABLE IF NOT EXISTS plan.chg_runn__projects (
    run_id BIGINT, harvest_project_id BIGINT, name VARCHAR, harvest_client_id BIGINT, runn_client_id BIGINT,
    pricing_model VARCHAR, budget DECIMAL(18, 6), rule VARCHAR, reason VARCHAR);
CREATE TABLE IF NOT EXISTS plan.chg_runn__people (
    run_id BIGINT, harvest_user_id BIGINT, first_name VARCHAR, last_name VARCHAR, email VARCHAR, role_key VARCHAR,
    runn_role_id BIGINT, cost_per_hour DECIMAL(18, 6), employment_type VARCHAR, start_date DATE, rule VARCHAR, reason VARCHAR);
CREATE TABLE IF NOT EXISTS plan.chg_runn__actuals (
    run_id BIGINT, date DATE, harvest_user_id BIGINT, runn_person_id BIGINT, harvest_project_id BIGINT,
    runn_project_id BIGINT, runn_role_id BIGINT, role_key VARCHAR, billable_minutes BIGINT, nonbillable_minutes BIGINT,
    runn_billable_minutes BIGINT, runn_nonbillable_minutes BIGINT, rule VARCHAR, reason VARCHAR);
CREATE TABLE IF NOT EXISTS plan.rpt_actuals_found_equal (
    run_id BIGINT, date DATE, runn_person_id BIGINT, runn_project_id BIGINT, runn_role_id BIGINT,
    billable_minutes BIGINT, nonbillable_minutes BIGINT);
