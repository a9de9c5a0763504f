-- Issue 11: plan.rpt_exclusions keeps the short cause beside the reason (which now names the
-- rule behind it), and plan.rpt_unknown_roles lists every person whose role is Unknown (the
-- ones Runn holds, with their Runn id, as well as the ones a run creates), with where the role
-- comes from. The plan tables are made by the first transform that keeps a plan, so a
-- warehouse may not have them yet: the transform then makes them with these columns.
ALTER TABLE IF EXISTS plan.rpt_exclusions ADD COLUMN IF NOT EXISTS cause VARCHAR;
ALTER TABLE IF EXISTS plan.rpt_unknown_roles ADD COLUMN IF NOT EXISTS runn_person_id BIGINT;
ALTER TABLE IF EXISTS plan.rpt_unknown_roles ADD COLUMN IF NOT EXISTS source VARCHAR;
