-- Raw Harvest extracts. Nothing here is ever updated: an extract only appends.
--
-- raw.pages describes every HTTP response as received, from either API (source). The bodies themselves live beside
-- the warehouse, in one file per extract (body_file, relative to the warehouse's folder) of
-- concatenated zstd frames, one frame per page at body_offset, body_length bytes long: `zstdcat`
-- on the file prints every page, and any page can be recovered byte for byte. Large BLOBs in
-- DuckDB cost several times their size in memory on every checkpoint (docs/benchmarks.md).
-- The raw.harvest_<resource> tables hold the same records decoded in Go at landing time, one
-- row per record per page, duplicates across pages included (staging resolves them by latest
-- updated_at). Decimal fields (hours, rates, budgets) keep the exact JSON number text: the sync
-- rules need them at the precision Harvest sent (R7), and staging casts them.
CREATE SCHEMA raw;

CREATE TABLE raw.pages (
    source      VARCHAR NOT NULL CHECK (source IN ('harvest', 'runn')),
    extract_id  BIGINT NOT NULL,
    resource    VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    url         VARCHAR NOT NULL,
    status      INTEGER NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL,
    duration_ms INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    records     INTEGER NOT NULL,
    body_size   INTEGER NOT NULL,
    body_codec  VARCHAR NOT NULL,
    body_file   VARCHAR NOT NULL,
    body_offset BIGINT NOT NULL,
    body_length BIGINT NOT NULL
);

CREATE TABLE raw.harvest_users (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, first_name VARCHAR, last_name VARCHAR, email VARCHAR, telephone VARCHAR,
    timezone VARCHAR, is_contractor BOOLEAN, is_active BOOLEAN, weekly_capacity BIGINT,
    default_hourly_rate VARCHAR, cost_rate VARCHAR, roles VARCHAR[], access_roles VARCHAR[],
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.harvest_roles (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, name VARCHAR, user_ids BIGINT[], created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.harvest_clients (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, name VARCHAR, is_active BOOLEAN, currency VARCHAR,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.harvest_projects (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, client_id BIGINT, client_name VARCHAR, name VARCHAR, code VARCHAR,
    is_active BOOLEAN, is_billable BOOLEAN, is_fixed_fee BOOLEAN, bill_by VARCHAR,
    hourly_rate VARCHAR, budget VARCHAR, budget_by VARCHAR, budget_is_monthly BOOLEAN,
    cost_budget VARCHAR, fee VARCHAR, starts_on DATE, ends_on DATE,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.harvest_tasks (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, name VARCHAR, billable_by_default BOOLEAN, is_default BOOLEAN,
    is_active BOOLEAN, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.harvest_user_assignments (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, project_id BIGINT, user_id BIGINT, is_active BOOLEAN,
    is_project_manager BOOLEAN, hourly_rate VARCHAR, budget VARCHAR,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);

CREATE TABLE raw.harvest_time_entries (
    extract_id BIGINT NOT NULL, page_seq INTEGER NOT NULL,
    id BIGINT NOT NULL, spent_date DATE NOT NULL,
    user_id BIGINT, client_id BIGINT, project_id BIGINT, task_id BIGINT,
    user_assignment_id BIGINT, task_assignment_id BIGINT,
    hours VARCHAR NOT NULL, rounded_hours VARCHAR,
    is_running BOOLEAN, billable BOOLEAN, is_locked BOOLEAN, is_closed BOOLEAN, is_billed BOOLEAN,
    billable_rate VARCHAR, cost_rate VARCHAR, notes VARCHAR,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);
