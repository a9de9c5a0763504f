// Package harvest is a client for the Harvest API v2 listings that harvest2runn extracts.
//
// It hands each page over exactly as received, because the extract stage lands the bytes and
// decodes them itself. What the client owns is getting those pages safely and politely: every
// listing is walked by links.next (never next_page), page-numbered listings are fetched
// concurrently once their page count is known, all requests share one sliding-window limiter
// that matches Harvest's moving window (100 requests per 15 s), 429 answers pause the whole
// client (but a Retry-After longer than MaxRetryAfter fails the run instead of holding it),
// transient failures are retried with jittered exponential backoff, and the access token is
// never sent to another origin, nor over plain http off this machine, nor written into an
// error or a log line.
//
// A listing must agree with its own counts (R17 a): paging stops at an empty page, at the
// announced total_entries and at the announced total_pages, and a listing that sent fewer
// records than its first page announced, or an empty page before its announced last page,
// fails with an *IncompleteListingError (errors.Is ErrIncompleteListing).
//
// # Shared plumbing and vocabulary
//
// The retry policy (attempts, full-jitter backoff from 1 s doubling to 30 s), the Retry-After
// parsing, the Clock and the request statistics are internal/httpx's, shared with the Runn
// client; this package keeps what is Harvest's own: its headers, its paging and page checks,
// its error answers and its sliding-window limiter. The words are httpx's: a Resource is what
// httpx calls a listing (the Runn client calls the same idea an Endpoint), a request is one
// page asked for, an attempt one HTTP exchange for it, and Stats are httpx.Stats with the
// pages and bytes handed to List's callers.
package harvest
