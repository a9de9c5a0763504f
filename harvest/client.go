package harvest

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// APIClient reads Harvest API v2 listings. It is safe for concurrent use; all its requests share
// one rate limiter.
type APIClient struct {
	base        *url.URL
	token       string
	account     string
	userAgent   string
	http        *http.Client
	limiter     *windowLimiter
	window      time.Duration
	concurrency int
	maxAttempts int
	log         *slog.Logger
	clock       Clock
	redact      redactor
	jitter      func(ceiling time.Duration) time.Duration // a wait in [0, ceiling]; fixed in tests
	stats       counters
}

// New checks cfg and returns an APIClient. The error names the setting to fix.
func New(cfg Config) (*APIClient, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	return &APIClient{
		base:        s.base,
		token:       s.token,
		account:     s.account,
		userAgent:   s.ua,
		http:        s.httpClient,
		limiter:     newWindowLimiter(s.limit, s.window, s.clock),
		window:      s.window,
		concurrency: s.concurrency,
		maxAttempts: s.maxTries,
		log:         s.log,
		clock:       s.clock,
		redact:      redactor{token: s.token},
		jitter:      fullJitter,
	}, nil
}

func fullJitter(ceiling time.Duration) time.Duration { return rand.N(ceiling + 1) }

// Stats are totals since New.
type Stats struct {
	Requests      int64         // HTTP requests sent, retries included
	Retries       int64         // attempts after the first, per page
	RateLimited   int64         // 429 answers
	ServerErrors  int64         // 5xx answers
	NetworkErrors int64         // failures to connect, timeouts, broken or truncated bodies
	Pages         int64         // pages handed to the callers
	Bytes         int64         // body bytes of those pages
	Waited        time.Duration // time requests spent waiting (rate limit, pauses, backoff), summed over goroutines
}

type counters struct {
	requests, retries, rateLimited, serverErrors, networkErrors, pages, bytes, waited atomic.Int64
}

// Stats returns the totals since New. It is safe to call while listings run.
func (c *APIClient) Stats() Stats {
	return Stats{
		Requests:      c.stats.requests.Load(),
		Retries:       c.stats.retries.Load(),
		RateLimited:   c.stats.rateLimited.Load(),
		ServerErrors:  c.stats.serverErrors.Load(),
		NetworkErrors: c.stats.networkErrors.Load(),
		Pages:         c.stats.pages.Load(),
		Bytes:         c.stats.bytes.Load(),
		Waited:        time.Duration(c.stats.waited.Load()),
	}
}
