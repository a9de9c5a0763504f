package harvest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
)

// MaxRetryAfter is the longest a 429's Retry-After is waited out, the same cap as the Runn
// client's (httpx.MaxRetryAfter): a longer wait would hold the warehouse for hours (or,
// garbled, for days), so the run fails instead and says to run it again later.
const MaxRetryAfter = httpx.MaxRetryAfter

// retryAfter is how long a 429 asks to wait (httpx.RetryAfter), or the whole rate window when
// it does not say.
func retryAfter(h http.Header, now time.Time, window time.Duration) time.Duration {
	if d, ok := httpx.RetryAfter(h, now); ok {
		return d
	}
	return window
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
