package httpx

import (
	"context"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/clock"
)

// Clock is the source of time both clients wait on. Tests inject internal/testkit's FakeClock,
// so that rate-limit waits, pauses and backoff cost no real time and can be checked.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, and then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// OrSystem returns c, or the system clock when c is nil (a Config that left Clock unset).
func OrSystem(c Clock) Clock {
	if c == nil {
		return clock.System{}
	}
	return c
}
