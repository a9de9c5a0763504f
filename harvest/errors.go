package harvest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinels for errors.Is. A *APIError matches the one for its status.
var (
	// ErrUnauthorized: 401, the token or account id is wrong, expired or revoked.
	ErrUnauthorized = errors.New("harvest: unauthorized")
	// ErrForbidden: 403, the token's user may not read this listing (roles need an administrator).
	ErrForbidden = errors.New("harvest: forbidden")
	// ErrNotFound: 404, usually a wrong account id or base URL.
	ErrNotFound = errors.New("harvest: not found")
	// ErrRateLimited: 429 until the attempts ran out.
	ErrRateLimited = errors.New("harvest: rate limited")
	// ErrOffsiteLink: a page linked to another origin than the base URL; nothing was sent there.
	ErrOffsiteLink = errors.New("harvest: link leaves the Harvest base URL")
)

// APIError is an answer other than 200 OK.
type APIError struct {
	Method string
	URL    string // without credentials
	Status int
	Hint   string // what to check, for the statuses that have a usual cause
	Body   string // a short excerpt of the body, with the token removed
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Method, e.URL, e.answer())
}

// answer describes the status, hint and body, without the request.
func (e *APIError) answer() string {
	s := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	if e.Body != "" {
		s += fmt.Sprintf(" (answer: %s)", e.Body)
	}
	return s
}

// Is makes errors.Is(err, ErrUnauthorized) and friends work on an *APIError.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	}
	return false
}

// hintFor says what to check after a failed answer from res.
func hintFor(status int, res Resource) string {
	switch status {
	case http.StatusUnauthorized:
		return "check HARVEST_ACCESS_TOKEN and HARVEST_ACCOUNT_ID (the token may be expired or revoked, or not belong to that account)"
	case http.StatusForbidden:
		if res == Roles {
			return "reading roles needs an administrator's token (HARVEST_ACCESS_TOKEN)"
		}
		return fmt.Sprintf("the token's user (HARVEST_ACCESS_TOKEN) lacks the permission to read %s; use an administrator's token", res)
	case http.StatusNotFound:
		return "check HARVEST_ACCOUNT_ID and the base URL (--harvest-base-url)"
	case http.StatusTooManyRequests:
		return "Harvest's rate limit was still exceeded; another program may be using the same token"
	}
	return ""
}

// MalformedPageError is a 200 answer that is not a page of the listing asked for.
type MalformedPageError struct {
	URL    string // without credentials
	Reason string
}

func (e *MalformedPageError) Error() string {
	return fmt.Sprintf("malformed page from %s: %s", e.URL, e.Reason)
}

// AttemptsError reports a request that failed every one of its attempts with errors worth
// retrying. Last is the final failure: an *APIError (429 or 5xx) or a network error.
type AttemptsError struct {
	Method   string
	URL      string // without credentials
	Attempts int
	Last     error
}

func (e *AttemptsError) Error() string {
	last := e.Last.Error()
	var api *APIError
	if errors.As(e.Last, &api) {
		last = api.answer()
	}
	return fmt.Sprintf("%s %s: gave up after %d attempts; last: %s", e.Method, e.URL, e.Attempts, last)
}

func (e *AttemptsError) Unwrap() error { return e.Last }

// ErrIncompleteListing: a listing ended with fewer records than its first page announced, or
// sent an empty page before the last page it announced (R17 a). A *IncompleteListingError
// matches it. Retrying within the run does not help: the answer was a valid one, only
// inconsistent with itself.
var ErrIncompleteListing = errors.New("harvest: incomplete listing")

// IncompleteListingError reports a listing that disagrees with its own counts (R17 a): nothing
// read from it may be used, since missing records would look like deleted time to the load.
type IncompleteListingError struct {
	Resource         Resource
	URL              string // the listing's first page, without credentials
	AnnouncedEntries int    // total_entries on the first page
	ReceivedEntries  int    // records received before paging stopped
	AnnouncedPages   int    // total_pages on the first page
	PagesRead        int    // pages received before paging stopped
	Reason           string // what gave it away, e.g. "page 2 was empty"
}

func (e *IncompleteListingError) Error() string {
	return fmt.Sprintf("harvest: %s listing is incomplete: it announced %s entries in %s and sent %s (%s); "+
		"nothing from this extract will be used (R17 a): run again later",
		e.Resource, thousands(e.AnnouncedEntries), plural(e.AnnouncedPages, "page"), thousands(e.ReceivedEntries), e.Reason)
}

// Is makes errors.Is(err, ErrIncompleteListing) work.
func (e *IncompleteListingError) Is(target error) bool { return target == ErrIncompleteListing }

// ErrRetryAfterTooLong: a 429 asked for a longer wait than MaxRetryAfter. A
// *RetryAfterTooLongError matches it, and ErrRateLimited too.
var ErrRetryAfterTooLong = errors.New("harvest: Retry-After longer than harvest2runn waits")

// RetryAfterTooLongError is a 429 whose Retry-After asks for more than MaxRetryAfter. The run
// stops instead of holding the warehouse for hours or days.
type RetryAfterTooLongError struct {
	Method string
	URL    string        // without credentials
	Wait   time.Duration // what the header asked for
	Header string        // the Retry-After header as received
	Max    time.Duration // MaxRetryAfter
}

func (e *RetryAfterTooLongError) Error() string {
	return fmt.Sprintf("%s %s: Harvest asked to wait %v before the next request (Retry-After: %s), longer than the %v harvest2runn waits: "+
		"the run stops; run it again later", e.Method, e.URL, e.Wait, e.Header, e.Max)
}

// Is makes errors.Is(err, ErrRetryAfterTooLong) and errors.Is(err, ErrRateLimited) work.
func (e *RetryAfterTooLongError) Is(target error) bool {
	return target == ErrRetryAfterTooLong || target == ErrRateLimited
}

// thousands writes n with comma separators, as the messages a person reads do: 2,391.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}
