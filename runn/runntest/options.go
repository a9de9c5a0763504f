package runntest

import (
	"errors"
	"fmt"
	"time"
)

// Defaults follow what Runn is known to do (runn-notes.md §1.6: 120 requests per minute).
const (
	DefaultRateLimit  = 120
	DefaultRateWindow = time.Minute
	// RateLimitDisabled as Options.RateLimit turns rate limiting off (benchmarks, demo).
	RateLimitDisabled = -1
)

// Options configure a fake Runn server.
type Options struct {
	// Token is the only bearer token accepted. Required.
	Token string
	// Today ("YYYY-MM-DD") is the last date actuals may be written for, and the default
	// start of a new person's contract. Empty: the UTC date of Now at each request.
	Today string
	// Now is the clock for rate limiting and createdAt/updatedAt. Default time.Now.
	Now func() time.Time
	// RateLimit requests per RateWindow, with a burst of RateLimit. 0 means
	// DefaultRateLimit; RateLimitDisabled (any negative value) turns it off.
	RateLimit int
	// RateWindow is the window of RateLimit. 0 means DefaultRateWindow.
	RateWindow time.Duration
	// FixedWindow counts requests in fixed windows of RateWindow, each opened by the first
	// request after the last expired, instead of a token bucket: the way Runn (a Fastify server
	// with its rate-limit plugin) counts, and what x-ratelimit-reset's "seconds until the window
	// resets" describes. The benchmarks use it.
	FixedWindow bool
	// Latency is the least time every answer takes (for real), the server's own work included:
	// reads are worked out meanwhile, writes apply once it has passed. For benchmarks.
	Latency time.Duration
	// SpecPath is the Runn OpenAPI spec to follow. Empty: the copy embedded in this package
	// (runn-openapi.json).
	SpecPath string
}

func (o Options) withDefaults() (Options, error) {
	if o.Token == "" {
		return o, errors.New("runntest: Options.Token is required (the bearer token the fake accepts)")
	}
	if o.Today != "" {
		if _, err := time.Parse(time.DateOnly, o.Today); err != nil {
			return o, fmt.Errorf("runntest: Options.Today %q is not a YYYY-MM-DD date: %w", o.Today, err)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateWindow == 0 {
		o.RateWindow = DefaultRateWindow
	}
	if o.RateWindow < 0 {
		return o, fmt.Errorf("runntest: Options.RateWindow %v must be positive", o.RateWindow)
	}
	if o.Latency < 0 {
		return o, fmt.Errorf("runntest: Options.Latency %v must not be negative", o.Latency)
	}
	return o, nil
}
