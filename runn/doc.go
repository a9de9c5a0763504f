// Package runn is a thin client for Runn's public REST API v1 (https://developer.runn.io), limited
// to the operations of the published spec that harvest2runn uses (runn/runntest/runn-openapi.json):
// it lists records page by page and creates roles, clients, projects, people, project tags on
// projects and actuals. It never updates or deletes anything.
//
// # Requests
//
// Every request carries "Authorization: Bearer <token>", "Accept-Version: 1.0.0" and
// "Accept: application/json" (and "Content-Type: application/json" when it has a body), and goes
// to the path exactly as the spec writes it, trailing slash included. Lists are walked with
// Runn's cursor (values + nextCursor) at the largest limit each endpoint allows.
//
// # Rate limits
//
// Requests are paced to the window Runn announces. Runn counts requests in a fixed window and
// says on every answer how many remain (x-ratelimit-remaining) and in how many seconds the window
// resets (x-ratelimit-reset; a value of a billion or more is taken as a Unix time). The client
// spends what the window has left, with as many requests in flight as its callers send, and
// waits for the reset only when that is spent; the first request of each window goes alone, so
// that its answer says what the new window holds before more are spent on a guess. A shorter
// window is thus followed faster and a longer one slower, and a 429 is never expected. Until an
// answer says otherwise, Config.RateLimit per Config.RateWindow (120 a minute) is the start
// value. A 429 still pauses the whole client (all goroutines) for retry-after seconds, else for
// x-ratelimit-reset, else for 60 s, then the request is retried.
//
// # Retries, and why creates are different
//
// Failed attempts are retried with exponential backoff and full jitter (the first wait is at most
// 1 s, waits are capped at 30 s), up to Config.MaxAttempts attempts in all (default 8, so at
// least five consecutive 429 or 5xx answers are survived).
//
// Reads and actuals writes are safe to repeat: a GET changes nothing, and POST /actuals/ and
// POST /actuals/bulk/ are upserts keyed on (date, person, project, role, workstream) whose
// minutes replace what Runn holds. They are retried on 429, 5xx, timeouts and broken connections.
//
// Creating a role, client, project or person, and adding a tag to a project, are not safe to
// repeat: if the first request reached Runn and only its answer was lost, sending it again would
// create a duplicate (two people with the same Harvest reference). These calls are retried only
// where Runn surely did not act: on 429 (Runn refused the request) and on failures before any
// connection to Runn was made (DNS or dial errors). On a 5xx answer, a timeout or a connection
// broken after the request may have been sent, they return an error for which
// errors.Is(err, ErrOutcomeUnknown) is true; the caller must then read Runn (for example with
// FindPeopleByExternalID) to learn whether the record exists before sending the create again.
//
// # Redirects, plain http and untrusted answers
//
// The client follows no redirect, whatever http.Client the caller injects: a 3xx answer is an
// *APIError matching ErrRedirected that names the status and the (redacted) Location. Following
// one would turn a POST into a GET whose answer, another record, passes for the created one, and
// would send the token to wherever the Location points. A redirected read fails without a retry;
// a redirected write also matches ErrOutcomeUnknown, since something may have acted on it.
//
// Base URLs must be https, except on loopback hosts (localhost, 127.0.0.0/8, ::1), where nothing
// crosses the network.
//
// A create's answer is trusted only when it carries an id and the Harvest reference that was
// sent (for a role sent without one, the name that was sent); otherwise the create fails with an
// *UnconfirmedCreateError, which matches ErrOutcomeUnknown.
//
// # Shared plumbing and vocabulary
//
// The retry policy, the parsing of retry-after and x-ratelimit-reset, the Clock and the request
// statistics (Stats) are internal/httpx's, shared with the Harvest client; this package keeps
// what is Runn's own: its headers, its cursor paging, its error answers, its rate limit and
// what is safe to repeat. The words are httpx's: an Endpoint is what httpx calls a listing (the
// Harvest client calls the same idea a Resource), a call is what httpx calls a request (one
// logical call, which may take several attempts), an attempt is one HTTP exchange and an
// answer its response. Both clients obey a header's wait up to httpx.MaxRetryAfter (5 min):
// this one caps the pause there and lets the next 429 pause again, where the Harvest client
// fails the run.
//
// # Errors and secrets
//
// Runn's error answers become *APIError, which matches ErrUnauthorized (401), ErrNotFound (404)
// and ErrBadRequest (400, 422) under errors.Is. The API token never appears in errors, logs or
// returned pages: any occurrence of it in an answer is replaced by "[REDACTED]".
package runn
