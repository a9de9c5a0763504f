package runn

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestReadsSurviveFailures: a GET survives five consecutive 429/5xx answers; each carries
// retry-after: 9, which is waited (the backoff, at most 8 s here, is shorter).
func TestReadsSurviveFailures(t *testing.T) {
	const s9 = 9 * time.Second
	tests := []struct {
		name      string
		failures  []int
		wantStats Stats
	}{
		{"five 503s", []int{503, 503, 503, 503, 503}, Stats{Requests: 6, Retries: 5, ServerErrors: 5, Waited: 5 * s9}},
		{"five 429s", []int{429, 429, 429, 429, 429}, Stats{Requests: 6, Retries: 5, RateLimited: 5, Waited: 5 * s9}},
		{"5xx of every kind and 429s", []int{500, 429, 502, 429, 504}, Stats{Requests: 6, Retries: 5, ServerErrors: 3, RateLimited: 2, Waited: 5 * s9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n < len(tt.failures) {
					writeJSON(w, tt.failures[n], runnError(tt.failures[n], "try later"), "Retry-After", "9")
					return
				}
				writeJSON(w, 200, `{"values":[{"id":4,"name":"Dev"}],"nextCursor":null}`)
			})
			c := newTestAPI(t, rec.URL)
			var pages []Page
			err := c.ListPages(context.Background(), EndpointRoles, nil, func(p Page) error { pages = append(pages, p); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != 1 || pages[0].Attempts != len(tt.failures)+1 || pages[0].Count != 1 {
				t.Errorf("pages %+v, want one page taking %d attempts", pages, len(tt.failures)+1)
			}
			if diff := cmp.Diff([]time.Duration{s9, s9, s9, s9, s9}, c.clock.Sleeps()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStats, c.Stats()); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadsBackOffExponentially checks the backoff between 5xx answers without retry-after.
func TestReadsBackOffExponentially(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n < 5 {
			writeJSON(w, 503, runnError(503, "down"))
			return
		}
		writeJSON(w, 200, emptyPage)
	})
	c := newTestAPI(t, rec.URL)
	if _, err := c.ListRoles(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	if diff := cmp.Diff(want, c.clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	want5 := Stats{Requests: 6, Retries: 5, ServerErrors: 5, Waited: 15500 * time.Millisecond}
	if diff := cmp.Diff(want5, c.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestReadsGiveUpAfterMaxAttempts(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, runnError(503, "maintenance"))
	})
	c := newTestAPI(t, rec.URL)
	_, err := c.ListClients(context.Background())
	if err == nil {
		t.Fatal("ListClients succeeded against a server that always answers 503")
	}
	if n := len(rec.requests()); n != DefaultMaxAttempts {
		t.Errorf("%d requests, want %d", n, DefaultMaxAttempts)
	}
	for _, want := range []string{"GET", rec.URL + "/clients/?limit=200&sortBy=id", "8 attempts", "503", "maintenance"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 503 {
		t.Errorf("error %v does not hold the last *APIError", err)
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Error("a GET's error claims an unknown outcome")
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	tests := []struct {
		status int
		want   error
	}{
		{400, ErrBadRequest},
		{422, ErrBadRequest},
		{401, ErrUnauthorized},
		{404, ErrNotFound},
		{409, nil},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tt.status, runnError(tt.status, "no"))
			})
			c := newTestAPI(t, rec.URL)
			for _, send := range []func() error{
				func() error { _, err := c.ListPeople(context.Background()); return err },
				func() error {
					_, err := c.CreateActual(context.Background(), ActualInput{Date: "2025-07-01"})
					return err
				},
				func() error { _, err := c.CreatePerson(context.Background(), PersonInput{FirstName: "A"}); return err },
			} {
				err := send()
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Status != tt.status {
					t.Errorf("error = %v, want an *APIError with status %d", err, tt.status)
				}
				if tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.want)
				}
			}
			if n := len(rec.requests()); n != 3 {
				t.Errorf("%d requests for 3 calls, want no retries", n)
			}
		})
	}
}

// writeCall is one write method of the client, called with a valid input.
type writeCall struct {
	name       string
	repeatable bool
	answer     string
	send       func(ctx context.Context, c *API) error
}

func writeCalls() []writeCall {
	actual := ActualInput{Date: "2025-07-09", BillableMinutes: 375, PersonID: 880451, ProjectID: 402288, RoleID: 21877}
	return []writeCall{
		{"CreateRole", false, roleJSON, func(ctx context.Context, c *API) error {
			_, err := c.CreateRole(ctx, RoleInput{Name: "Senior Structural Engineer"})
			return err
		}},
		{"CreateClient", false, clientJSON, func(ctx context.Context, c *API) error {
			_, err := c.CreateClient(ctx, ClientInput{Name: "Halvorsen"})
			return err
		}},
		{"CreateProject", false, projectJSON, func(ctx context.Context, c *API) error {
			_, err := c.CreateProject(ctx, ProjectInput{Name: "Harbour", ClientID: 73015})
			return err
		}},
		{"CreatePerson", false, personFullJSON, func(ctx context.Context, c *API) error {
			_, err := c.CreatePerson(ctx, PersonInput{FirstName: "Ingrid", LastName: "Nakamura", RoleID: 21877})
			return err
		}},
		{"AddProjectTag", false, projectTagJSON, func(ctx context.Context, c *API) error {
			return c.AddProjectTag(ctx, 9031, 402288)
		}},
		{"CreateActual", true, actualJSON, func(ctx context.Context, c *API) error {
			_, err := c.CreateActual(ctx, actual)
			return err
		}},
		{"CreateActualsBulk", true, "[" + actualJSON + "]", func(ctx context.Context, c *API) error {
			_, err := c.CreateActualsBulk(ctx, []ActualInput{actual})
			return err
		}},
	}
}

// TestWriteRetryPolicy: creates are not resent once Runn may have acted on them; actuals
// upserts are.
func TestWriteRetryPolicy(t *testing.T) {
	failures := []struct {
		name string
		fail func(t *testing.T, w http.ResponseWriter)
		// safe is true when Runn surely did not act, so every write may be resent.
		safe bool
	}{
		{"503", func(t *testing.T, w http.ResponseWriter) { writeJSON(w, 503, runnError(503, "oops")) }, false},
		{"500", func(t *testing.T, w http.ResponseWriter) { writeJSON(w, 500, `internal error`) }, false},
		{"connection reset after the request", func(t *testing.T, w http.ResponseWriter) { resetConnection(t, w) }, false},
		{"429", func(t *testing.T, w http.ResponseWriter) {
			writeJSON(w, 429, runnError(429, "slow down"), "Retry-After", "3")
		}, true},
	}
	for _, f := range failures {
		for _, wc := range writeCalls() {
			t.Run(f.name+"/"+wc.name, func(t *testing.T) {
				rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
					if n == 0 {
						f.fail(t, w)
						return
					}
					writeJSON(w, 201, wc.answer)
				})
				c := newTestAPI(t, rec.URL)
				err := wc.send(context.Background(), c.API)
				reqs := rec.requests()
				if f.safe || wc.repeatable {
					if err != nil || len(reqs) != 2 {
						t.Fatalf("error = %v after %d requests, want success on the second", err, len(reqs))
					}
					if reqs[0].Body != reqs[1].Body {
						t.Errorf("the retry sent %s, the first attempt %s", reqs[1].Body, reqs[0].Body)
					}
					return
				}
				if !errors.Is(err, ErrOutcomeUnknown) {
					t.Fatalf("error = %v, want ErrOutcomeUnknown", err)
				}
				if !strings.Contains(err.Error(), "POST "+rec.URL) || !strings.Contains(err.Error(), "read Runn") {
					t.Errorf("error %q should name the call and say to read Runn", err)
				}
				if len(reqs) != 1 {
					t.Errorf("%d requests, want the create sent once", len(reqs))
				}
			})
		}
	}
}

// failingDialer fails the first n dials, then dials for real.
type failingDialer struct {
	n     int32
	dials atomic.Int32
}

func (d *failingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.dials.Add(1) <= d.n {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

// TestCreatesRetryDialErrors: a create that never reached Runn is resent, and sent once.
func TestCreatesRetryDialErrors(t *testing.T) {
	for _, tt := range []struct {
		name      string
		failDials int32
		wantErr   bool
	}{
		{"two failed dials", 2, false},
		{"every dial fails", 1000, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 201, personFullJSON) })
			dialer := &failingDialer{n: tt.failDials}
			c := newTestAPI(t, rec.URL, func(cfg *Config) {
				cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
			})
			p, err := c.CreatePerson(context.Background(), PersonInput{FirstName: "Ingrid", LastName: "Nakamura", RoleID: 21877})
			st := c.Stats()
			if tt.wantErr {
				if err == nil || errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "connection refused") {
					t.Fatalf("error = %v, want a dial error that is not ErrOutcomeUnknown", err)
				}
				if st.Requests != DefaultMaxAttempts || len(rec.requests()) != 0 {
					t.Errorf("%d attempts, %d requests received; want %d and 0", st.Requests, len(rec.requests()), DefaultMaxAttempts)
				}
				return
			}
			if err != nil || p.ID != 880451 {
				t.Fatalf("CreatePerson = %+v, %v", p, err)
			}
			if len(rec.requests()) != 1 || st.NetworkErrors != 2 || st.Retries != 2 {
				t.Errorf("%d requests received, stats %+v; want 1 request, 2 network errors, 2 retries", len(rec.requests()), st)
			}
		})
	}
}

// TestTimeouts: a timed-out GET or actuals write is resent; a timed-out create is not.
func TestTimeouts(t *testing.T) {
	for _, wc := range writeCalls()[3:6] { // CreatePerson, AddProjectTag, CreateActual
		t.Run(wc.name, func(t *testing.T) {
			rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					<-r.Context().Done() // hang until the client gives up
					return
				}
				writeJSON(w, 201, wc.answer)
			})
			c := newTestAPI(t, rec.URL, func(cfg *Config) { cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
			err := wc.send(context.Background(), c.API)
			if wc.repeatable {
				if err != nil || len(rec.requests()) != 2 {
					t.Fatalf("error = %v after %d requests, want success on the second", err, len(rec.requests()))
				}
				return
			}
			if !errors.Is(err, ErrOutcomeUnknown) || len(rec.requests()) != 1 {
				t.Fatalf("error = %v after %d requests, want ErrOutcomeUnknown after one", err, len(rec.requests()))
			}
		})
	}
}

// TestCreateWithUndecodableAnswer: Runn says 201 but the record cannot be read; the load must
// look it up, as for any unknown outcome.
func TestCreateWithUndecodableAnswer(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { writeJSON(w, 201, `{"id":"x"`) })
	c := newTestAPI(t, rec.URL)
	_, err := c.CreateClient(context.Background(), ClientInput{Name: "X"})
	if !errors.Is(err, ErrOutcomeUnknown) || len(rec.requests()) != 1 {
		t.Fatalf("error = %v after %d requests, want ErrOutcomeUnknown after one", err, len(rec.requests()))
	}
	_, err = c.CreateActual(context.Background(), ActualInput{Date: "2025-07-01"})
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("CreateActual error = %v, want a decoding error (an upsert's outcome is never unknown)", err)
	}
}
