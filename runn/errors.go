package runn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Sentinels for errors.Is. An *APIError matches the one its status stands for.
var (
	// ErrUnauthorized: Runn answered 401.
	ErrUnauthorized = errors.New("runn: unauthorized: check RUNN_API_TOKEN (an API token from Settings > API in the same Runn account and region)")
	// ErrNotFound: Runn answered 404.
	ErrNotFound = errors.New("runn: not found")
	// ErrBadRequest: Runn refused the request as invalid (400 or 422); sending it again cannot help.
	ErrBadRequest = errors.New("runn: request refused as invalid")
	// ErrRateLimited: Runn answered 429 on every attempt.
	ErrRateLimited = errors.New("runn: rate limited")
	// ErrRedirected: Runn answered a redirect (3xx), which the client never follows. On a write
	// the error matches ErrOutcomeUnknown as well.
	ErrRedirected = errors.New("runn: redirected: harvest2runn follows no redirects; check RUNN_BASE_URL")
	// ErrOutcomeUnknown: a create may or may not have been applied (a 5xx answer, a timeout or a
	// connection broken after the request was sent, a redirect answering a write, or a create's answer
	// that does not show the record that was sent). Read Runn before sending it again.
	ErrOutcomeUnknown = errors.New("runn: outcome unknown: the request may have been applied; read Runn before sending it again")
)

// redacted replaces the API token wherever an answer echoes it.
const redacted = "[REDACTED]"

// maxErrorSnippet bounds how much of a non-JSON error answer goes into an error message.
const maxErrorSnippet = 300

// APIError is an error answer from Runn. Body holds Runn's {error, message, statusCode}; when the
// answer is not that JSON (a proxy's HTML page, say), Body.Message holds the start of it.
type APIError struct {
	Method string
	URL    string
	Status int
	Body   ErrorBody
	// Location is a redirect's target (3xx answers only), absolute, with any credentials, query
	// values and the token removed; empty when the answer had none.
	Location string
}

func (e *APIError) Error() string {
	return "runn: " + e.Method + " " + e.URL + ": " + e.detail()
}

// detail is the message without the method and URL, for errors that name those already.
func (e *APIError) detail() string {
	if e.redirect() {
		to := "with no Location"
		if e.Location != "" {
			to = "to " + e.Location
		}
		return fmt.Sprintf("Runn answered %d %s redirecting %s: harvest2runn follows no redirects: check --runn-base-url / RUNN_BASE_URL (EU %s, US %s)",
			e.Status, http.StatusText(e.Status), to, DefaultBaseURL, USBaseURL)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Runn answered %d %s: error=%q message=%q statusCode=%d",
		e.Status, http.StatusText(e.Status), e.Body.Error, e.Body.Message, e.Body.StatusCode)
	if hint := e.hint(); hint != "" {
		b.WriteString(" (")
		b.WriteString(hint)
		b.WriteString(")")
	}
	return b.String()
}

func (e *APIError) hint() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "check RUNN_API_TOKEN: it must be a current API token of this Runn account"
	case e.Status == http.StatusForbidden:
		return "check RUNN_API_TOKEN: writing needs a token with write scope"
	case e.Status == http.StatusNotFound:
		return "if every call answers 404, check --runn-base-url / RUNN_BASE_URL: EU accounts use " +
			DefaultBaseURL + ", US accounts " + USBaseURL
	case e.Status == http.StatusTooManyRequests:
		return "Runn's rate limit; try again later or lower the request rate"
	case e.Status >= 500:
		return "a fault at Runn; try again later"
	}
	return ""
}

func (e *APIError) redirect() bool { return e.Status >= 300 && e.Status < 400 }

// Is makes errors.Is(err, ErrUnauthorized) and the like work on an *APIError.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrRedirected:
		return e.redirect()
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	}
	return false
}

// newAPIError builds the error for a non-2xx answer. body must already be redacted.
func newAPIError(method, url string, status int, body []byte) *APIError {
	e := &APIError{Method: method, URL: url, Status: status}
	if err := json.Unmarshal(body, &e.Body); err != nil || (e.Body.Error == "" && e.Body.Message == "") {
		e.Body = ErrorBody{Message: snippet(body)}
	}
	return e
}

func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > maxErrorSnippet {
		s = s[:maxErrorSnippet]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// redact removes the token from b. Tokens are long random strings, so a plain replacement
// cannot damage anything else.
func (c *API) redact(b []byte) []byte {
	if len(c.token) == 0 || !bytes.Contains(b, []byte(c.token)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(c.token), []byte(redacted))
}

// redactLocation is a redirect's target fit for an error message: resolved against the request's
// URL, without credentials or fragment, query values replaced, the token removed, and bounded in
// length. A Location that cannot be parsed is not shown, since what it hides cannot be told.
func (c *API) redactLocation(resp *http.Response) string {
	loc := resp.Header.Get(notFollowedLocation)
	if loc == "" {
		loc = resp.Header.Get("Location")
	}
	if loc == "" {
		return ""
	}
	u, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return "(a Location that is not a URL)"
	}
	u.User, u.Fragment, u.RawFragment = nil, "", ""
	if u.RawQuery != "" {
		q, _ := url.ParseQuery(u.RawQuery)
		keys := slices.Sorted(maps.Keys(q))
		for i, k := range keys {
			keys[i] = url.QueryEscape(k) + "=" + redacted
		}
		u.RawQuery = ""
		return snippet([]byte(c.redactString(u.String() + "?" + strings.Join(keys, "&"))))
	}
	return snippet([]byte(c.redactString(u.String())))
}

// redactString is redact for strings built from errors of the transport.
func (c *API) redactString(s string) string {
	return strings.ReplaceAll(s, c.token, redacted)
}
