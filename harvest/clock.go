package harvest

import (
	"context"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/clock"
)

// Clock is the client's source of time. Tests inject a fake one so that rate-limit waits and
// backoff cost no real time.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, and then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// systemClock is the real clock, shared with the Runn client.
type systemClock = clock.System
