package harvesttest

import (
	"sync"
	"time"
)

// windowLimiter allows at most limit requests in any window-long stretch of time, the moving
// window Harvest applies (100 requests per 15 s). Only accepted requests are remembered, so a
// rejected request does not push the lift further away.
type windowLimiter struct {
	limit  int
	window time.Duration

	mu       sync.Mutex
	accepted []time.Time // oldest first
}

func newWindowLimiter(limit int, window time.Duration) *windowLimiter {
	if limit <= 0 || window <= 0 {
		return nil
	}
	return &windowLimiter{limit: limit, window: window}
}

// allow reports whether a request arriving at now is accepted; if not, it also returns how
// long until one would be.
func (l *windowLimiter) allow(now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	expired := 0
	for expired < len(l.accepted) && !now.Before(l.accepted[expired].Add(l.window)) {
		expired++
	}
	l.accepted = l.accepted[expired:]
	if len(l.accepted) < l.limit {
		l.accepted = append(l.accepted, now)
		return true, 0
	}
	return false, l.accepted[0].Add(l.window).Sub(now)
}

// retryAfterSeconds is the Retry-After value for a wait: whole seconds, rounded up, at least 1.
func retryAfterSeconds(wait time.Duration) int {
	s := int((wait + time.Second - 1) / time.Second)
	return max(s, 1)
}
