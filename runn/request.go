package runn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
)

// call is one logical API call, which may take several attempts.
type call struct {
	method string
	// path is exactly as the spec writes it, path parameters filled in.
	path  string
	query url.Values
	body  []byte
	// repeatable is true when sending the request twice does no harm (GETs and actuals upserts).
	// Otherwise the call is retried only when Runn surely did not act on it.
	repeatable bool
}

// answer is the 2xx answer to a call.
type answer struct {
	url       string
	status    int
	body      []byte
	fetchedAt time.Time
	duration  time.Duration
	attempts  int
}

func (c *API) urlFor(path string, q url.Values) string {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = q.Encode()
	return u.String()
}

// do runs cl with rate limiting and retries; see the package documentation for the policy.
func (c *API) do(ctx context.Context, cl call) (answer, error) {
	target := c.urlFor(cl.path, cl.query)
	fail := func(attempts int, unknown bool, err error) error {
		return &callError{method: cl.method, url: target, attempts: attempts, unknown: unknown, err: err,
			detail: c.redactString(errorDetail(err))}
	}
	for attempt := 1; ; attempt++ {
		tk, waited, err := c.limiter.wait(ctx)
		c.stats.Waited(waited)
		if err != nil {
			return answer{}, fail(attempt-1, false, err)
		}
		if attempt > 1 {
			c.stats.Retry()
		}
		ans, sent, retryAfter, err := c.once(ctx, cl, target, tk)
		ans.attempts = attempt
		if err == nil && ans.status >= 200 && ans.status < 300 {
			return ans, nil
		}

		var apiErr *APIError
		errors.As(err, &apiErr)
		var retryable bool
		switch {
		case apiErr == nil && ctx.Err() != nil:
			// The caller gave up. A create that reached Runn may still have been applied.
			return answer{}, fail(attempt, sent && !cl.repeatable, ctx.Err())
		case apiErr == nil:
			c.stats.NetworkError()
			if sent && !cl.repeatable {
				return answer{}, fail(attempt, true, err)
			}
			retryable = true
		case apiErr.redirect():
			// Not followed (New made sure of it) and not retried: the same request would be
			// redirected again. A write may have been applied before Runn (or whatever answered)
			// redirected it, so its outcome is unknown, even for an upsert: the caller reads Runn
			// before sending anything else.
			if cl.method != http.MethodGet {
				return answer{}, fail(attempt, true, err)
			}
		case apiErr.Status == http.StatusTooManyRequests:
			c.stats.RateLimited()
			retryable = true
		case apiErr.Status >= 500:
			c.stats.ServerError()
			if !cl.repeatable {
				return answer{}, fail(attempt, true, err)
			}
			retryable = true
		}
		if !retryable {
			if attempt == 1 {
				return answer{}, apiErr
			}
			return answer{}, fail(attempt, false, err)
		}
		if c.retry.Exhausted(attempt) {
			return answer{}, fail(attempt, false, err)
		}

		// After a 429 the limiter's pause is the wait; otherwise back off.
		var wait time.Duration
		if apiErr == nil || apiErr.Status != http.StatusTooManyRequests {
			wait = max(c.retry.Backoff(attempt), retryAfter)
		}
		c.log.Warn("runn: retrying", "method", cl.method, "url", target, "attempt", attempt,
			"wait", wait, "err", c.redactString(errorDetail(err)))
		if wait > 0 {
			if err := c.stats.Sleep(ctx, c.clock, wait); err != nil {
				return answer{}, fail(attempt, false, err)
			}
		}
	}
}

// once sends one attempt. sent reports whether a connection to Runn was made, after which Runn
// may have received the request. A non-2xx answer comes back as an *APIError. retryAfter is the
// answer's retry-after, if any.
func (c *API) once(ctx context.Context, cl call, target string, tk ticket) (ans answer, sent bool, retryAfter time.Duration, err error) {
	var header http.Header // the answer's, for the limiter
	var status int
	defer func() { c.limiter.done(tk, header, status) }()
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), cl.method, target, body)
	if err != nil {
		return ans, false, 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept-Version", apiVersion)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	c.stats.Request()
	start := c.clock.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.Debug("runn: request failed", "method", cl.method, "url", target, "err", c.redactString(errorDetail(err)))
		return ans, connected.Load(), 0, err
	}
	defer resp.Body.Close()
	header, status = resp.Header, resp.StatusCode
	data, err := httpx.ReadBody(resp.Body, resp.ContentLength, httpx.MaxBody)
	if err != nil {
		return ans, true, 0, fmt.Errorf("reading Runn's %d answer: %w", resp.StatusCode, err)
	}
	now := c.clock.Now()
	ans = answer{url: target, status: resp.StatusCode, body: c.redact(data), fetchedAt: now, duration: now.Sub(start)}
	c.log.Debug("runn: request", "method", cl.method, "url", target, "status", resp.StatusCode,
		"bytes", len(data), "duration", ans.duration)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if d, ok := httpx.RetryAfter(resp.Header, now); ok {
			retryAfter = min(d, httpx.MaxRetryAfter)
		}
		apiErr := newAPIError(cl.method, target, resp.StatusCode, ans.body)
		if apiErr.redirect() {
			apiErr.Location = c.redactLocation(resp)
			c.log.Warn("runn: Runn answered a redirect, which is not followed", "method", cl.method, "url", target,
				"status", resp.StatusCode, "location", apiErr.Location)
		}
		return ans, true, retryAfter, apiErr
	}
	return ans, true, 0, nil
}

// callError is the error of a call that failed for good.
type callError struct {
	method, url string
	attempts    int
	unknown     bool
	err         error
	detail      string // err's text, token removed
}

func (e *callError) Error() string {
	msg := "runn: " + e.method + " " + e.url
	if e.attempts > 1 {
		msg += fmt.Sprintf(": failed after %d attempts", e.attempts)
	}
	if e.unknown {
		msg += ": outcome unknown, Runn may have applied the request: read Runn before sending it again"
	}
	return msg + ": " + e.detail
}

func (e *callError) Unwrap() []error {
	if e.unknown {
		return []error{ErrOutcomeUnknown, e.err}
	}
	return []error{e.err}
}

// errorDetail describes err without repeating the method and URL that callError already names.
func errorDetail(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.detail()
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err.Error()
	}
	return err.Error()
}
