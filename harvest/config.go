package harvest

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

// Defaults. Harvest allows 100 requests per 15 s on the general API and asks for a User-Agent
// that names the application and a way to contact its authors.
const (
	DefaultBaseURL     = "https://api.harvestapp.com"
	DefaultUserAgent   = httpx.DefaultUserAgent
	DefaultRateLimit   = 100
	DefaultRateWindow  = 15 * time.Second
	DefaultConcurrency = 8
	DefaultMaxAttempts = httpx.DefaultMaxAttempts
	DefaultTimeout     = httpx.DefaultTimeout
)

// Config configures an APIClient. Only AccessToken and AccountID are required.
type Config struct {
	// BaseURL is the API origin (optionally with a path prefix); requests go to
	// BaseURL + "/v2/<resource>". Default DefaultBaseURL.
	BaseURL string
	// AccessToken is a Harvest personal access token or OAuth2 access token.
	AccessToken string
	// AccountID selects the Harvest account the token acts on.
	AccountID string
	// UserAgent must name the application and a contact. Default DefaultUserAgent.
	UserAgent string
	// HTTPClient sends the requests. Default: a client with a DefaultTimeout per request.
	// The client is copied, and the copy refuses redirects so that the token cannot follow one.
	HTTPClient *http.Client
	// RateLimit requests may start in any RateWindow. Default 100 per 15 s.
	RateLimit  int
	RateWindow time.Duration
	// Concurrency is the number of pages in flight for page-numbered listings. Default 8.
	Concurrency int
	// MaxAttempts is how often one page is tried before giving up. Default 8.
	MaxAttempts int
	// Logger gets a debug line per request and a warning per retry. Default: discard.
	Logger *slog.Logger
	// Clock provides time for waits. Default: the system clock.
	Clock Clock
}

// settings is a validated Config with defaults applied.
type settings struct {
	base                  *url.URL
	token, account, ua    string
	httpClient            *http.Client
	limit                 int
	window                time.Duration
	concurrency, maxTries int
	log                   *slog.Logger
	clock                 Clock
}

func (cfg Config) settings() (settings, error) {
	s := settings{
		token:       strings.TrimSpace(cfg.AccessToken),
		account:     strings.TrimSpace(cfg.AccountID),
		ua:          strings.TrimSpace(cfg.UserAgent),
		limit:       orDefault(cfg.RateLimit, DefaultRateLimit),
		window:      cfg.RateWindow,
		concurrency: orDefault(cfg.Concurrency, DefaultConcurrency),
		maxTries:    orDefault(cfg.MaxAttempts, DefaultMaxAttempts),
		log:         cfg.Logger,
		clock:       cfg.Clock,
	}
	var errs []error
	switch {
	case s.token == "":
		errs = append(errs, errors.New("harvest: no access token: set HARVEST_ACCESS_TOKEN to a Harvest personal access token (Harvest ID > Developers)"))
	case !headerSafe(s.token):
		errs = append(errs, errors.New("harvest: the access token in HARVEST_ACCESS_TOKEN contains spaces or control characters; copy it again"))
	}
	switch {
	case s.account == "":
		errs = append(errs, errors.New("harvest: no account id: set HARVEST_ACCOUNT_ID to the Harvest account id shown next to the token"))
	case !headerSafe(s.account):
		errs = append(errs, fmt.Errorf("harvest: HARVEST_ACCOUNT_ID %q contains spaces or control characters", s.account))
	}
	if s.ua == "" {
		s.ua = DefaultUserAgent
	} else if !headerSafe(strings.ReplaceAll(s.ua, " ", "")) {
		errs = append(errs, fmt.Errorf("harvest: user agent %q contains control characters", s.ua))
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		errs = append(errs, err)
	}
	s.base = base
	if cfg.RateLimit < 0 || cfg.RateWindow < 0 || cfg.Concurrency < 0 || cfg.MaxAttempts < 0 {
		errs = append(errs, errors.New("harvest: rate limit, rate window, concurrency and max attempts must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return settings{}, err
	}
	if s.window == 0 {
		s.window = DefaultRateWindow
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.clock = httpx.OrSystem(s.clock)
	s.httpClient = noRedirects(cfg.HTTPClient, s.concurrency)
	return s, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("harvest: base URL (--harvest-base-url) %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return nil, fmt.Errorf("harvest: base URL (--harvest-base-url) %q must be an absolute http(s) URL such as %s", raw, DefaultBaseURL)
	case u.User != nil:
		return nil, errors.New("harvest: base URL (--harvest-base-url) must not carry credentials; set HARVEST_ACCESS_TOKEN instead")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("harvest: base URL (--harvest-base-url) %q must not have a query or fragment", raw)
	case u.Scheme == "http" && !httpx.Loopback(u.Hostname()):
		// The token would cross the network in clear; only a server on this machine (a test
		// fake, a local proxy) may be reached without TLS.
		return nil, fmt.Errorf("harvest: base URL (--harvest-base-url / HARVEST_BASE_URL) %q uses plain http, which would send the access token in clear: use https (plain http is accepted only on localhost, 127.0.0.0/8 and ::1)", raw)
	}
	return u, nil
}

// headerSafe reports whether s can be sent as a header value unchanged.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// noRedirects returns a copy of c (or a default client) that never follows a redirect: the
// API does not redirect, and following one could carry the Authorization header elsewhere.
func noRedirects(c *http.Client, concurrency int) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// The default keeps 2 idle connections per host, which would make the concurrent page
		// fetches open (and TLS-handshake) new connections over and over.
		tr.MaxIdleConnsPerHost = max(concurrency, 2)
		out = http.Client{Transport: tr, Timeout: DefaultTimeout}
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}
