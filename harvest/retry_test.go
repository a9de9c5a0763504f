package harvest

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	const window = 15 * time.Second
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"absent", http.Header{}, window},
		{"seconds", http.Header{"Retry-After": {"12"}}, 12 * time.Second},
		{"zero", http.Header{"Retry-After": {"0"}}, 0},
		{"spaces", http.Header{"Retry-After": {" 3 "}}, 3 * time.Second},
		{"negative", http.Header{"Retry-After": {"-4"}}, window},
		{"garbage", http.Header{"Retry-After": {"soon"}}, window},
		{"date", http.Header{"Retry-After": {now.Add(9 * time.Second).Format(http.TimeFormat)}}, 9 * time.Second},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"date against Date", http.Header{
			"Date":        {now.Add(-time.Hour).Format(http.TimeFormat)},
			"Retry-After": {now.Add(-time.Hour + 5*time.Second).Format(http.TimeFormat)},
		}, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.header, now, window); got != tc.want {
				t.Errorf("retryAfter = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRetryableNetError(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"timeout", &net.DNSError{Err: "timeout", IsTimeout: true}, true},
		{"unknown host", fmt.Errorf("GET x: %w", &net.DNSError{Err: "no such host", Name: "api.harvestap.com", IsNotFound: true}), false},
		{"bad certificate", fmt.Errorf("GET x: %w", x509.UnknownAuthorityError{}), false},
		{"wrong host in certificate", x509.HostnameError{Host: "x"}, false},
		{"plain", errors.New("something"), true},
	} {
		if got := retryableNetError(tc.err); got != tc.want {
			t.Errorf("%s: retryable = %v, want %v", tc.name, got, tc.want)
		}
	}
}
