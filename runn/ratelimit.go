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
// spent: the configured limit and window are only where it starts.
//
// What a window has left: Runn counts requests as they reach it, so an answer saying r remain was
// the (limit-r)th of its window, and every answer of the window saying more than r was counted
// before it. The least remaining among the window's answers therefore counts every answered
// request; only those still in flight may come on top. The client starts a request while that
// least remaining exceeds the requests in flight (from this window or an earlier one, which may
// reach Runn in this one), and never loses budget to answers that arrive out of order.
//
// Which window an answer belongs to: its "answer time + reset" is no earlier than the end of the
// window that counted it (Runn read its clock before the answer arrived, and rounded up) and at
// most a second and a round trip later. Windows follow each other by at least their length, so
// an answer is put in the window whose end it is nearest; an answer of the next window (a request
// that reached Runn just after the window the client was spending ended) opens it at once, with
// what it said. The window's end is the earliest such time of its answers. The first request of
// a window opened on a guess goes alone (a probe): its answer says whether the server's window
// really reset and how much it holds, before several requests are spent on a guess; unless every
// answer of the window before named the same end (a fixed window: once its end has passed, Runn
// starts the next afresh with the first request that reaches it).
type limiter struct {
	clock Clock
	log   *slog.Logger
	paced bool // false when proactive pacing is off (Config.RateLimit < 0)

	mu        sync.Mutex
	limit     int
	window    time.Duration // the window's length: configured, until an answer shows Runn's
	informed  bool          // an answer carried x-ratelimit-remaining and -reset
	epoch     int64         // which window of the client's; 0 before the first request
	windowEnd time.Time     // when the current window ends, at the latest
	sure      bool          // windowEnd and left come from an answer of the current window
	prevEnd   time.Time     // the end of the window before, when it came from an answer
	left      int           // the least remaining the current window's answers showed (or the guess)
	// The latest "answer time + reset" among the current window's answers, and the longest round
	// trip of its requests: all its answers naming one end, give or take the rounding and a round
	// trip, show a fixed window, whose successor needs no probe.
	latestEnd  time.Time
	longest    time.Duration
	answers    int         // how many answers of the current window named its end
	next       *windowSeen // what answers of the window after the current one showed
	started    int64       // requests started so far: the tickets' numbers
	inflight   int
	probing    bool // the current window's first request is in flight
	fresh      bool // the next request opens the window (a probe)
	pauseUntil time.Time
	wake       chan struct{} // closed and replaced whenever an answer changes the state
}

// windowSeen is what the answers of one window showed: its end and the least remaining.
type windowSeen struct {
	end  time.Time
	left int
}

// ticket is one request's place in the limiter; done gives it back with the answer's headers.
// The zero ticket is a request sent without waiting (Ping): its answer's 429 still pauses.
type ticket struct {
	seq, epoch int64
	probe      bool
	at         time.Time // when the request started
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
		t, until, wake, ok := l.nextTicket(l.clock.Now())
		l.mu.Unlock()
		if ok {
			return t, l.clock.Now().Sub(start), nil
		}
		if err := l.sleep(ctx, until, wake); err != nil {
			return ticket{}, l.clock.Now().Sub(start), err
		}
	}
}

// nextTicket issues a ticket when a request may start now; otherwise it says until when to wait
// (zero: until an answer arrives). Callers hold l.mu.
func (l *limiter) nextTicket(now time.Time) (t ticket, until time.Time, wake chan struct{}, ok bool) {
	if now.Before(l.pauseUntil) {
		return ticket{}, l.pauseUntil, l.wake, false
	}
	if !l.paced {
		return l.issue(false, now), time.Time{}, nil, true
	}
	if l.epoch == 0 || !now.Before(l.windowEnd) {
		l.open(now)
	}
	switch {
	case l.probing:
		return ticket{}, time.Time{}, l.wake, false
	case l.left-l.inflight <= 0:
		// Until the window ends, or an answer shows a request counted in an earlier window.
		return ticket{}, l.windowEnd, l.wake, false
	}
	probe := l.fresh
	l.fresh = false
	l.probing = probe
	return l.issue(probe, now), time.Time{}, nil, true
}

// open starts the client's next window: the one answers already showed, or a guess whose first
// request is a probe once Runn has announced its window at all. Callers hold l.mu.
func (l *limiter) open(now time.Time) {
	probe := l.probeOnOpen()
	l.epoch++
	l.prevEnd = time.Time{}
	if l.sure {
		l.prevEnd = l.windowEnd
	}
	l.latestEnd, l.longest, l.answers = time.Time{}, 0, 0
	// A probe of the last window still unanswered no longer holds this one back.
	l.probing = false
	if n := l.next; n != nil {
		l.windowEnd, l.left, l.sure, l.fresh, l.next, l.latestEnd = n.end, n.left, true, false, nil, n.end
		return
	}
	l.windowEnd, l.left, l.sure, l.fresh = now.Add(l.window), l.limit, false, probe
}

// probeOnOpen tells whether the window open would start begins with a probe: when it is a guess
// (no answer of it came early), the last window was not seen to be fixed, and either Runn has
// announced its window or this is the client's first (until Runn has answered, the limit is a
// guess too). Callers hold l.mu.
func (l *limiter) probeOnOpen() bool {
	if l.next != nil {
		return false
	}
	// Four answers at least: a token bucket's ends move on by a token's time with each request.
	fixed := l.sure && l.answers >= 4 && !l.latestEnd.After(l.windowEnd.Add(time.Second+l.longest))
	return (l.informed || l.epoch == 0) && !fixed
}

func (l *limiter) issue(probe bool, now time.Time) ticket {
	l.started++
	l.inflight++
	return ticket{seq: l.started, epoch: l.epoch, probe: probe, at: now}
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
		if h == nil || h.Get("X-Ratelimit-Remaining") == "" {
			// No word on the window: the request may have counted in it.
			l.left--
		}
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
		l.log.Debug("runn: following Runn's rate limit", "limit", limit, "was", l.limit)
		if !l.sure {
			// The guess counted from the old limit; a window's answers will say more.
			l.left += min(0, limit-l.limit)
		}
		l.limit = limit
	}
	remaining, hasRemaining := parseCount(h.Get("X-Ratelimit-Remaining"))
	remaining = max(remaining, 0)
	switch {
	case !l.paced:
		if hasRemaining && remaining <= 0 && hasReset {
			l.pauseLocked(reset, "x-ratelimit-remaining is 0")
		}
	case t.seq == 0:
		// A request sent without a ticket (Ping) was not counted here; before the first
		// window, its answer opens it, so that the first request needs no probe.
		if hasRemaining && hasReset && l.epoch == 0 {
			l.informed = true
			l.epoch, l.windowEnd, l.left, l.sure = 1, now.Add(reset), remaining, true
			l.latestEnd, l.answers = l.windowEnd, 1
		}
	case hasRemaining && hasReset:
		l.informed = true
		l.follow(t, remaining, reset, now)
	case hasRemaining && t.epoch == l.epoch:
		l.left = min(l.left, remaining)
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
		l.left, l.windowEnd, l.sure, l.next = 0, l.pauseUntil, false, nil
	}
}

// follow puts an answer in the window it counted in (see limiter) and takes that window's end
// and what it has left. Callers hold l.mu.
func (l *limiter) follow(t ticket, remaining int, reset time.Duration, now time.Time) {
	end := now.Add(reset)
	if remaining == l.limit-1 && reset > 0 && reset != l.window {
		// A fresh window's reset is its length (rounded up to a second): the start value of
		// the next window, until an answer of it says more.
		l.log.Debug("runn: following Runn's rate-limit window", "limit", l.limit, "window", reset, "was", l.window)
		l.window = reset
	}
	margin := l.window / 2
	switch {
	case l.sure && end.Before(l.windowEnd.Add(-margin)),
		!l.sure && t.epoch < l.epoch && !l.prevEnd.IsZero() && end.Before(l.prevEnd.Add(margin)):
		// Counted in an earlier window: it no longer weighs on this one.
	case l.sure && end.After(l.windowEnd.Add(margin)):
		// Counted in the next window: Runn has opened it, so the current one is over.
		if l.next == nil {
			l.next = &windowSeen{end: end, left: remaining}
		} else {
			l.next.end, l.next.left = minTime(l.next.end, end), min(l.next.left, remaining)
		}
		l.windowEnd = now
	case !l.sure:
		l.windowEnd, l.left, l.sure = end, remaining, true
		l.latestEnd, l.longest, l.answers = end, now.Sub(t.at), 1
	default:
		l.windowEnd, l.left = minTime(l.windowEnd, end), min(l.left, remaining)
		l.latestEnd, l.longest = maxTime(l.latestEnd, end), max(l.longest, now.Sub(t.at))
		l.answers++
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
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
