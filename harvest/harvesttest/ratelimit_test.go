package harvesttest

import (
	"net/http"
	"testing"
	"time"
)

func TestWindowLimiter(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newWindowLimiter(3, 10*time.Second)
	steps := []struct {
		at       time.Duration
		wantOK   bool
		wantWait time.Duration
	}{
		{0, true, 0},
		{1 * time.Second, true, 0},
		{2 * time.Second, true, 0},
		{2500 * time.Millisecond, false, 7500 * time.Millisecond}, // the first leaves the window at 10 s
		{9 * time.Second, false, 1 * time.Second},                 // refusals did not count
		{10 * time.Second, true, 0},                               // the first request has left
		{10 * time.Second, false, 1 * time.Second},
		{12 * time.Second, true, 0}, // the 1 s and 2 s requests have left: a request occupies [t, t+window)
		{12 * time.Second, true, 0},
		{12 * time.Second, false, 8 * time.Second},
	}
	for _, st := range steps {
		ok, wait := l.allow(t0.Add(st.at))
		if ok != st.wantOK || wait != st.wantWait {
			t.Errorf("at %v: allow = %v, %v; want %v, %v", st.at, ok, wait, st.wantOK, st.wantWait)
		}
	}
	if ok, _ := (*windowLimiter)(nil).allow(t0); !ok || newWindowLimiter(0, time.Second) != nil {
		t.Error("a zero limit must mean unlimited")
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tt := range []struct {
		wait time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {7500 * time.Millisecond, 8}, {15 * time.Second, 15}} {
		if got := retryAfterSeconds(tt.wait); got != tt.want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", tt.wait, got, tt.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	clock := newFakeClock(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	s := newTestServer(t, smallAccount(), Options{RateLimit: 100, RateWindow: 15 * time.Second, Now: clock.Now})
	try := func() (int, string) {
		status, h, _ := fetch(t, http.DefaultClient, s.URL()+"/v2/clients", goodHeaders())
		return status, h.Get("Retry-After")
	}
	for i := range 100 {
		if status, _ := try(); status != 200 {
			t.Fatalf("request %d: status %d, want 200", i+1, status)
		}
		if i == 0 {
			clock.Advance(4 * time.Second) // the first request leaves the window 11 s before the others
		}
	}
	clock.Advance(2500 * time.Millisecond) // 6.5 s after the first request
	if status, after := try(); status != 429 || after != "9" {
		t.Fatalf("request 101: status %d, Retry-After %q; want 429 and 9 (8.5 s rounded up)", status, after)
	}
	clock.Advance(8500 * time.Millisecond) // the first request has left the window
	if status, _ := try(); status != 200 {
		t.Fatalf("after Retry-After: status %d, want 200", status)
	}
	if status, after := try(); status != 429 || after != "4" {
		t.Fatalf("next: status %d, Retry-After %q; want 429 and 4", status, after)
	}
	// Requests with bad credentials are refused before the limiter and do not count.
	h := goodHeaders()
	h.Set("Authorization", "Bearer wrong")
	if status, _, _ := fetch(t, http.DefaultClient, s.URL()+"/v2/clients", h); status != 401 {
		t.Errorf("bad token while limited: status %d, want 401", status)
	}
}
