package harvest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff for 5xx and network failures: full jitter over a cap that starts at 1 s and doubles
// up to 30 s, so that retrying clients spread out instead of returning in step.
const (
	backoffBase = time.Second
	backoffMax  = 30 * time.Second
)

// MaxRetryAfter is the longest a 429's Retry-After is waited out, the same cap as the Runn
// client's: a longer wait would hold the warehouse for hours (or, garbled, for days), so the
// run fails instead and says to run it again later.
const MaxRetryAfter = 5 * time.Minute

// backoffCap is the longest wait after the failed attempt number n (1-based).
func backoffCap(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 6 { // 1 s << 5 is already past the cap; larger shifts would overflow
		return backoffMax
	}
	return min(backoffBase<<(n-1), backoffMax)
}

// retryAfter is how long a 429 asks to wait: Retry-After in seconds or as an HTTP date, else
// the whole rate window. A date is measured against the answer's own Date header when there
// is one, so that clock skew between us and Harvest does not stretch or cut the wait.
func retryAfter(h http.Header, now time.Time, window time.Duration) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return window
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return window
		}
		return time.Duration(n) * time.Second
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return window
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return max(at.Sub(now), 0)
}

// retryableNetError reports whether a failure to get an answer may go away by itself
// (timeouts, resets, refused connections), as opposed to a wrong host name or a certificate
// that will fail the same way every time.
func retryableNetError(err error) bool {
	var (
		dnsErr   *net.DNSError
		certErr  *tls.CertificateVerificationError
		hostErr  x509.HostnameError
		authErr  x509.UnknownAuthorityError
		invalErr x509.CertificateInvalidError
		recErr   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound,
		errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &authErr),
		errors.As(err, &invalErr), errors.As(err, &recErr):
		return false
	}
	return true
}
