// Package clock is the real clock shared by the Harvest and Runn clients: the default behind
// httpx.Clock, which tests replace with testkit's fake clock. It uses only the standard library.
package clock

import (
	"context"
	"time"
)

// System reads the wall clock and sleeps on real timers. The zero value is ready to use.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done, whichever comes first, and then returns ctx.Err().
// A d of zero or less does not wait, but still reports a done ctx, so that a caller looping
// on Sleep stops when its context is cancelled.
func (System) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
