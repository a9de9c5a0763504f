package runn_test

// End-to-end tests of rate limits against the fake Runn: 429s, x-ratelimit-* headers.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// ---- Rate limits ----

// fakeLimit is the fake's rate limit in the rate-limit tests: 3 a minute, so one request
// every 20 s once the burst is spent, and that is the retry-after of a 429.
const (
	fakeLimit      = 3
	fakeRetryAfter = 20 * time.Second
)

// drain spends the fake's whole burst from another client with the same token, as another
// harvest2runn run (or any other integration) sharing the key would.
func (e *e2e) drain(t *testing.T) {
	t.Helper()
	other := e.newClient(t, runn.Config{MaxAttempts: 1})
	for range fakeLimit {
		if _, err := other.Me(t.Context()); err != nil {
			t.Fatalf("draining the rate limit: %v", err)
		}
	}
}

// refill lets the fake's bucket fill up again and any pause the last client was told to
// keep run out, so that subtests sharing a fake start alike.
func (e *e2e) refill() {
	e.clock.Advance(10 * time.Minute)
}

// TestE2E429IsWaitedOutAndRetried: a client that has not yet seen any x-ratelimit header
// meets a limit another client spent. The fake answers 429 with retry-after; the client
// pauses at least that long (on the shared clock, which is what refills the fake's bucket)
// and the retry succeeds. A create is retried too: Runn refused it, so it cannot have been
// applied, and it ends up applied exactly once.
func TestE2E429IsWaitedOutAndRetried(t *testing.T) {
	tests := []struct {
		name  string
		call  func(ctx context.Context, api *runn.API) error
		check func(t *testing.T, st *runntest.State)
	}{
		{"read", func(ctx context.Context, api *runn.API) error {
			roles, err := api.ListRoles(ctx)
			if err == nil && len(roles) != 1 {
				err = fmt.Errorf("%d roles, want 1", len(roles))
			}
			return err
		}, nil},
		{"create person", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: roleID, References: harvestRef("4410999")})
			return err
		}, func(t *testing.T, st *runntest.State) {
			if n := countPeopleWithRef(st, "4410999"); n != 1 {
				t.Errorf("%d people created, want 1", n)
			}
		}},
		{"bulk actuals", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateActualsBulk(ctx, []runn.ActualInput{actualIn("2025-07-08", personID, projectID, roleID, 60, 0)})
			return err
		}, func(t *testing.T, st *runntest.State) {
			if n := len(st.Actuals); n != 2 {
				t.Errorf("%d actuals, want 2", n)
			}
		}},
	}
	env := startE2E(t, smallSeed(), runntest.Options{RateLimit: fakeLimit}, runn.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.refill()
			env.drain(t)
			api := env.newClient(t, runn.Config{RateLimit: 100})
			reqs := env.during(func() {
				if err := tt.call(t.Context(), api); err != nil {
					t.Fatalf("after a 429: %v, want success", err)
				}
			})
			if got := statusesOf(reqs); len(got) != 2 || got[0] != http.StatusTooManyRequests || got[1]/100 != 2 {
				t.Fatalf("statuses %v, want 429 then success", got)
			}
			if gap := reqs[1].Time.Sub(reqs[0].Time); gap < fakeRetryAfter {
				t.Errorf("retried %v after the 429, want at least retry-after %v", gap, fakeRetryAfter)
			}
			s := api.Stats()
			if s.RateLimited != 1 || s.Retries != 1 || s.Requests != 2 || s.Waited < fakeRetryAfter {
				t.Errorf("stats %+v, want 1 rate limited, 1 retry, 2 requests, waited at least %v", s, fakeRetryAfter)
			}
			if tt.check != nil {
				tt.check(t, env.srv.State())
			}
		})
	}
	checkNoSecret(t, "the client's logs", env.logs.String())
}

// TestE2E429OnEveryAttempt: the fake's clock stands still, so its bucket never refills and
// every attempt is refused. The client gives up after MaxAttempts with ErrRateLimited, and a
// create is reported as not applied (not ErrOutcomeUnknown): Runn refused it each time.
func TestE2E429OnEveryAttempt(t *testing.T) {
	tests := []struct {
		name string
		call func(ctx context.Context, api *runn.API) error
	}{
		{"read", func(ctx context.Context, api *runn.API) error { _, err := api.ListRoles(ctx); return err }},
		{"create role", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateRole(ctx, runn.RoleInput{Name: "Drafter"})
			return err
		}},
	}
	frozen := func() time.Time { return e2eStart }
	env := startE2E(t, smallSeed(), runntest.Options{RateLimit: fakeLimit, Now: frozen}, runn.Config{})
	env.drain(t)
	before := env.srv.State()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, runn.Config{MaxAttempts: 3})
			var err error
			reqs := env.during(func() { err = tt.call(t.Context(), api) })
			if !errors.Is(err, runn.ErrRateLimited) || errors.Is(err, runn.ErrOutcomeUnknown) {
				t.Fatalf("error %v, want ErrRateLimited and not ErrOutcomeUnknown", err)
			}
			if !strings.Contains(err.Error(), "failed after 3 attempts") {
				t.Errorf("error %q does not say how many attempts were made", err)
			}
			checkNoSecret(t, "the error", err.Error())
			if got := statusesOf(reqs); !slices.Equal(got, []int{429, 429, 429}) {
				t.Errorf("statuses %v, want three 429s", got)
			}
			if s := api.Stats(); s.RateLimited != 3 || s.Retries != 2 {
				t.Errorf("stats %+v, want 3 rate limited, 2 retries", s)
			}
		})
	}
	if diff := cmp.Diff(before, env.srv.State()); diff != "" {
		t.Errorf("state changed:\n%s", diff)
	}
}

// TestE2EFollowsRateLimitHeaders: a single client reading many pages learns the fake's limit
// from x-ratelimit-* and waits for x-ratelimit-reset whenever x-ratelimit-remaining reaches
// 0, so it never meets a 429, whether its own pacing starts higher than the fake's limit or
// is turned off.
func TestE2EFollowsRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name        string
		clientLimit int
	}{
		{"pacing at 100 a minute", 100},
		{"pacing off", -1},
	}
	env := startE2E(t, rolesSeed(450), runntest.Options{RateLimit: fakeLimit}, runn.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.refill()
			api := env.newClient(t, runn.Config{RateLimit: tt.clientLimit})
			var got int
			reqs := env.during(func() {
				err := api.ListPages(t.Context(), runn.EndpointRoles, url.Values{"limit": {"50"}}, func(p runn.Page) error {
					got += p.Count
					return nil
				})
				if err != nil {
					t.Fatalf("ListPages: %v", err)
				}
			})
			if got != 450 {
				t.Errorf("listed %d roles, want 450", got)
			}
			if want := slices.Repeat([]int{200}, 9); !slices.Equal(statusesOf(reqs), want) {
				t.Errorf("statuses %v, want %v", statusesOf(reqs), want)
			}
			// Three requests spend the burst; each later burst needs the full 60 s reset.
			s := api.Stats()
			if s.RateLimited != 0 || s.Retries != 0 || s.Waited < 2*time.Minute {
				t.Errorf("stats %+v, want no 429, no retry, and at least 2m waited", s)
			}
			if span := reqs[len(reqs)-1].Time.Sub(reqs[0].Time); span < 2*time.Minute {
				t.Errorf("9 requests over %v on the fake's clock, want at least 2m at 3 a minute", span)
			}
		})
	}
}

// TestE2EFollowsTheAnnouncedWindow (issue 14): the fake counts 3 requests in fixed 12 s windows;
// the client, configured with the default minute, learns the window from x-ratelimit-reset and
// reads 9 pages in three windows (two waits of at most 12 s), with no 429.
func TestE2EFollowsTheAnnouncedWindow(t *testing.T) {
	env := startE2E(t, rolesSeed(450), runntest.Options{RateLimit: fakeLimit, RateWindow: 12 * time.Second, FixedWindow: true}, runn.Config{})
	api := env.newClient(t, runn.Config{})
	reqs := env.during(func() {
		err := api.ListPages(t.Context(), runn.EndpointRoles, url.Values{"limit": {"50"}}, func(runn.Page) error { return nil })
		if err != nil {
			t.Fatalf("ListPages: %v", err)
		}
	})
	if want := slices.Repeat([]int{200}, 9); !slices.Equal(statusesOf(reqs), want) {
		t.Errorf("statuses %v, want %v", statusesOf(reqs), want)
	}
	span := reqs[len(reqs)-1].Time.Sub(reqs[0].Time)
	if s := api.Stats(); s.RateLimited != 0 || span < 24*time.Second || span > 26*time.Second {
		t.Errorf("9 requests over %v with %d 429s, want two 12 s windows waited (24 s, and at most a second of rounding each) and none", span, s.RateLimited)
	}
}
