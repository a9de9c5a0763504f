// Package httpx is the HTTP plumbing the Harvest and Runn clients share: the retry policy
// (full-jitter exponential backoff and the attempt bound), the parsing of Retry-After and
// x-ratelimit-reset and the cap on the waits they ask for, the clock both clients wait on, the
// request statistics both report, the bound on an answer's size, the loopback test that
// allows plain http, and the defaults (user agent, timeout). What differs between the two APIs (authentication headers, paging, error bodies, the limiter
// each API needs, what is safe to repeat) stays in the client packages.
//
// # Vocabulary
//
// These are the words both clients use, whatever their public types are called:
//
//   - A request is one logical call a client makes: GET one page, POST one create. It may take
//     several attempts.
//   - An attempt is one HTTP exchange; the first try counts as attempt 1.
//   - An answer is the HTTP response to an attempt.
//   - A listing is a paged collection the client reads to the end. harvest.Resource names a
//     Harvest listing ("users", "time_entries"); runn.Endpoint names a Runn listing ("people",
//     "actuals"). The two types are the same idea under each API's own word.
//   - A pause holds every request of a client after a 429, for as long as the answer asked.
//   - A backoff is the wait between attempts after a 5xx answer or a network failure.
//
// The package uses only the standard library and harvest2runn's internal/clock.
package httpx
