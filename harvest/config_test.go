package harvest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string
	}{
		{"nothing", Config{}, []string{"HARVEST_ACCESS_TOKEN", "HARVEST_ACCOUNT_ID"}},
		{"no token", Config{AccountID: "1"}, []string{"HARVEST_ACCESS_TOKEN"}},
		{"blank account", Config{AccessToken: testToken, AccountID: "  "}, []string{"HARVEST_ACCOUNT_ID"}},
		{"token with a space", Config{AccessToken: "abc def", AccountID: "1"}, []string{"HARVEST_ACCESS_TOKEN", "spaces"}},
		{"account with a newline", Config{AccessToken: testToken, AccountID: "1\n2"}, []string{"HARVEST_ACCOUNT_ID"}},
		{"relative base URL", Config{AccessToken: testToken, AccountID: "1", BaseURL: "api.harvestapp.com"}, []string{"--harvest-base-url", "absolute"}},
		{"ftp base URL", Config{AccessToken: testToken, AccountID: "1", BaseURL: "ftp://api.harvestapp.com"}, []string{"--harvest-base-url"}},
		{"base URL with credentials", Config{AccessToken: testToken, AccountID: "1", BaseURL: "https://u:p@api.harvestapp.com"}, []string{"credentials"}},
		{"base URL with a query", Config{AccessToken: testToken, AccountID: "1", BaseURL: "https://api.harvestapp.com?x=1"}, []string{"query"}},
		{"plain http", Config{AccessToken: testToken, AccountID: "1", BaseURL: "http://example.com"}, []string{"plain http", "use https", "HARVEST_BASE_URL"}},
		{"plain http on a LAN address", Config{AccessToken: testToken, AccountID: "1", BaseURL: "http://10.0.0.5:8080"}, []string{"use https"}},
		{"plain http on a name that starts like localhost", Config{AccessToken: testToken, AccountID: "1", BaseURL: "http://localhost.example.com"}, []string{"use https"}},
		{"negative", Config{AccessToken: testToken, AccountID: "1", Concurrency: -1}, []string{"negative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cfg)
			if err == nil {
				t.Fatalf("New succeeded: %+v", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "abc def") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{AccessToken: " " + testToken + "\n", AccountID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	if c.base.String() != DefaultBaseURL || c.userAgent != DefaultUserAgent || c.token != testToken ||
		c.limiter.limit != 100 || c.window != 15*time.Second || c.concurrency != 8 || c.retry.MaxAttempts != 8 {
		t.Errorf("defaults not applied: base %s ua %q limit %d window %v concurrency %d attempts %d",
			c.base, c.userAgent, c.limiter.limit, c.window, c.concurrency, c.retry.MaxAttempts)
	}
	if c.http.Timeout != DefaultTimeout || c.http.CheckRedirect == nil {
		t.Errorf("default HTTP client: timeout %v, redirect check set %v", c.http.Timeout, c.http.CheckRedirect != nil)
	}
}

func TestNewCopiesTheHTTPClient(t *testing.T) {
	mine := &http.Client{Timeout: time.Second}
	c, err := New(Config{AccessToken: testToken, AccountID: "42", HTTPClient: mine, BaseURL: "http://127.0.0.1:8080/harvest/"})
	if err != nil {
		t.Fatal(err)
	}
	if mine.CheckRedirect != nil || c.http == mine || c.http.Timeout != time.Second {
		t.Error("the caller's HTTP client was changed or not used")
	}
	if got := c.base.JoinPath("v2", "users").String(); got != "http://127.0.0.1:8080/harvest/v2/users" {
		t.Errorf("requests go to %s", got)
	}
}

func TestTimeEntryWindow(t *testing.T) {
	if q := TimeEntryWindow("2025-01-01", "2025-01-31").Encode(); q != "from=2025-01-01&to=2025-01-31" {
		t.Errorf("got %s", q)
	}
	if q := TimeEntryWindow("", "2025-01-31").Encode(); q != "to=2025-01-31" {
		t.Errorf("got %s", q)
	}
}

// Plain http is accepted only where the token cannot leave the machine (issue 9).
func TestNewAcceptsPlainHTTPOnLoopback(t *testing.T) {
	for _, base := range []string{"http://localhost:8080", "http://LOCALHOST", "http://127.0.0.1:1234", "http://127.9.8.7", "http://[::1]:80/prefix", "https://example.com"} {
		if _, err := New(Config{AccessToken: testToken, AccountID: "1", BaseURL: base}); err != nil {
			t.Errorf("New(%s) = %v", base, err)
		}
	}
}
