package httpx

import (
	"math/rand/v2"
	"time"
)

// The retry policy both clients follow by default.
const (
	// DefaultMaxAttempts bounds the attempts of one request, the first included: at least five
	// consecutive 429 or 5xx answers are survived.
	DefaultMaxAttempts = 8
	// DefaultBackoffBase is the ceiling of the first backoff; it doubles per failed attempt.
	DefaultBackoffBase = time.Second
	// DefaultBackoffMax is the ceiling's cap.
	DefaultBackoffMax = 30 * time.Second
)

// Retry is a retry policy: how many attempts a request gets, and full-jitter exponential
// backoff between them, so that clients retrying at once spread out instead of returning in
// step. The zero value of Base, Max and Rand means the defaults.
type Retry struct {
	MaxAttempts int
	// Base is the ceiling of the wait after the first failed attempt; it doubles per failed
	// attempt up to Max.
	Base, Max time.Duration
	// Rand returns a number in [0, 1] that scales the ceiling: the jitter. Nil means
	// math/rand/v2's Float64. Tests fix it (1 gives the ceiling itself).
	Rand func() float64
}

// DefaultRetry is the policy both clients start from, with maxAttempts attempts (0 means
// DefaultMaxAttempts).
func DefaultRetry(maxAttempts int) Retry {
	if maxAttempts == 0 {
		maxAttempts = DefaultMaxAttempts
	}
	return Retry{MaxAttempts: maxAttempts, Base: DefaultBackoffBase, Max: DefaultBackoffMax}
}

// Exhausted reports whether attempt (1-based) was the last one the policy allows.
func (r Retry) Exhausted(attempt int) bool { return attempt >= r.MaxAttempts }

// Ceiling is the longest backoff after the failed attempt number n (1-based; less counts as 1):
// Base doubled n-1 times, capped at Max.
func (r Retry) Ceiling(n int) time.Duration {
	base, ceil := r.Base, r.Max
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if ceil <= 0 {
		ceil = DefaultBackoffMax
	}
	for i := 1; i < n && base < ceil; i++ {
		base *= 2 // stops once past the cap, so it cannot overflow
	}
	return min(base, ceil)
}

// Backoff is the wait after the failed attempt number n: a uniform random share of Ceiling(n).
func (r Retry) Backoff(n int) time.Duration {
	rnd := r.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	return time.Duration(rnd() * float64(r.Ceiling(n)))
}
