package runn

// Issue 9 / R17: a misbehaving answer must never become wrong data in Runn, and the token must
// never leave for anywhere but the base URL.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestNewRefusesPlainHTTPExceptOnLoopback(t *testing.T) {
	tests := []struct {
		base string
		ok   bool
	}{
		{"https://api.runn.io", true},
		{"http://localhost:8080", true},
		{"http://LocalHost", true},
		{"http://127.0.0.1:9999/runn", true},
		{"http://127.200.3.4", true},
		{"http://[::1]:8080", true},
		{"http://runn.example.com", false},
		{"http://api.runn.io", false},
		{"http://10.0.0.7:8080", false},
		{"http://0.0.0.0:8080", false},
		{"http://[::]:8080", false},
		{"http://localhost.example.com", false},
		{"http://127.0.0.1.nip.io", false},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			_, err := New(Config{Token: testToken, BaseURL: tt.base})
			if tt.ok {
				if err != nil {
					t.Fatalf("New(%s) = %v, want it accepted", tt.base, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New(%s) accepted a plain-http base URL off loopback (R17: the token would travel in clear)", tt.base)
			}
			msg := err.Error()
			if !strings.Contains(msg, "https") || !strings.Contains(msg, "RUNN_BASE_URL") || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line saying to use https in RUNN_BASE_URL", msg)
			}
		})
	}
}

// spy is a listener on another port that counts the requests reaching it and the tokens they
// carry: a redirect's target must never see either.
type spy struct {
	*httptest.Server
	requests, tokens atomic.Int64
}

func newSpy(t *testing.T) *spy {
	t.Helper()
	s := &spy{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), testToken) {
			s.tokens.Add(1)
		}
		writeJSON(w, 200, clientJSON)
	}))
	t.Cleanup(s.Close)
	return s
}

// TestRedirectsAreNeverFollowed: whatever http.Client the caller injects, a 3xx answer is an
// error naming the status and the target, never followed; a read fails without a retry, and a
// write's outcome is unknown (Runn is read before anything is resent).
func TestRedirectsAreNeverFollowed(t *testing.T) {
	calls := []struct {
		name  string
		write bool
		send  func(ctx context.Context, c *API) error
	}{
		{"ListClients", false, func(ctx context.Context, c *API) error { _, err := c.ListClients(ctx); return err }},
		{"Me", false, func(ctx context.Context, c *API) error { _, err := c.Me(ctx); return err }},
		{"Ping", false, func(ctx context.Context, c *API) error { return c.Ping(ctx) }},
		{"CreateClient", true, func(ctx context.Context, c *API) error {
			_, err := c.CreateClient(ctx, ClientInput{Name: "Halvorsen Marine AS", References: harvestRef("11873302")})
			return err
		}},
		{"CreateRole", true, func(ctx context.Context, c *API) error {
			_, err := c.CreateRole(ctx, RoleInput{Name: "Senior Structural Engineer"})
			return err
		}},
		{"AddProjectTag", true, func(ctx context.Context, c *API) error { return c.AddProjectTag(ctx, 9031, 402288) }},
		{"CreateActual (an upsert)", true, func(ctx context.Context, c *API) error {
			_, err := c.CreateActual(ctx, ActualInput{Date: "2025-07-09", BillableMinutes: 60, PersonID: 1, ProjectID: 2, RoleID: 3})
			return err
		}},
	}
	injected := map[string]func() *http.Client{
		"default client": func() *http.Client { return nil },
		"injected client that follows": func() *http.Client {
			return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
		},
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for clientName, hc := range injected {
			for _, cl := range calls {
				t.Run(http.StatusText(status)+"/"+clientName+"/"+cl.name, func(t *testing.T) {
					target := newSpy(t)
					rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
						if n == 0 {
							w.Header().Set("Location", target.URL+"/clients/73015")
							w.WriteHeader(status)
							return
						}
						writeJSON(w, 200, clientJSON)
					})
					injectedClient := hc()
					c := newTestAPI(t, rec.URL, func(cfg *Config) { cfg.HTTPClient = injectedClient })
					err := cl.send(context.Background(), c.API)

					if n := len(rec.requests()); n != 1 {
						t.Errorf("%d requests to Runn, want 1: a redirect is neither followed to the same host nor retried", n)
					}
					if n, tok := target.requests.Load(), target.tokens.Load(); n != 0 || tok != 0 {
						t.Errorf("the redirect's target got %d requests, %d with the token: redirects must not be followed", n, tok)
					}
					if !errors.Is(err, ErrRedirected) {
						t.Fatalf("error = %v, want ErrRedirected", err)
					}
					if errors.Is(err, ErrOutcomeUnknown) != cl.write {
						t.Errorf("errors.Is(err, ErrOutcomeUnknown) = %v for a write=%v: a redirected write's outcome is unknown, a read's is not",
							!cl.write, cl.write)
					}
					var apiErr *APIError
					if !errors.As(err, &apiErr) || apiErr.Status != status {
						t.Errorf("error %v: want an *APIError with status %d", err, status)
					}
					msg := err.Error()
					for _, want := range []string{http.StatusText(status), target.URL + "/clients/73015", "follows no redirects", "RUNN_BASE_URL"} {
						if !strings.Contains(msg, want) {
							t.Errorf("error %q lacks %q", msg, want)
						}
					}
					if injectedClient != nil && injectedClient.CheckRedirect == nil {
						t.Error("New changed the caller's http.Client")
					}
				})
			}
		}
	}
}

// TestRedirectLocationIsRedacted: the target named in the error carries no credentials, query
// values or token, and a relative target is shown resolved.
func TestRedirectLocationIsRedacted(t *testing.T) {
	tests := []struct {
		location string
		want     string // with {base} for the server's URL
		never    []string
	}{
		{"https://me:hunter2@evil.example/x/" + testToken + "?api_key=s3cret&page=2#frag",
			"https://evil.example/x/[REDACTED]?api_key=[REDACTED]&page=[REDACTED]", []string{"hunter2", "s3cret", "frag", "me:"}},
		{"/clients/73015", "{base}/clients/73015", nil},
		{"", "with no Location", nil},
		{"http://[::1", "not a URL", []string{"[::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.location, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if tt.location != "" {
					w.Header().Set("Location", tt.location)
				}
				w.WriteHeader(http.StatusFound)
			})
			c := newTestAPI(t, rec.URL)
			_, err := c.ListRoles(context.Background())
			if err == nil {
				t.Fatal("a redirect was taken for an answer")
			}
			msg := err.Error()
			if want := strings.ReplaceAll(tt.want, "{base}", rec.URL); !strings.Contains(msg, want) {
				t.Errorf("error %q lacks %q", msg, want)
			}
			for _, secret := range append(tt.never, testToken) {
				if strings.Contains(msg, secret) || strings.Contains(c.logs.String(), secret) {
					t.Errorf("error or logs show %q: %s\n%s", secret, msg, c.logs.String())
				}
			}
		})
	}
}

// TestCreateAnswerMustShowTheRecordSent: a create's 2xx answer is trusted only when it carries
// an id and the Harvest reference sent (R1); otherwise the outcome is unknown and nothing is
// resent, so the caller reads Runn rather than recording no id or another record's.
func TestCreateAnswerMustShowTheRecordSent(t *testing.T) {
	type send func(ctx context.Context, c *API) (int64, error)
	client := func(ctx context.Context, c *API) (int64, error) {
		r, err := c.CreateClient(ctx, ClientInput{Name: "Halvorsen Marine AS", References: harvestRef("11873302")})
		return r.ID, err
	}
	project := func(ctx context.Context, c *API) (int64, error) {
		r, err := c.CreateProject(ctx, ProjectInput{Name: "Harbour", ClientID: 73015, References: harvestRef("40119877")})
		return r.ID, err
	}
	person := func(ctx context.Context, c *API) (int64, error) {
		r, err := c.CreatePerson(ctx, PersonInput{FirstName: "Ingrid", LastName: "Nakamura", RoleID: 21877, References: harvestRef("4410982")})
		return r.ID, err
	}
	role := func(ctx context.Context, c *API) (int64, error) {
		r, err := c.CreateRole(ctx, RoleInput{Name: "Senior Structural Engineer", References: harvestRef("5512")})
		return r.ID, err
	}
	roleNoRef := func(name string) send {
		return func(ctx context.Context, c *API) (int64, error) {
			r, err := c.CreateRole(ctx, RoleInput{Name: name})
			return r.ID, err
		}
	}
	clientNoRef := func(ctx context.Context, c *API) (int64, error) {
		r, err := c.CreateClient(ctx, ClientInput{Name: "Halvorsen Marine AS"})
		return r.ID, err
	}
	tests := []struct {
		name   string
		send   send
		status int
		answer string
		wantID int64  // when trusted
		reason string // when not: the error's Reason
	}{
		{"client as sent", client, 201, clientJSON, 73015, ""},
		{"client, reference name in other case", client, 201,
			strings.Replace(clientJSON, `"referenceName":"Harvest"`, `"referenceName":"HARVEST"`, 1), 73015, ""},
		{"client, empty object", client, 201, `{}`, 0, "with no id"},
		{"client, null", client, 201, `null`, 0, "with no id"},
		{"client, another client", client, 201, strings.Replace(clientJSON, "11873302", "123", 1), 0,
			"with client 73015, which does not carry the Harvest reference 11873302 that was sent"},
		{"client, no references", client, 201, strings.Replace(clientJSON, `{"referenceName":"Harvest","externalId":"11873302"}`, ``, 1), 0,
			"with client 73015, which does not carry the Harvest reference 11873302 that was sent"},
		{"client, same id under another name", client, 201, strings.Replace(clientJSON, `"referenceName":"Harvest"`, `"referenceName":"Clockify"`, 1), 0,
			"with client 73015, which does not carry the Harvest reference 11873302 that was sent"},
		{"client, negative id", client, 201, strings.Replace(clientJSON, `"id":73015`, `"id":-1`, 1), 0, "with the id -1, which no record has"},
		{"client without reference, any id", clientNoRef, 201, strings.Replace(clientJSON, "11873302", "123", 1), 73015, ""},
		{"client without reference, no id", clientNoRef, 201, `{"name":"Halvorsen Marine AS"}`, 0, "with no id"},
		{"project as sent", project, 201, projectJSON, 402288, ""},
		{"project, empty object", project, 201, `{}`, 0, "with no id"},
		{"project, another project", project, 201, strings.Replace(projectJSON, "40119877", "40119878", 1), 0,
			"with project 402288, which does not carry the Harvest reference 40119877 that was sent"},
		{"person as sent", person, 201, personFullJSON, 880451, ""},
		{"person, empty object", person, 200, `{}`, 0, "with no id"},
		{"person, another person", person, 201, strings.Replace(personFullJSON, "4410982", "1", 1), 0,
			"with person 880451, which does not carry the Harvest reference 4410982 that was sent"},
		{"role as sent", role, 201, roleJSON, 21877, ""},
		{"role, empty object", role, 201, `{}`, 0, "with no id"},
		{"role, another role", role, 201, strings.Replace(roleJSON, "5512", "5513", 1), 0,
			"with role 21877, which does not carry the Harvest reference 5512 that was sent"},
		{"role without reference, same name normalised", roleNoRef("  senior   structural\u00a0ENGINEER "), 201, roleJSON, 21877, ""},
		{"role without reference, another name", roleNoRef("Engineer"), 201, roleJSON, 0,
			`with role 21877 named "Senior Structural Engineer", not the "Engineer" that was sent`},
		{"role without reference, no name", roleNoRef("Engineer"), 201, strings.Replace(roleJSON, `"name":"Senior Structural Engineer"`, `"name":null`, 1), 0,
			`with role 21877, which has no name where "Engineer" was sent`},
		{"role without reference, no id", roleNoRef("Engineer"), 201, `{"name":"Engineer"}`, 0, "with no id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.answer) })
			c := newTestAPI(t, rec.URL)
			id, err := tt.send(context.Background(), c.API)
			if n := len(rec.requests()); n != 1 {
				t.Errorf("%d requests, want 1: a create is never resent by the client", n)
			}
			if tt.reason == "" {
				if err != nil || id != tt.wantID {
					t.Fatalf("got id %d, error %v; want id %d", id, err, tt.wantID)
				}
				return
			}
			if id != 0 {
				t.Errorf("an untrusted answer gave id %d, want 0", id)
			}
			if !errors.Is(err, ErrOutcomeUnknown) {
				t.Fatalf("error = %v, want ErrOutcomeUnknown (R1: the create may have landed, read Runn)", err)
			}
			var ue *UnconfirmedCreateError
			if !errors.As(err, &ue) || ue.Reason != tt.reason || ue.Status != tt.status || !strings.HasPrefix(ue.URL, rec.URL) {
				t.Fatalf("error %#v, want an *UnconfirmedCreateError with reason %q", err, tt.reason)
			}
			if want := "Runn answered " + strconv.Itoa(tt.status) + " " + tt.reason; !strings.Contains(err.Error(), want) ||
				!strings.Contains(err.Error(), "read Runn before sending it again") {
				t.Errorf("error %q lacks %q and what to do", err, want)
			}
		})
	}
}
