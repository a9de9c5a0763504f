package harvest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
)

// answer is a 200 answer (httpx's word for a response to an attempt), read in full.
type answer struct {
	body      []byte
	fetchedAt time.Time
	duration  time.Duration // of the successful attempt, waits excluded
	attempts  int
}

// outcome is the result of one attempt.
type outcome struct {
	resp       answer
	err        error
	retry      bool      // err is worth another attempt
	pauseUntil time.Time // for a 429: when the whole client may send again
}

// get fetches u, retrying 429, 5xx and network failures, until a 200 arrives, an error that
// retrying cannot fix, or the attempts run out.
func (c *APIClient) get(ctx context.Context, res Resource, u *url.URL) (answer, error) {
	shown := c.redact.url(u)
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			c.stats.Retry()
		}
		o := c.attempt(ctx, res, u, shown)
		if o.err == nil {
			o.resp.attempts = attempt
			return o.resp, nil
		}
		if ctx.Err() != nil {
			return answer{}, fmt.Errorf("GET %s: %w", shown, ctx.Err())
		}
		if !o.retry {
			return answer{}, o.err
		}
		if c.retry.Exhausted(attempt) {
			return answer{}, &AttemptsError{Method: http.MethodGet, URL: shown, Attempts: attempt, Last: o.err}
		}
		rateLimited := !o.pauseUntil.IsZero()
		var wait time.Duration
		if rateLimited {
			// Every request, this one included, waits in the limiter until the pause ends, so
			// that no goroutine keeps hammering a server that asked for a break.
			c.limiter.pauseUntil(o.pauseUntil)
			wait = max(o.pauseUntil.Sub(c.clock.Now()), 0)
		} else {
			wait = c.retry.Backoff(attempt)
		}
		attrs := []any{"url", shown, "attempt", attempt, "wait", wait, "error", c.redact.string(o.err.Error())}
		var api *APIError
		if errors.As(o.err, &api) {
			attrs = append(attrs, "status", api.Status)
		}
		c.log.WarnContext(ctx, "harvest: retrying", attrs...)
		if rateLimited {
			continue
		}
		if err := c.stats.Sleep(ctx, c.clock, wait); err != nil {
			return answer{}, fmt.Errorf("GET %s: %w", shown, err)
		}
	}
}

// attempt sends one request once the limiter allows it.
func (c *APIClient) attempt(ctx context.Context, res Resource, u *url.URL, shown string) outcome {
	t, waited, err := c.limiter.acquire(ctx)
	c.stats.Waited(waited)
	if err != nil {
		return outcome{err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		c.limiter.release(t)
		return outcome{err: fmt.Errorf("GET %s: %w", shown, err)}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Harvest-Account-Id", c.account)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")

	start := c.clock.Now()
	c.stats.Request()
	resp, err := c.http.Do(req)
	c.limiter.release(t)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its message would repeat the URL unredacted
		}
		if ctx.Err() != nil {
			return outcome{err: err}
		}
		err = fmt.Errorf("GET %s: %w", shown, err)
		if !retryableNetError(err) {
			return outcome{err: err}
		}
		c.stats.NetworkError()
		return outcome{err: err, retry: true}
	}
	defer resp.Body.Close()
	body, readErr := httpx.ReadBody(resp.Body, resp.ContentLength, httpx.MaxBody)
	end := c.clock.Now()
	c.log.DebugContext(ctx, "harvest: request", "url", shown, "status", resp.StatusCode,
		"bytes", len(body), "duration", end.Sub(start))
	if readErr != nil && ctx.Err() != nil {
		return outcome{err: readErr}
	}

	status := resp.StatusCode
	switch {
	case status == http.StatusOK:
		if readErr != nil {
			err := fmt.Errorf("GET %s: reading the answer: %w", shown, readErr)
			if errors.Is(readErr, httpx.ErrBodyTooLarge) {
				return outcome{err: err}
			}
			c.stats.NetworkError()
			return outcome{err: err, retry: true}
		}
		return outcome{resp: answer{body: body, fetchedAt: end, duration: end.Sub(start)}}
	case status == http.StatusTooManyRequests:
		c.stats.RateLimited()
		wait := retryAfter(resp.Header, end, c.window)
		if wait > MaxRetryAfter {
			return outcome{err: &RetryAfterTooLongError{Method: http.MethodGet, URL: shown, Wait: wait,
				Header: c.redact.string(strings.TrimSpace(resp.Header.Get("Retry-After"))), Max: MaxRetryAfter}}
		}
		return outcome{err: c.apiError(res, shown, status, body), retry: true, pauseUntil: end.Add(wait)}
	case status >= 500:
		c.stats.ServerError()
		return outcome{err: c.apiError(res, shown, status, body), retry: true}
	default:
		return outcome{err: c.apiError(res, shown, status, body)}
	}
}

func (c *APIClient) apiError(res Resource, shown string, status int, body []byte) *APIError {
	return &APIError{Method: http.MethodGet, URL: shown, Status: status, Hint: hintFor(status, res),
		Body: c.redact.excerpt(body)}
}
