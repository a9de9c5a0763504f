-- R17 safety stops: every check that tripped in a run, kept with its figures so that `sync`,
-- `load` and `status` can say what was expected, what came and what the plan would have done.
-- A stop lifted by --allow-large-changes is kept too (lifted = true): the run went on, on purpose.
-- R17 (a), an incomplete extract, is never lifted; (b) and (c) come from plan.rpt_safety_checks.
CREATE TABLE meta.safety_stops (
    run_id              BIGINT NOT NULL,
    stop                VARCHAR NOT NULL,   -- R17a, R17b or R17c
    source              VARCHAR NOT NULL,   -- harvest, runn or plan
    listing             VARCHAR NOT NULL,   -- the listing, or owned_keys for R17c
    previous_extract_id BIGINT,
    expected            BIGINT,
    got                 BIGINT,
    lifted              BOOLEAN NOT NULL,
    detail              VARCHAR NOT NULL,
    recorded_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
