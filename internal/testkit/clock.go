package testkit

import (
	"context"
	"sync"
	"time"
)

// FakeClock is a clock that moves only when something sleeps on it or a test advances it, and
// then at once. It satisfies harvest.Clock and runn.Clock and is safe for concurrent use, since
// the clients sleep from several workers at a time.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewFakeClock returns a clock that reads start until something moves it.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start}
}

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep returns ctx.Err() without sleeping when ctx is already done, as a real sleep would.
// Otherwise it records d, moves the clock on by d and returns nil at once.
//
// Every sleep is recorded, a zero or negative one too, so that a test sees each wait a client
// asked for (including a zero jitter). The clock moves only on a positive d, though: a real
// sleep of zero or less does not turn time back, and a fake that did would let a test pass
// that the real clock would fail.
func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

// Sleeps returns a copy of every duration slept so far, in the order the sleeps began.
func (c *FakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// Advance moves the clock on by d without recording a sleep: time passing outside the client,
// such as a rate-limit window running out between subtests.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
