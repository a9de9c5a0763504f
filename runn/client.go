package runn

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
)

const (
	// DefaultBaseURL is Runn's EU API, the default region.
	DefaultBaseURL = "https://api.runn.io"
	// USBaseURL is Runn's US API.
	USBaseURL = "https://api.us.runn.io"
	// DefaultUserAgent identifies harvest2runn to Runn.
	DefaultUserAgent = httpx.DefaultUserAgent
	// DefaultRateLimit requests per DefaultRateWindow is the limit a third-party note gives for Runn
	// (per key and IP); answers' x-ratelimit-* headers override it.
	DefaultRateLimit = 120
	// DefaultRateWindow is the window of DefaultRateLimit.
	DefaultRateWindow = time.Minute
	// DefaultMaxAttempts is how many times one call is tried in all.
	DefaultMaxAttempts = httpx.DefaultMaxAttempts
	// DefaultTimeout bounds one HTTP attempt when Config.HTTPClient is nil.
	DefaultTimeout = httpx.DefaultTimeout
	// apiVersion is the only value the spec allows for Accept-Version.
	apiVersion = "1.0.0"
)

// Clock is the time source of the client, the one both clients share. Tests inject
// internal/testkit's FakeClock, whose Sleep returns at once, so that rate limits, 429 pauses and
// backoff cost no real time.
type Clock = httpx.Clock

// Config configures New. Only Token is required.
type Config struct {
	// BaseURL defaults to DefaultBaseURL (EU); US accounts use USBaseURL.
	BaseURL string
	// Token is a Runn API token (Settings > API in Runn). It is sent only in the Authorization
	// header and never logged or put in errors.
	Token string
	// HTTPClient defaults to a client with a DefaultTimeout per attempt. New uses a copy of it
	// that follows no redirect, whatever its CheckRedirect says (see the package documentation).
	HTTPClient *http.Client
	// UserAgent defaults to DefaultUserAgent.
	UserAgent string
	// Logger defaults to discarding everything.
	Logger *slog.Logger
	// RateLimit requests per RateWindow are where pacing starts: the x-ratelimit-* headers of
	// Runn's answers replace both (see the package documentation).
	// Zero means DefaultRateLimit per DefaultRateWindow; negative turns proactive pacing off
	// (429 answers and x-ratelimit-remaining: 0 are still honoured).
	RateLimit  int
	RateWindow time.Duration
	// MaxAttempts bounds the attempts of one call (first try included); zero means DefaultMaxAttempts.
	MaxAttempts int
	// Clock defaults to the system clock.
	Clock Clock
}

// API is a Runn API v1 client. It is safe for concurrent use; all goroutines share one rate
// limit, and a 429 pauses all of them.
type API struct {
	base      *url.URL
	token     string
	http      *http.Client
	userAgent string
	log       *slog.Logger
	retry     httpx.Retry // attempts and backoff; tests fix its Rand
	clock     Clock
	limiter   *limiter
	stats     httpx.Counters
}

// Stats counts what the client has done since New: the request statistics both clients keep.
type Stats = httpx.Stats

// New checks cfg and returns a client. It does not contact Runn.
func New(cfg Config) (*API, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("runn: no API token: set RUNN_API_TOKEN to a Runn API token (Settings > API in Runn)")
	}
	if strings.ContainsAny(cfg.Token, " \t\r\n") {
		return nil, errors.New("runn: the API token contains white space: check RUNN_API_TOKEN")
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	// URLs are logged and kept in errors and pages; only bodies are redacted. (Real tokens are
	// long: a short test token could match a URL by chance.)
	if len(cfg.Token) >= 8 && strings.Contains(cfg.BaseURL, cfg.Token) {
		return nil, errors.New("runn: the base URL contains the API token: give the token in RUNN_API_TOKEN and the URL alone in RUNN_BASE_URL")
	}
	if cfg.MaxAttempts < 0 {
		return nil, fmt.Errorf("runn: MaxAttempts is %d: it must be at least 1 (0 means %d)", cfg.MaxAttempts, DefaultMaxAttempts)
	}
	if cfg.RateWindow < 0 {
		return nil, fmt.Errorf("runn: RateWindow is %s: it must be positive", cfg.RateWindow)
	}
	c := &API{
		base:      base,
		token:     cfg.Token,
		http:      cfg.HTTPClient,
		userAgent: cfg.UserAgent,
		log:       cfg.Logger,
		retry:     httpx.DefaultRetry(cfg.MaxAttempts),
		clock:     httpx.OrSystem(cfg.Clock),
	}
	if c.http == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// The default keeps 2 idle connections per host: with writes and listings in flight
		// side by side, every other request would open (and TLS-handshake) a new connection.
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = maxIdleConns, maxIdleConns
		c.http = &http.Client{Timeout: DefaultTimeout, Transport: tr}
	}
	c.http = withoutRedirects(c.http)
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	limit, window := cfg.RateLimit, cfg.RateWindow
	if limit == 0 {
		limit = DefaultRateLimit
	}
	if window == 0 {
		window = DefaultRateWindow
	}
	c.limiter = newLimiter(limit, window, c.clock, c.log)
	return c, nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("runn: base URL %q is not an http(s) URL: set --runn-base-url / RUNN_BASE_URL to %s (EU) or %s (US)",
			raw, DefaultBaseURL, USBaseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("runn: base URL %q must not carry credentials, a query or a fragment", u.Redacted())
	}
	// Over plain http the token, emails and cost rates cross the network in clear. A loopback
	// host never leaves the machine (a local proxy, the fakes), so it alone may use http.
	if u.Scheme == "http" && !httpx.Loopback(u.Hostname()) {
		return nil, fmt.Errorf("runn: base URL %q is plain http, which would send the API token in clear: set --runn-base-url / RUNN_BASE_URL to an https URL (EU %s, US %s); http is allowed only on loopback hosts (localhost, 127.0.0.0/8, ::1)",
			u.String(), DefaultBaseURL, USBaseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// withoutRedirects returns a copy of hc that follows no redirect. Following one is never right
// for this client: a POST answered with a 302 becomes a GET whose answer (another record) would
// be taken for the created record, and Go forwards the Authorization header to the same host on
// another port, https to http included. The 3xx answer itself comes back to the caller, which
// makes an error of it.
//
// CheckRedirect alone is not enough: http.Client parses the Location before it consults
// CheckRedirect, and one it cannot parse becomes a transport error (retried like a network fault,
// with the raw Location in its text). So the transport also moves a 3xx answer's Location out of
// the Client's sight, which leaves it nothing to follow.
func withoutRedirects(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if _, wrapped := cp.Transport.(hideLocation); !wrapped {
		cp.Transport = hideLocation{base: cp.Transport}
	}
	return &cp
}

// notFollowedLocation is where hideLocation keeps a 3xx answer's Location.
const notFollowedLocation = "X-Harvest2runn-Location-Not-Followed"

// hideLocation is an http.RoundTripper that renames the Location header of 3xx answers.
type hideLocation struct{ base http.RoundTripper }

func (h hideLocation) RoundTrip(req *http.Request) (*http.Response, error) {
	base := h.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resp.Header.Values("Location"); len(loc) > 0 {
			resp.Header.Del("Location")
			resp.Header[notFollowedLocation] = loc
		}
	}
	return resp, err
}

// maxIdleConns is how many connections to Runn are kept open between requests: as many as the
// load keeps in flight at most (a window of Runn's published limit, load.DefaultWorkers).
const maxIdleConns = 120

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the wrapped transport.
func (h hideLocation) CloseIdleConnections() {
	base := h.base
	if base == nil {
		base = http.DefaultTransport
	}
	if c, ok := base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Stats returns a snapshot of the client's counters.
func (c *API) Stats() Stats { return c.stats.Stats() }

// BaseURL returns the API root the client talks to, for messages and the audit trail.
func (c *API) BaseURL() string { return c.base.String() }
