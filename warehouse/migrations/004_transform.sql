-- The transform's layers. staging, intermediate, changes and report hold the models of the
-- latest transform (each transform replaces them; staging.run_context says which run). plan
-- keeps every run's changes and reports, keyed by run_id, for replay, status and analysts.
CREATE SCHEMA staging;
CREATE SCHEMA intermediate;
CREATE SCHEMA changes;
CREATE SCHEMA report;
CREATE SCHEMA plan;
-- Views for analysts over every run (docs/warehouse.md); made by the transform.
CREATE SCHEMA analytics;

-- The audit trail the load keeps (issue 5). What the transform reads of it: the actual keys
-- harvest2runn owns (R11): keys it wrote and Runn confirmed ('written'), and keys it found
-- already equal to its computed minutes > 0 ('found_equal'), with the minutes at that time.
CREATE SCHEMA audit;
CREATE TABLE audit.actual_keys (
    run_id              BIGINT NOT NULL,
    date                DATE NOT NULL,
    runn_person_id      BIGINT NOT NULL,
    runn_project_id     BIGINT NOT NULL,
    runn_role_id        BIGINT NOT NULL,
    billable_minutes    BIGINT NOT NULL,
    nonbillable_minutes BIGINT NOT NULL,
    how                 VARCHAR NOT NULL CHECK (how IN ('written', 'found_equal')),
    recorded_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per transform of a run's extracts: when, how it ended, and which audits failed.
CREATE TABLE meta.transforms (
    run_id         BIGINT NOT NULL,
    transformed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    status         VARCHAR NOT NULL CHECK (status IN ('planned', 'audit_failed', 'failed')),
    duration_ms    BIGINT,
    audit_failures JSON,
    error          VARCHAR
);
