package httpx

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter is the longest wait an answer's header is obeyed for. A longer one would hold
// the warehouse for hours (or, garbled, for days). Each client applies it its own way: Harvest
// fails the request and says to run again later, Runn caps the wait and lets the next 429 pause
// again.
const MaxRetryAfter = 5 * time.Minute

// epochThreshold tells an x-ratelimit-reset given as a Unix time from one given in seconds: a
// billion seconds is 31 years.
const epochThreshold = 1_000_000_000

// RetryAfter reads the Retry-After header of an answer: delay-seconds (a decimal fraction is
// accepted) or an HTTP date. A date is measured against the answer's own Date header when it
// has one, so that clock skew between the server and us neither stretches nor cuts the wait;
// else against now. A date in the past is a wait of 0. ok is false when the header is absent,
// negative or neither a number nor a date. The wait is not capped (see MaxRetryAfter); a value
// too large for a time.Duration comes back as the largest one.
func RetryAfter(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return seconds(f)
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return max(at.Sub(now), 0), true
}

// RateLimitReset reads an x-ratelimit-reset value: seconds until the rate-limit window resets,
// as clients of Runn treat it, or, when it is a billion or more, a Unix time (a count of
// seconds that large can only be one). ok is false when it is absent, negative or not a number.
func RateLimitReset(v string, now time.Time) (wait time.Duration, ok bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, false
	}
	if f >= epochThreshold && !math.IsInf(f, 1) {
		return max(time.Unix(int64(f), 0).Sub(now), 0), true
	}
	return seconds(f)
}

// seconds turns a header's count of seconds into a wait.
func seconds(f float64) (time.Duration, bool) {
	switch {
	case f < 0 || math.IsNaN(f) || math.IsInf(f, 0):
		return 0, false
	case f >= float64(math.MaxInt64)/float64(time.Second):
		return time.Duration(math.MaxInt64), true
	}
	return time.Duration(f * float64(time.Second)), true
}
