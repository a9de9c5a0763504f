package harvest

import (
	"context"
	"sync"
	"time"
)

// windowLimiter lets at most limit requests start in any window, as a moving window counts
// them (Harvest does; a token bucket would allow twice the limit in the first window).
//
// A request may reach the server at any moment between its start and the arrival of its
// response headers, so a slot is held from the start until window after the response arrived
// (plus a small margin for the server's window boundary). This is stricter than counting
// starts, costs one round trip per window, and means a server counting arrivals with the
// same limit never sees one request too many, however latency varies.
type windowLimiter struct {
	limit int
	hold  time.Duration // window plus margin
	clock Clock

	mu          sync.Mutex
	slots       []*ticket
	pausedUntil time.Time
	changed     chan struct{} // closed and replaced whenever a slot is released
}

// ticket is one request's slot in the window.
type ticket struct {
	done bool
	end  time.Time
}

func newWindowLimiter(limit int, window time.Duration, clock Clock) *windowLimiter {
	return &windowLimiter{
		limit:   limit,
		hold:    window + window/200,
		clock:   clock,
		slots:   make([]*ticket, 0, limit),
		changed: make(chan struct{}),
	}
}

// acquire waits until a request may start and returns its ticket and how long it waited. The
// caller must release the ticket when the response headers (or an error) arrive.
func (l *windowLimiter) acquire(ctx context.Context) (*ticket, time.Duration, error) {
	var waited time.Duration
	for {
		if err := ctx.Err(); err != nil {
			return nil, waited, err
		}
		l.mu.Lock()
		now := l.clock.Now()
		l.prune(now)
		var (
			wait    time.Duration
			changed <-chan struct{}
		)
		switch {
		case now.Before(l.pausedUntil):
			wait = l.pausedUntil.Sub(now)
		case len(l.slots) < l.limit:
			t := &ticket{}
			l.slots = append(l.slots, t)
			l.mu.Unlock()
			return t, waited, nil
		default:
			if next, ok := l.nextExpiry(); ok {
				wait = next.Sub(now)
			} else {
				// Every slot belongs to a request still in flight: its expiry is unknown
				// until it is released.
				changed = l.changed
			}
		}
		l.mu.Unlock()

		var err error
		if changed != nil {
			select {
			case <-changed:
			case <-ctx.Done():
				err = ctx.Err()
			}
		} else {
			err = l.clock.Sleep(ctx, wait)
		}
		waited += l.clock.Now().Sub(now)
		if err != nil {
			return nil, waited, err
		}
	}
}

// release marks the ticket's request as answered; its slot frees up a window later.
func (l *windowLimiter) release(t *ticket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t.done, t.end = true, l.clock.Now()
	close(l.changed)
	l.changed = make(chan struct{})
}

// pauseUntil stops every request from starting before until (a 429's Retry-After).
func (l *windowLimiter) pauseUntil(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
}

// prune drops the slots whose hold has expired at now. Callers hold l.mu.
func (l *windowLimiter) prune(now time.Time) {
	kept := l.slots[:0]
	for _, t := range l.slots {
		if !t.done || now.Before(t.end.Add(l.hold)) {
			kept = append(kept, t)
		}
	}
	clear(l.slots[len(kept):])
	l.slots = kept
}

// nextExpiry is when the earliest released slot frees up. Callers hold l.mu.
func (l *windowLimiter) nextExpiry() (time.Time, bool) {
	var next time.Time
	found := false
	for _, t := range l.slots {
		if t.done && (!found || t.end.Before(next)) {
			next, found = t.end, true
		}
	}
	return next.Add(l.hold), found
}
