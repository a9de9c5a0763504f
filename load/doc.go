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
// # Creating once (R17, R1)
//
// Whatever the run's snapshot of Runn said (it may be stale, or incomplete when a listing came
// back empty), and whatever another run created meanwhile, a record whose Harvest reference Runn
// already carries is never created again: right before the creates of a kind, Runn is read for
// them (one listing; Runn's externalId filter when there is a single create). A record found
// (its Harvest reference, the lowest id of several; a role without one by R6's normalised name)
// is adopted: not sent, its Runn id used by the changes that refer to it, recorded as an attempt
// without a request, confirmed by a read (audit.outcomes how 'read', error "adopted: ..."), and
// counted in Counts.Adopted. A revert does not list it among the records the run created. When
// Runn cannot be read, the load stops before creating any of that kind.
//
// # Resume
//
// A load reads the trail of its run first. A change whose latest attempt was confirmed is
// skipped (its Runn id still resolves the references of later changes). A create whose latest
// attempt has no outcome, or an unknown one, may have reached Runn: the read before the creates
// of its kind reconciles it, and it is sent again only when that read finds nothing. Actuals are upserts and are simply resent.
// Rejected and skipped changes are tried again. So a load stopped at any point (kill, crash,
// lost network) and run again ends where an uninterrupted one would, without a duplicate.
// Within a load, a create whose answer is lost (runn.ErrOutcomeUnknown) is reconciled at once
// by reading Runn for it (people and projects with Runn's externalId filter, roles and clients
// from one listing).
//
// # Partial failure
//
// A record Runn refuses (400, 409, 413, 422) is recorded with Runn's message and the load goes
// on; changes that depend on it (a person whose role was refused, that person's actuals) are
// skipped with the reason. A refused bulk call is split: items Runn's message names
// ("actuals/3: ...") are sent alone and the rest together; a message naming none halves the
// batch; a single refused item is rejected. Every good item lands, at the cost of about one
// request per bad item. Splitting stops where Runn refuses whatever a call holds: when both
// halves are refused for a reason naming no item (or a part with its parent's very message),
// their items are rejected together with Runn's message, and later calls refused with that
// message are not split: a blanket refusal costs about two requests per bulk call, not two per
// actual. The load returns ErrRejected, listing what was refused and why.
//
// Other failures (401, a 5xx or the network after the client's retries, a cancelled context)
// stop the load; running it again resumes.
package load
