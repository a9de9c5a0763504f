package runn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantErr  string // substring; "" means New succeeds
		wantBase string
	}{
		{name: "defaults", cfg: Config{Token: testToken}, wantBase: DefaultBaseURL},
		{name: "US region with trailing slash", cfg: Config{Token: testToken, BaseURL: USBaseURL + "/"}, wantBase: USBaseURL},
		{name: "prefix kept", cfg: Config{Token: testToken, BaseURL: "http://127.0.0.1:8080/runn/"}, wantBase: "http://127.0.0.1:8080/runn"},
		{name: "no token", cfg: Config{}, wantErr: "RUNN_API_TOKEN"},
		{name: "blank token", cfg: Config{Token: "  "}, wantErr: "RUNN_API_TOKEN"},
		{name: "token in the URL", cfg: Config{Token: testToken, BaseURL: "https://api.runn.io/" + testToken}, wantErr: "contains the API token"},
		{name: "token with a newline", cfg: Config{Token: testToken + "\n"}, wantErr: "RUNN_API_TOKEN"},
		{name: "no scheme", cfg: Config{Token: testToken, BaseURL: "api.runn.io"}, wantErr: "RUNN_BASE_URL"},
		{name: "wrong scheme", cfg: Config{Token: testToken, BaseURL: "ftp://api.runn.io"}, wantErr: "RUNN_BASE_URL"},
		{name: "credentials in URL", cfg: Config{Token: testToken, BaseURL: "https://me:pw@api.runn.io"}, wantErr: "credentials"},
		{name: "negative attempts", cfg: Config{Token: testToken, MaxAttempts: -1}, wantErr: "MaxAttempts"},
		{name: "negative window", cfg: Config{Token: testToken, RateWindow: -1}, wantErr: "RateWindow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() error = %v, want one mentioning %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "pw@") {
					t.Errorf("error %q shows a secret", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New() error = %v", err)
			}
			if got := c.BaseURL(); got != tt.wantBase {
				t.Errorf("BaseURL() = %q, want %q", got, tt.wantBase)
			}
			if c.retry.MaxAttempts != DefaultMaxAttempts || c.limiter.currentLimit() != DefaultRateLimit || c.limiter.window != DefaultRateWindow {
				t.Errorf("defaults: attempts %d, limit %d per %s", c.retry.MaxAttempts, c.limiter.currentLimit(), c.limiter.window)
			}
		})
	}
}

// TestRequestHeaders checks what every request carries, on a read and on a write, and that paths
// are kept under a base URL's prefix.
func TestRequestHeaders(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeJSON(w, 200, emptyPage)
			return
		}
		writeJSON(w, 201, `{"id":1,"name":"Engineer","isArchived":false,"defaultHourCost":0,"standardRate":0,"references":[],"personIds":[],"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}`)
	})
	c := newTestAPI(t, rec.URL+"/prefix", func(cfg *Config) { cfg.UserAgent = "h2r-test/1" })
	ctx := context.Background()
	if _, err := c.ListRoles(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRole(ctx, RoleInput{Name: "Engineer"}); err != nil {
		t.Fatal(err)
	}

	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	for i, want := range []struct{ method, path, contentType string }{
		{http.MethodGet, "/prefix/roles/", ""},
		{http.MethodPost, "/prefix/roles/", "application/json"},
	} {
		r := reqs[i]
		if r.Method != want.method || r.Path != want.path {
			t.Errorf("request %d: %s %s, want %s %s", i, r.Method, r.Path, want.method, want.path)
		}
		for name, value := range map[string]string{
			"Authorization":  "Bearer " + testToken,
			"Accept-Version": "1.0.0",
			"Accept":         "application/json",
			"User-Agent":     "h2r-test/1",
			"Content-Type":   want.contentType,
		} {
			if got := r.Header.Get(name); got != value {
				t.Errorf("request %d (%s): header %s = %q, want %q", i, r.Method, name, got, value)
			}
		}
	}
	if reqs[0].Body != "" {
		t.Errorf("GET sent a body: %q", reqs[0].Body)
	}
	if reqs[1].Body != `{"name":"Engineer"}` {
		t.Errorf("POST body = %s", reqs[1].Body)
	}
}

func TestEndpoints(t *testing.T) {
	tests := []struct {
		ep    Endpoint
		path  string
		limit int
		fixed string
	}{
		{EndpointClients, "/clients/", 200, "sortBy=id"},
		{EndpointProjects, "/projects/", 200, "includeArchived=true"},
		{EndpointPeople, "/people/", 200, ""},
		{EndpointRoles, "/roles/", 200, ""},
		{EndpointContracts, "/contracts/", 200, "sortBy=id"},
		{EndpointAssignments, "/assignments/", 500, ""},
		{EndpointActuals, "/actuals/", 500, ""},
		{EndpointProjectTags, "/project-tags/", 200, "includeArchived=true"},
		{Endpoint("teams"), "", 0, ""},
		{Endpoint(""), "", 0, ""},
	}
	for _, tt := range tests {
		if got := tt.ep.Path(); got != tt.path {
			t.Errorf("%q.Path() = %q, want %q", tt.ep, got, tt.path)
		}
		if got := tt.ep.MaxLimit(); got != tt.limit {
			t.Errorf("%q.MaxLimit() = %d, want %d", tt.ep, got, tt.limit)
		}
		if got := tt.ep.FixedQuery().Encode(); got != tt.fixed {
			t.Errorf("%q.FixedQuery() = %q, want %q", tt.ep, got, tt.fixed)
		}
	}
	if got := len(Endpoints()); got != 8 {
		t.Errorf("Endpoints() has %d endpoints, want 8", got)
	}
	for _, ep := range Endpoints() {
		if ep.check() != nil {
			t.Errorf("Endpoints() lists %q, which check() refuses", ep)
		}
	}
}

func TestPing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		want   error
	}{
		{"ok", 200, nil},
		{"bad token", 401, ErrUnauthorized},
		{"wrong region", 404, ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/me/" {
					t.Errorf("path %s, want /me/", r.URL.Path)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(`{"name":"x","error":"e","message":"m","statusCode":` + strconv.Itoa(tc.status) + `}`))
			}))
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL, Token: "t"})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Ping(context.Background()); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("Ping() = %v, want %v", err, tc.want)
			}
		})
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := New(Config{BaseURL: url, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Ping() against a closed port = %v, want ErrUnreachable", err)
	}
}
