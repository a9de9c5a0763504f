package harvest

import (
	"errors"
	"fmt"
	"net/http"
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
