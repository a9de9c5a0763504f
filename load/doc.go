// Package load applies a run's plan (plan.chg_runn__* of a transformed run) to Runn, in the
// order of R15 (roles, clients, projects, people, then actuals), resumably and with an audit
// trail (audit.*, migration 005_load.sql); it also reverts a run's actuals and lists a run's trail.
//
// # Audit trail
//
// Every change of the plan is written to audit.writes (its intent: run, kind, rule, target key,
// and for actuals the resolved key and minutes) together with the request that will carry it
// (audit.requests, body as JSON text) in one transaction BEFORE the request is sent. Runn's
// answer follows in audit.responses (HTTP status, timing, Runn's message) and audit.outcomes
// (confirmed with Runn's id, rejected, unknown, ...). Nothing is updated in place, so a retry
// is a new attempt row and the trail shows every one.
//
// # Resume
//
// A load reads the trail of its run first. A change whose latest attempt was confirmed is
// skipped (its Runn id still resolves the references of later changes). A create whose latest
// attempt has no outcome, or an unknown one, may have reached Runn: it is reconciled by reading
// Runn (people and projects with Runn's externalId filter, roles and clients from one listing)
// and sent again only when the read finds nothing. Actuals are upserts and are simply resent.
// Rejected and skipped changes are tried again. So a load stopped at any point (kill, crash,
// lost network) and run again ends where an uninterrupted one would, without a duplicate.
// Within a load, a create whose answer is lost (runn.ErrOutcomeUnknown) is reconciled the same
// way at once.
//
// # Partial failure
//
// A record Runn refuses (400, 409, 413, 422) is recorded with Runn's message and the load goes
// on; changes that depend on it (a person whose role was refused, that person's actuals) are
// skipped with the reason. A refused bulk call is split: items Runn's message names
// ("actuals/3: ...") are sent alone and the rest together; a message naming none halves the
// batch; a single refused item is rejected. Every good item lands, at the cost of about one
// request per bad item. The load returns ErrRejected, listing what was refused and why.
//
// Other failures (401, a 5xx or the network after the client's retries, a cancelled context)
// stop the load; running it again resumes.
package load
