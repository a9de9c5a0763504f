package harvest

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

const redacted = "[REDACTED]"

// redactor keeps the token out of everything the client shows: URLs, body excerpts, errors
// and log lines.
type redactor struct{ token string }

func (r redactor) string(s string) string {
	if r.token == "" {
		return s
	}
	return strings.ReplaceAll(s, r.token, redacted)
}

// url shows u without user info, without an access_token parameter and without the token.
func (r redactor) url(u *url.URL) string {
	v := *u
	v.User = nil
	if q := v.Query(); q.Has("access_token") {
		q.Set("access_token", redacted)
		v.RawQuery = q.Encode()
	}
	return r.string(v.String())
}

// excerpt is the start of body on one line, token removed, for an error message.
func (r redactor) excerpt(body []byte) string {
	const limit = 300
	s := r.string(strings.ToValidUTF8(string(body), "\uFFFD"))
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// err returns err itself unless its message contains the token; then an error that shows the
// message redacted but still unwraps to err.
func (r redactor) err(err error) error {
	if err == nil || r.token == "" || !strings.Contains(err.Error(), r.token) {
		return err
	}
	return &redactedError{msg: r.string(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
