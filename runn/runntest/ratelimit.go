package runntest

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket of limit requests per window (burst = limit), read on the
// injected clock. Nil means rate limiting is off.
type limiter struct {
	bucket *rate.Limiter
	limit  int
	perSec float64
}

func newLimiter(limit int, window time.Duration) *limiter {
	if limit < 0 {
		return nil
	}
	perSec := float64(limit) / window.Seconds()
	return &limiter{bucket: rate.NewLimiter(rate.Limit(perSec), limit), limit: limit, perSec: perSec}
}

// admit takes a token if there is one, sets the x-ratelimit-* headers Runn sends on every
// answer, and when refused returns the seconds to wait for the next token (retry-after).
func (l *limiter) admit(now time.Time, h http.Header) (ok bool, retryAfter int) {
	if l == nil {
		return true, 0
	}
	ok = l.bucket.AllowN(now, 1)
	tokens := l.bucket.TokensAt(now)
	remaining := max(0, int(math.Floor(tokens)))
	reset := int(math.Ceil((float64(l.limit) - tokens) / l.perSec))
	h.Set("x-ratelimit-limit", strconv.Itoa(l.limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("x-ratelimit-reset", strconv.Itoa(max(0, reset)))
	if ok {
		return true, 0
	}
	return false, max(1, int(math.Ceil((1-tokens)/l.perSec)))
}
