package httpx

import (
	"context"
	"sync/atomic"
	"time"
)

// Stats are a client's request totals since it was made. Both clients report them; the
// pipelines and the extract record them per run and per extract.
type Stats struct {
	Requests      int64         // attempts sent (or tried), retries included
	Retries       int64         // attempts that followed a failed one
	RateLimited   int64         // 429 answers
	ServerErrors  int64         // 5xx answers
	NetworkErrors int64         // attempts that got no complete answer: dial errors, timeouts, resets, truncated bodies
	Waited        time.Duration // time spent waiting for the rate limit, pauses and backoff, summed over goroutines
}

// Counters are the atomic totals behind Stats. The zero value is ready to use, and every
// method is safe to call from several goroutines at once.
type Counters struct {
	requests, retries, rateLimited, serverErrors, networkErrors, waited atomic.Int64
}

// Request counts an attempt sent.
func (c *Counters) Request() { c.requests.Add(1) }

// Retry counts an attempt that follows a failed one.
func (c *Counters) Retry() { c.retries.Add(1) }

// RateLimited counts a 429 answer.
func (c *Counters) RateLimited() { c.rateLimited.Add(1) }

// ServerError counts a 5xx answer.
func (c *Counters) ServerError() { c.serverErrors.Add(1) }

// NetworkError counts an attempt that got no complete answer.
func (c *Counters) NetworkError() { c.networkErrors.Add(1) }

// Waited adds d to the time spent waiting.
func (c *Counters) Waited(d time.Duration) { c.waited.Add(int64(d)) }

// Sleep waits d on clk and counts the time that passed on clk, also when ctx ends the wait
// early. It returns what clk.Sleep returned.
func (c *Counters) Sleep(ctx context.Context, clk Clock, d time.Duration) error {
	start := clk.Now()
	err := clk.Sleep(ctx, d)
	c.Waited(clk.Now().Sub(start))
	return err
}

// Stats returns the totals so far. It is safe to call while requests run; each total is read
// atomically, the set of them is not one snapshot.
func (c *Counters) Stats() Stats {
	return Stats{
		Requests:      c.requests.Load(),
		Retries:       c.retries.Load(),
		RateLimited:   c.rateLimited.Load(),
		ServerErrors:  c.serverErrors.Load(),
		NetworkErrors: c.networkErrors.Load(),
		Waited:        time.Duration(c.waited.Load()),
	}
}
