package runn

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
)

const (
	// default429Pause is what Runn's older FAQ says a caller over the limit is blocked for; used
	// when a 429 carries neither retry-after nor x-ratelimit-reset.
	default429Pause = 60 * time.Second
)

// limiter paces requests with a token bucket and holds the client-wide pause that 429 answers
// and an exhausted x-ratelimit-remaining impose.
type limiter struct {
	clock  Clock
	log    *slog.Logger
	window time.Duration
	bucket *rate.Limiter
	paced  bool // false when proactive pacing is off (Config.RateLimit < 0)

	mu         sync.Mutex
	limit      int
	pauseUntil time.Time
}

func newLimiter(limit int, window time.Duration, clock Clock, log *slog.Logger) *limiter {
	l := &limiter{clock: clock, log: log, window: window, limit: limit, paced: limit > 0}
	if l.paced {
		l.bucket = rate.NewLimiter(perWindow(limit, window), limit)
	} else {
		l.bucket = rate.NewLimiter(rate.Inf, 1)
	}
	return l
}

func perWindow(limit int, window time.Duration) rate.Limit {
	return rate.Limit(float64(limit) / window.Seconds())
}

// wait blocks until a request may be sent: any pause is over and a token is taken. It returns how
// long it waited.
func (l *limiter) wait(ctx context.Context) (time.Duration, error) {
	waited, err := l.waitPause(ctx)
	if err != nil {
		return waited, err
	}
	now := l.clock.Now()
	r := l.bucket.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		if err := l.clock.Sleep(ctx, d); err != nil {
			r.CancelAt(l.clock.Now())
			return waited, err
		}
		waited += d
	}
	// A 429 may have arrived while this goroutine waited for its token.
	more, err := l.waitPause(ctx)
	return waited + more, err
}

func (l *limiter) waitPause(ctx context.Context) (time.Duration, error) {
	var waited time.Duration
	for {
		if err := ctx.Err(); err != nil {
			return waited, err
		}
		l.mu.Lock()
		until := l.pauseUntil
		l.mu.Unlock()
		d := until.Sub(l.clock.Now())
		if d <= 0 {
			return waited, nil
		}
		if err := l.clock.Sleep(ctx, d); err != nil {
			return waited, err
		}
		waited += d
	}
}

// pause holds every request until now+d (or later, if a longer pause is already set). d is
// capped at httpx.MaxRetryAfter, so that a garbled header cannot stall a run for hours; if Runn
// still refuses afterwards, the next 429 pauses again.
func (l *limiter) pause(d time.Duration, why string) {
	d = min(d, httpx.MaxRetryAfter)
	until := l.clock.Now().Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.pauseUntil) {
		l.pauseUntil = until
		l.log.Info("runn: pausing all requests", "for", d, "reason", why)
	}
}

// observe follows the x-ratelimit-* headers of an answer, and pauses the client on a 429.
func (l *limiter) observe(h http.Header, status int) {
	now := l.clock.Now()
	reset, hasReset := httpx.RateLimitReset(h.Get("X-Ratelimit-Reset"), now)
	if limit, ok := parseCount(h.Get("X-Ratelimit-Limit")); ok && limit > 0 && l.paced {
		l.setLimit(now, limit)
	}
	if remaining, ok := parseCount(h.Get("X-Ratelimit-Remaining")); ok {
		if remaining <= 0 && hasReset {
			l.pause(reset, "x-ratelimit-remaining is 0")
		}
		l.drainTo(now, remaining)
	}
	if status == http.StatusTooManyRequests {
		d, ok := httpx.RetryAfter(h, now)
		switch {
		case ok:
		case hasReset:
			d = reset
		default:
			d = default429Pause
		}
		l.pause(d, "429 Too Many Requests")
	}
}

func (l *limiter) setLimit(now time.Time, limit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if limit == l.limit {
		return
	}
	l.log.Info("runn: following Runn's rate limit", "limit", limit, "per", l.window, "was", l.limit)
	l.limit = limit
	l.bucket.SetLimitAt(now, perWindow(limit, l.window))
	l.bucket.SetBurstAt(now, limit)
}

// drainTo takes tokens out of the bucket so that it never believes it has more requests left
// than Runn says remain.
func (l *limiter) drainTo(now time.Time, remaining int) {
	if !l.paced {
		return
	}
	excess := l.bucket.TokensAt(now) - float64(max(remaining, 0))
	if n := int(math.Ceil(excess)); n > 0 {
		l.bucket.ReserveN(now, n)
	}
}

func (l *limiter) currentLimit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

func parseCount(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}
