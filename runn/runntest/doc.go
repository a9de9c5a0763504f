// Package runntest is a fake Runn API v1: a real HTTP server (net/http/httptest) with
// in-memory state, for the Runn client's tests, the load stage's end-to-end tests,
// benchmarks and the product's demo.
//
// It serves exactly the 21 operations of the module's copy of Runn's published spec
// (runn-openapi.json, embedded), at the spec's paths with their trailing slashes as
// written, and refuses what the real Runn refuses, so that tests passing against it mean
// something:
//
//   - anything else is 404 with Runn's body ({"error":"Not Found","message":"Route
//     PATCH:/clients/1 not found","statusCode":404}), including /clients where the spec
//     has /clients/, PATCH, DELETE and the bulk endpoints the spec copy leaves out;
//   - a missing or wrong "Authorization: Bearer" is 401;
//   - every request is validated against the spec with kin-openapi (headers, required
//     query parameters such as sortBy and includeArchived, types, limits, required body
//     fields, enums, minLength, maxItems); a failure is 400 naming the field and the rule,
//     e.g. "querystring/limit: number must be at most 500";
//   - then the operation applies Runn's own rules: unknown ids, actuals dated after
//     Options.Today, on tentative projects, billable minutes on nb projects, rostered days
//     other than minutesPerDay or 0, a project tag already on a project (400 with Runn's
//     wording where it is known, runn-notes.md §1.5).
//
// The order of refusals is rate limit (429), route (404), token (401), body size (413),
// validation (400), operation (400/404).
//
// POST /actuals/bulk/ is all or nothing: if any item is refused, the answer is 400 naming
// each refused item ("body/actuals/3: Project with id 9 not found.") and nothing is
// written. Runn does not document this; it is the stricter reading, and partial
// application is covered by the PartialBulk fault.
//
// Lists page with an opaque keyset cursor (stable under inserts), with the spec's default
// and maximum limits, and honour sortBy, order, modifiedAfter and the filters each
// operation declares; a query parameter the operation does not declare is ignored, as the
// real API does. Creates assign ids above the highest seeded one, from realistic per-kind
// ranges far apart (a person's id is never a project's), and stamp createdAt/updatedAt
// from Options.Now to the millisecond.
//
// Rate limiting is a token bucket of Options.RateLimit per Options.RateWindow (default 120
// per minute) on the injected clock, or with Options.FixedWindow a fixed window as Runn keeps
// it; every answer carries x-ratelimit-limit, x-ratelimit-remaining and x-ratelimit-reset
// (seconds until the bucket is full, or until the fixed window resets), and a 429 carries
// retry-after.
//
// Faults (Server.InjectFault) make chosen requests fail: a 5xx with nothing applied, a
// delay, a connection reset with nothing applied, a lost answer after the write was
// applied, a bulk call applied in part, a redirect with nothing applied, an empty listing
// whatever the fake holds, or a create answered with a body the test gives (applied or not).
// Server.Requests logs every request for counting.
//
// The seed and the final state are State values; LoadState and State.WriteJSON read and
// write them as JSON fixtures (sorted by id, stable formatting, fit for golden files).
package runntest
