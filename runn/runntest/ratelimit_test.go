package runntest

import (
	"net/http"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
)

func TestRateLimit(t *testing.T) {
	// 3 per minute: a token every 20 s, burst 3.
	s, clock := startServer(t, testSeed(), Options{RateLimit: 3, RateWindow: time.Minute})
	checkRateSteps(t, s, clock, []rateStep{
		{0, 200, "2", "20", ""},
		{0, 200, "1", "40", ""},
		{0, 200, "0", "60", ""},
		{0, 429, "0", "60", "20"},
		{10 * time.Second, 429, "0", "50", "10"},
		{10 * time.Second, 200, "0", "60", ""},
		{60 * time.Second, 200, "2", "20", ""},
	})
}

// rateStep is one request of a rate-limit test: how long after the one before it is sent, and
// its answer's status and x-ratelimit-* and retry-after headers (the limit is always 3).
type rateStep struct {
	advance       time.Duration
	wantStatus    int
	wantRemaining string
	wantReset     string
	wantRetry     string
}

// checkRateSteps sends GET /me/ at each step and checks its answer.
func checkRateSteps(t *testing.T, s *Server, clock *testkit.FakeClock, steps []rateStep) {
	t.Helper()
	for i, st := range steps {
		clock.Advance(st.advance)
		r := do(t, s, "GET", "/me/", nil)
		h := r.header
		if r.status != st.wantStatus || h.Get("x-ratelimit-limit") != "3" || h.Get("x-ratelimit-remaining") != st.wantRemaining ||
			h.Get("x-ratelimit-reset") != st.wantReset || h.Get("retry-after") != st.wantRetry {
			t.Errorf("request %d: status %d limit %q remaining %q reset %q retry-after %q; want %d 3 %q %q %q", i+1, r.status,
				h.Get("x-ratelimit-limit"), h.Get("x-ratelimit-remaining"), h.Get("x-ratelimit-reset"), h.Get("retry-after"),
				st.wantStatus, st.wantRemaining, st.wantReset, st.wantRetry)
		}
		if r.status == http.StatusTooManyRequests {
			if e := r.errorBody(t); e.Error != "Too Many Requests" || e.StatusCode != 429 {
				t.Errorf("429 body %s", r.body)
			}
		}
	}
}

func TestRateLimitCountsEveryAnswer(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{RateLimit: 2})
	do(t, s, "GET", "/nowhere", nil)                              // 404
	do(t, s, "GET", "/me/", nil, "Authorization", "Bearer wrong") // 401
	r := do(t, s, "GET", "/me/", nil)
	if r.status != http.StatusTooManyRequests {
		t.Errorf("third request: %d, want 429", r.status)
	}
	if got := r.header.Get("x-ratelimit-limit"); got != "2" {
		t.Errorf("x-ratelimit-limit %q", got)
	}
}

func TestRateLimitDefaultsAndDisabled(t *testing.T) {
	clock := newFakeClock()
	def, err := NewServer(nil, Options{Token: testToken, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer def.Close()
	r := do(t, def, "GET", "/me/", nil)
	if r.header.Get("x-ratelimit-limit") != "120" || r.header.Get("x-ratelimit-remaining") != "119" || r.header.Get("x-ratelimit-reset") != "1" {
		t.Errorf("default limit headers: %v", r.header)
	}

	off, _ := startServer(t, testSeed(), Options{RateLimit: RateLimitDisabled})
	for range 200 {
		if r := do(t, off, "GET", "/me/", nil); r.status != http.StatusOK || r.header.Get("x-ratelimit-limit") != "" {
			t.Fatalf("disabled: %d %v", r.status, r.header)
		}
	}
}

// TestRateLimitFixedWindow (issue 14): with FixedWindow the fake counts as Runn does, 3 in a
// 12 s window opened by the first request, and announces the window through x-ratelimit-reset:
// the seconds left in it, rounded up.
func TestRateLimitFixedWindow(t *testing.T) {
	s, clock := startServer(t, testSeed(), Options{RateLimit: 3, RateWindow: 12 * time.Second, FixedWindow: true})
	checkRateSteps(t, s, clock, []rateStep{
		{0, 200, "2", "12", ""},
		{1500 * time.Millisecond, 200, "1", "11", ""},
		{0, 200, "0", "11", ""},
		{0, 429, "0", "11", "11"},
		{10 * time.Second, 429, "0", "1", "1"},
		{500 * time.Millisecond, 200, "2", "12", ""}, // the window expired: a new one opens
		{11 * time.Second, 200, "1", "1", ""},
	})
}
