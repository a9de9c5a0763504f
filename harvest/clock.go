package harvest

import "github.com/harvest2runn/harvest2runn/internal/httpx"

// Clock is the client's source of time, the one both clients share. Tests inject
// internal/testkit's FakeClock so that rate-limit waits and backoff cost no real time.
type Clock = httpx.Clock
