package runn

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
)

const (
	// default429Pause is what Runn's older FAQ says a caller over the limit is blocked for; used
	// when a 429 carries neither retry-after nor x-ratelimit-reset.
	default429Pause = 60 * time.Second
)

// limiter paces requests to the window Runn announces, and holds the client-wide pause that 429
// answers impose.
//
// Runn counts requests in a fixed window and says on every answer how many it still accepts
// (x-ratelimit-remaining) and in how many seconds the window resets (x-ratelimit-reset, rounded
// up, as @fastify/rate-limit sends it; Runn's error bodies have Fastify's shape). So the client
// spends what the window has left as fast as it likes, and waits for the reset only when that is
// spent: the configured limit and window are only where it starts. The window's end is the earliest
// "answer time + reset" of the window's answers: each is no earlier than the true end, since the
// server read its clock before the answer arrived and rounded up.
//
// Requests are numbered as they start. An answer to request q saying r remain means Runn will
// take q+r requests in all in this window, counting those started after q whether or not they
// had reached it: the window's cap is the least q+r of its answers. The first request of a
// window goes alone (a probe): its answer says whether the server's window really reset and how
// much it holds, before several requests are spent on a guess.
type limiter struct {
	clock Clock
	log   *slog.Logger
	paced bool // false when proactive pacing is off (Config.RateLimit < 0)

	mu         sync.Mutex
	limit      int
	window     time.Duration // the configured window, until an answer shows Runn's
	informed   bool          // an answer carried x-ratelimit-remaining and -reset
	epoch      int64         // which window of the client's; 0 before the first request
	windowEnd  time.Time     // when the current window ends, at the latest
	guessed    bool          // windowEnd is the start value, not yet taken from an answer
	started    int64         // requests started so far
	base       int64         // started when the window opened, less the requests then in flight
	cap        int64         // started may grow to cap before windowEnd
	inflight   int
	probing    bool // the current window's first request is in flight
	fresh      bool // the next request opens the window (a probe)
	pauseUntil time.Time
	wake       chan struct{} // closed and replaced whenever an answer changes the state
}

// ticket is one request's place in the limiter; done gives it back with the answer's headers.
// The zero ticket is a request sent without waiting (Ping): its answer's 429 still pauses.
type ticket struct {
	seq, epoch int64
	probe      bool
}

func newLimiter(limit int, window time.Duration, clock Clock, log *slog.Logger) *limiter {
	return &limiter{clock: clock, log: log, window: window, limit: limit, paced: limit > 0, wake: make(chan struct{})}
}

// wait blocks until a request may be sent: any pause is over and the window has room. It returns
// the request's ticket, which must be given back to done, and how long it waited.
func (l *limiter) wait(ctx context.Context) (ticket, time.Duration, error) {
	start := l.clock.Now()
	for {
		if err := ctx.Err(); err != nil {
			return ticket{}, l.clock.Now().Sub(start), err
		}
		l.mu.Lock()
		t, until, wake, ok := l.next(l.clock.Now())
		l.mu.Unlock()
		if ok {
			return t, l.clock.Now().Sub(start), nil
		}
		if err := l.sleep(ctx, until, wake); err != nil {
			return ticket{}, l.clock.Now().Sub(start), err
		}
	}
}

// next issues a ticket when a request may start now; otherwise it says until when to wait (zero:
// until an answer arrives). Callers hold l.mu.
func (l *limiter) next(now time.Time) (t ticket, until time.Time, wake chan struct{}, ok bool) {
	if now.Before(l.pauseUntil) {
		return ticket{}, l.pauseUntil, l.wake, false
	}
	if !l.paced {
		return l.issue(false), time.Time{}, nil, true
	}
	if l.epoch == 0 || !now.Before(l.windowEnd) {
		l.epoch++
		l.windowEnd = now.Add(l.window)
		l.guessed = true
		// Requests still in flight may reach Runn in its new window.
		l.base = l.started - int64(l.inflight)
		l.cap = l.base + int64(l.limit)
		l.fresh = l.informed
		// A probe of the last window still unanswered no longer holds this one back.
		l.probing = false
	}
	switch {
	case l.probing:
		return ticket{}, time.Time{}, l.wake, false
	case l.started >= l.cap:
		return ticket{}, l.windowEnd, l.wake, false
	case l.inflight > 0 && l.cap-l.started <= int64(l.inflight):
		// The window's last requests: answers in flight may show fewer left than counted (one
		// that reached Runn after a later one), so wait for them rather than risk a 429.
		return ticket{}, time.Time{}, l.wake, false
	}
	probe := l.fresh
	l.fresh = false
	l.probing = probe
	return l.issue(probe), time.Time{}, nil, true
}

func (l *limiter) issue(probe bool) ticket {
	l.started++
	l.inflight++
	return ticket{seq: l.started, epoch: l.epoch, probe: probe}
}

// sleep waits until until (zero: no deadline), or until wake is closed, or ctx is done.
func (l *limiter) sleep(ctx context.Context, until time.Time, wake chan struct{}) error {
	if until.IsZero() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
			return nil
		}
	}
	d := until.Sub(l.clock.Now())
	if d <= 0 {
		return nil
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-wake:
			cancel()
		case <-sctx.Done():
		}
	}()
	// An error here is either ctx's or an answer's wake-up (then the caller looks again).
	_ = l.clock.Sleep(sctx, d)
	return ctx.Err()
}

// pause holds every request until now+d (or later, if a longer pause is already set). d is
// capped at httpx.MaxRetryAfter, so that a garbled header cannot stall a run for hours; if Runn
// still refuses afterwards, the next 429 pauses again.
func (l *limiter) pause(d time.Duration, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pauseLocked(d, why)
}

func (l *limiter) pauseLocked(d time.Duration, why string) {
	d = min(d, httpx.MaxRetryAfter)
	until := l.clock.Now().Add(d)
	if until.After(l.pauseUntil) {
		l.pauseUntil = until
		l.log.Info("runn: pausing all requests", "for", d, "reason", why)
	}
}

// done gives a ticket back with the answer's headers (nil: no answer), and pauses the client on a
// 429.
func (l *limiter) done(t ticket, h http.Header, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.seq > 0 {
		l.inflight--
	}
	if t.probe && t.epoch == l.epoch {
		l.probing = false
	}
	if h != nil {
		l.observe(t, h, status)
	}
	close(l.wake)
	l.wake = make(chan struct{})
}

// observe follows the x-ratelimit-* headers of an answer. Callers hold l.mu.
func (l *limiter) observe(t ticket, h http.Header, status int) {
	now := l.clock.Now()
	reset, hasReset := httpx.RateLimitReset(h.Get("X-Ratelimit-Reset"), now)
	if limit, ok := parseCount(h.Get("X-Ratelimit-Limit")); ok && limit > 0 && l.paced && limit != l.limit {
		l.log.Info("runn: following Runn's rate limit", "limit", limit, "was", l.limit)
		l.limit = limit
		l.cap = min(l.cap, l.base+int64(limit))
	}
	remaining, hasRemaining := parseCount(h.Get("X-Ratelimit-Remaining"))
	switch {
	case !l.paced:
		if hasRemaining && remaining <= 0 && hasReset {
			l.pauseLocked(reset, "x-ratelimit-remaining is 0")
		}
	case t.seq == 0:
		// A request sent without a ticket (Ping) says nothing about this client's window.
	case hasRemaining && hasReset && t.epoch == l.epoch:
		l.informed = true
		l.follow(t, max(remaining, 0), reset, now)
	case hasRemaining && t.epoch == l.epoch:
		l.cap = min(l.cap, t.seq+int64(max(remaining, 0)))
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
		l.pauseLocked(d, "429 Too Many Requests")
		// Nothing more in this window: the pause's end opens the next, with a probe.
		l.cap = l.started
		l.windowEnd = l.pauseUntil
	}
}

// follow takes the window's cap and end from an answer of the current window. Callers hold l.mu.
func (l *limiter) follow(t ticket, remaining int, reset time.Duration, now time.Time) {
	end := now.Add(reset)
	capAt := t.seq + int64(remaining)
	if t.probe {
		// The window's first answer: what Runn holds now replaces the guess made at its start.
		// Other requests in flight started in the previous window and may yet count in this one.
		l.cap = capAt - int64(l.inflight)
	} else {
		l.cap = min(l.cap, capAt)
	}
	if l.guessed || end.Before(l.windowEnd) {
		l.windowEnd = end
		l.guessed = false
	}
	if remaining == l.limit-1 && reset > 0 && reset != l.window {
		// A fresh window's reset is its length (rounded up to a second): the start value of
		// the next window, until its probe is answered.
		l.log.Debug("runn: following Runn's rate-limit window", "limit", l.limit, "window", reset, "was", l.window)
		l.window = reset
	}
}

// currentLimit and currentWindow are what the limiter follows now.
func (l *limiter) currentLimit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

func (l *limiter) currentWindow() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.window
}

func parseCount(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}
