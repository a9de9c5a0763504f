package harvest

import (
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
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
	retry       httpx.Retry // attempts and backoff; tests fix its Rand
	log         *slog.Logger
	clock       Clock
	redact      redactor
	stats       httpx.Counters
	pages       atomic.Int64 // pages handed to the callers
	bytes       atomic.Int64 // body bytes of those pages
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
		retry:       httpx.DefaultRetry(s.maxTries),
		log:         s.log,
		clock:       s.clock,
		redact:      redactor{token: s.token},
	}, nil
}

// Stats are totals since New: the request statistics both clients keep (httpx.Stats), and the
// pages and bytes handed to List's callers.
type Stats struct {
	httpx.Stats
	Pages int64 // pages handed to the callers
	Bytes int64 // body bytes of those pages
}

// Stats returns the totals since New. It is safe to call while listings run.
func (c *APIClient) Stats() Stats {
	return Stats{Stats: c.stats.Stats(), Pages: c.pages.Load(), Bytes: c.bytes.Load()}
}
