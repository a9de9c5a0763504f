package runntest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket of limit requests per window (burst = limit), or with
// Options.FixedWindow a fixed window, read on the injected clock. Nil means rate limiting is off.
type limiter struct {
	bucket *rate.Limiter
	limit  int
	perSec float64

	fixed  bool
	window time.Duration
	mu     sync.Mutex
	opened time.Time // the fixed window's start
	count  int       // requests taken in it
}

func newLimiter(limit int, window time.Duration, fixed bool) *limiter {
	if limit < 0 {
		return nil
	}
	perSec := float64(limit) / window.Seconds()
	return &limiter{bucket: rate.NewLimiter(rate.Limit(perSec), limit), limit: limit, perSec: perSec, fixed: fixed, window: window}
}

// admit takes a token if there is one, sets the x-ratelimit-* headers Runn sends on every
// answer, and when refused returns the seconds to wait for the next token (retry-after).
func (l *limiter) admit(now time.Time, h http.Header) (ok bool, retryAfter int) {
	if l == nil {
		return true, 0
	}
	if l.fixed {
		return l.admitFixed(now, h)
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

// admitFixed counts requests in a window that opens with the first request after the last
// window expired, as @fastify/rate-limit's store does (Runn's error bodies have Fastify's shape):
// x-ratelimit-reset is the seconds left in the window, rounded up, and a 429's retry-after the
// same.
func (l *limiter) admitFixed(now time.Time, h http.Header) (ok bool, retryAfter int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opened.IsZero() || !now.Before(l.opened.Add(l.window)) {
		l.opened, l.count = now, 0
	}
	ok = l.count < l.limit
	if ok {
		l.count++
	}
	reset := max(0, int(math.Ceil(l.opened.Add(l.window).Sub(now).Seconds())))
	h.Set("x-ratelimit-limit", strconv.Itoa(l.limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(l.limit-l.count))
	h.Set("x-ratelimit-reset", strconv.Itoa(reset))
	if ok {
		return true, 0
	}
	return false, max(1, reset)
}
