-- Raw Runn snapshots: what Runn held before a run, landed like Harvest's pages (see
-- 002_raw_harvest.sql): every page described in raw.pages (source 'runn'), its body in the
-- extract's page file beside the warehouse, and its records
-- decoded into raw.runn_<endpoint>, one row per record per page. References and tags keep
-- their nesting as lists of structs (unnest() them in SQL).
CREATE TABLE raw.runn_roles (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, name VARCHAR, is_archived BOOLEAN, default_hour_cost DOUBLE, standard_rate DOUBLE,
    "references" STRUCT(reference_name VARCHAR, external_id VARCHAR)[],
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.runn_clients (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, name VARCHAR, website VARCHAR, is_archived BOOLEAN,
    "references" STRUCT(reference_name VARCHAR, external_id VARCHAR)[],
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.runn_projects (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, name VARCHAR, client_id BIGINT, is_template BOOLEAN, is_archived BOOLEAN,
    is_confirmed BOOLEAN, pricing_model VARCHAR, budget DOUBLE,
    "references" STRUCT(reference_name VARCHAR, external_id VARCHAR)[],
    tags STRUCT(id BIGINT, name VARCHAR)[],
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.runn_people (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, first_name VARCHAR, last_name VARCHAR, email VARCHAR, is_archived BOOLEAN,
    "references" STRUCT(reference_name VARCHAR, external_id VARCHAR)[],
    tags STRUCT(id BIGINT, name VARCHAR)[],
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.runn_project_tags (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, name VARCHAR, project_ids BIGINT[], archived BOOLEAN,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.runn_contracts (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, person_id BIGINT, role_id BIGINT, start_date DATE, end_date DATE,
    employment_type VARCHAR, cost_per_hour DOUBLE, minutes_per_day DOUBLE,
    rostered_monday DOUBLE, rostered_tuesday DOUBLE, rostered_wednesday DOUBLE,
    rostered_thursday DOUBLE, rostered_friday DOUBLE,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.runn_assignments (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, person_id BIGINT, project_id BIGINT, role_id BIGINT,
    start_date DATE, end_date DATE, minutes_per_day BIGINT, is_active BOOLEAN, is_billable BOOLEAN,
    is_non_working_day BOOLEAN, is_template BOOLEAN, is_placeholder BOOLEAN, workstream_id BIGINT,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.runn_actuals (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, date DATE, person_id BIGINT, project_id BIGINT, role_id BIGINT,
    workstream_id BIGINT, phase_id BIGINT, billable_minutes DOUBLE, nonbillable_minutes DOUBLE,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);
