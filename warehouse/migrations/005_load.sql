-- The load's audit trail (issue 5, R14): every write harvest2runn sends to Runn, recorded BEFORE
-- it is sent (its intent) and after (Runn's answer), so that a load stopped at any point resumes
-- without a duplicate, and any run can be listed (`harvest2runn audit`) or reverted.
--
-- Append-only: nothing here is updated except audit.loads' closing columns. A change of the plan
-- (a create, or one actual) may take several attempts, each its own row in audit.writes; the
-- change's state is the outcome of its latest attempt (audit.write_log shows it). An attempt
-- with no outcome yet is "pending": it may have reached Runn, so it is reconciled by reading
-- Runn before anything is resent. Request bodies are kept as JSON text exactly as sent; tokens
-- and headers never are. Ids are allocated by the load (one writer at a time: the run lock).

-- One row per load of a run (apply or revert), dry runs excluded.
CREATE TABLE audit.loads (
    load_id        BIGINT NOT NULL,
    run_id         BIGINT NOT NULL,
    mode           VARCHAR NOT NULL CHECK (mode IN ('apply', 'revert')),
    started_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
    planned        BIGINT,  -- changes in the plan
    already_done   BIGINT,  -- confirmed by an earlier load of the run, skipped
    applied        BIGINT,  -- confirmed by Runn's answer in this load
    reconciled     BIGINT,  -- an earlier unanswered create found in Runn by reading it
    rejected       BIGINT,  -- refused by Runn (400/422), with Runn's message
    skipped        BIGINT,  -- not sent: a record it depends on was not created
    requests       BIGINT,  -- HTTP attempts, reads included
    retries        BIGINT,
    rate_limited   BIGINT,
    server_errors  BIGINT,
    network_errors BIGINT,
    duration_ms    BIGINT,
    error          VARCHAR
);

-- One row per write request (a create, or one POST /actuals/bulk/ of up to 100 actuals),
-- inserted before it is sent.
CREATE TABLE audit.requests (
    request_id BIGINT NOT NULL,
    load_id    BIGINT NOT NULL,
    run_id     BIGINT NOT NULL,
    mode       VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,  -- role, client, project, person, actual
    method     VARCHAR NOT NULL,
    path       VARCHAR NOT NULL,
    items      INTEGER NOT NULL,
    body       VARCHAR NOT NULL,  -- JSON text, as sent
    sent_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Runn's answer to a request: none when the process stopped while waiting for it. outcome: ok
-- (2xx); refused (Runn refused it as invalid: 400, 409, 413, 422); no_answer (no answer, or one
-- that does not say whether it was applied, such as a 5xx to a create); failed (the load stopped).
CREATE TABLE audit.responses (
    request_id  BIGINT NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    duration_ms BIGINT NOT NULL,  -- the call, retries and rate-limit waits included
    status      INTEGER,          -- HTTP status; NULL when no answer came
    outcome     VARCHAR NOT NULL CHECK (outcome IN ('ok', 'refused', 'no_answer', 'failed')),
    error       VARCHAR           -- Runn's message, or why no answer came
);

-- One row per attempt at one change of the plan: its intent, inserted before the request that
-- carries it (request_id) is sent. Actuals carry their resolved key and the minutes sent.
CREATE TABLE audit.writes (
    write_id            BIGINT NOT NULL,
    load_id             BIGINT NOT NULL,
    run_id              BIGINT NOT NULL,
    mode                VARCHAR NOT NULL CHECK (mode IN ('apply', 'revert')),
    kind                VARCHAR NOT NULL CHECK (kind IN ('role', 'client', 'project', 'person', 'actual')),
    target_key          VARCHAR NOT NULL,  -- e.g. 'harvest:123', 'role:designer', '2025-06-02 person 880001 project ...'
    label               VARCHAR,           -- a name a person recognises
    rule                VARCHAR,
    reason              VARCHAR,
    request_id          BIGINT,            -- NULL: not sent (skipped)
    date                DATE,
    runn_person_id      BIGINT,
    runn_project_id     BIGINT,
    runn_role_id        BIGINT,
    billable_minutes    BIGINT,
    nonbillable_minutes BIGINT,
    planned_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- What became of an attempt. confirmed: Runn answered with the record (how 'answer') or a read
-- found it (how 'read'); rejected: Runn refused it (error is Runn's message); unknown: no answer,
-- it may have been applied; not_found: a read after 'unknown' found nothing, so it is resent;
-- split: its bulk call was refused and it was resent in a smaller one; skipped: not sent.
CREATE TABLE audit.outcomes (
    outcome_id  BIGINT NOT NULL,
    write_id    BIGINT NOT NULL,
    status      VARCHAR NOT NULL CHECK (status IN ('confirmed', 'rejected', 'unknown', 'not_found', 'split', 'skipped')),
    how         VARCHAR CHECK (how IN ('answer', 'read')),
    runn_id     BIGINT,
    error       VARCHAR,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every attempt with its latest outcome ('pending' when it has none) and its request's answer.
CREATE VIEW audit.write_log AS
SELECT
    w.write_id, w.load_id, w.run_id, w.mode, w.kind, w.target_key, w.label, w.rule, w.reason,
    coalesce(o.status, 'pending') AS status, o.how, o.runn_id, o.error,
    w.date, w.runn_person_id, w.runn_project_id, w.runn_role_id, w.billable_minutes, w.nonbillable_minutes,
    w.planned_at, o.recorded_at,
    w.request_id, q.method, q.path, q.sent_at, r.status AS http_status, r.duration_ms, r.answered_at, q.body
FROM audit.writes AS w
LEFT JOIN (
    SELECT * FROM audit.outcomes QUALIFY row_number() OVER (PARTITION BY write_id ORDER BY outcome_id DESC) = 1
) AS o ON o.write_id = w.write_id
LEFT JOIN audit.requests AS q ON q.request_id = w.request_id
LEFT JOIN audit.responses AS r ON r.request_id = w.request_id;
