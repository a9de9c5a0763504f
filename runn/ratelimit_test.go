package runn

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
)

func newTestLimiter(limit int, window time.Duration) (*limiter, *fakeClock) {
	clock := newFakeClock()
	return newLimiter(limit, window, clock, slog.New(slog.DiscardHandler)), clock
}

// waits takes n tokens and returns how long each wait was.
func waits(t *testing.T, l *limiter, n int) []time.Duration {
	t.Helper()
	var out []time.Duration
	for range n {
		tk, d, err := l.wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		l.done(tk, nil, 0)
		out = append(out, d)
	}
	return out
}

// observe gives the limiter an answer to a request of its current window.
func observe(l *limiter, h http.Header, status int) {
	tk, _, err := l.wait(context.Background())
	if err != nil {
		panic(err)
	}
	l.done(tk, h, status)
}

// TestLimiterAllowsABurstThenPaces: before Runn says anything, the configured limit is spent at
// once and the next window waited for (R15's writes then go at the pace the limit allows).
func TestLimiterAllowsABurstThenPaces(t *testing.T) {
	l, _ := newTestLimiter(3, 3*time.Second)
	got := waits(t, l, 7)
	want := []time.Duration{0, 0, 0, 3 * time.Second, 0, 0, 3 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestLimiterDefaultIs120PerMinute(t *testing.T) {
	l, _ := newTestLimiter(DefaultRateLimit, DefaultRateWindow)
	got := waits(t, l, 122)
	for i, d := range got[:120] {
		if d != 0 {
			t.Fatalf("request %d waited %s within the burst", i+1, d)
		}
	}
	if got[120] != time.Minute || got[121] != 0 {
		t.Errorf("after the burst, waits %s and %s, want the window's minute, then none", got[120], got[121])
	}
}

func TestLimiterOff(t *testing.T) {
	l, _ := newTestLimiter(-1, time.Minute)
	for i, d := range waits(t, l, 1000) {
		if d != 0 {
			t.Fatalf("request %d waited %s with pacing off", i+1, d)
		}
	}
	// Runn's own limit is still honoured.
	observe(l, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"4"}}, 200)
	if got := waits(t, l, 1); got[0] != 4*time.Second {
		t.Errorf("wait after remaining 0 = %s, want 4s", got[0])
	}
}

func TestLimiterFollowsHeaders(t *testing.T) {
	tests := []struct {
		name      string
		header    http.Header
		status    int
		wantLimit int
		wantWaits []time.Duration // of the next three requests
	}{
		{
			name:      "a higher limit raises rate and burst",
			header:    http.Header{"X-Ratelimit-Limit": {"600"}},
			wantLimit: 600,
			wantWaits: []time.Duration{0, 0, 0},
		},
		{
			name:      "a lower limit",
			header:    http.Header{"X-Ratelimit-Limit": {"2"}},
			wantLimit: 2,
			wantWaits: []time.Duration{0, time.Minute, 0},
		},
		{
			name:      "remaining 0 waits for the reset",
			header:    http.Header{"X-Ratelimit-Limit": {"120"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"12"}},
			wantLimit: 120,
			wantWaits: []time.Duration{12 * time.Second, 0, 0},
		},
		{
			name:      "remaining 0 and reset as a Unix time",
			header:    http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1752138020"}}, // 2025-07-10 09:00:20 UTC
			wantLimit: 120,
			wantWaits: []time.Duration{20 * time.Second, 0, 0},
		},
		{
			name:      "remaining 1 leaves one request in the window",
			header:    http.Header{"X-Ratelimit-Remaining": {"1"}},
			wantLimit: 120,
			wantWaits: []time.Duration{0, time.Minute, 0},
		},
		{
			name:      "garbage is ignored",
			header:    http.Header{"X-Ratelimit-Limit": {"lots"}, "X-Ratelimit-Remaining": {""}, "X-Ratelimit-Reset": {"soon"}},
			wantLimit: 120,
			wantWaits: []time.Duration{0, 0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := newTestLimiter(DefaultRateLimit, DefaultRateWindow)
			observe(l, tt.header, 200)
			if got := l.currentLimit(); got != tt.wantLimit {
				t.Errorf("limit = %d, want %d", got, tt.wantLimit)
			}
			if diff := cmp.Diff(tt.wantWaits, waits(t, l, 3)); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func Test429Pause(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"retry-after seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"retry-after wins over reset", http.Header{"Retry-After": {"7"}, "X-Ratelimit-Reset": {"30"}}, 7 * time.Second},
		{"retry-after as a date", http.Header{"Retry-After": {"Thu, 10 Jul 2025 09:00:09 GMT"}}, 9 * time.Second},
		{"reset when no retry-after", http.Header{"X-Ratelimit-Reset": {"15"}}, 15 * time.Second},
		{"60 s when neither", http.Header{}, 60 * time.Second},
		{"60 s when retry-after is garbage", http.Header{"Retry-After": {"later"}}, 60 * time.Second},
		{"capped", http.Header{"Retry-After": {"86400"}}, httpx.MaxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := newTestLimiter(DefaultRateLimit, DefaultRateWindow)
			observe(l, tt.header, http.StatusTooManyRequests)
			if got := waits(t, l, 1)[0]; got != tt.want {
				t.Errorf("pause = %s, want %s", got, tt.want)
			}
		})
	}
}

// Test429PausesTheWholeClient: a 429 on one call holds back the next call, not only its own retry.
func Test429PausesTheWholeClient(t *testing.T) {
	rec := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			writeJSON(w, 429, runnError(429, "Too Many Requests"), "Retry-After", "20")
			return
		}
		writeJSON(w, 200, emptyPage)
	})
	c := newTestAPI(t, rec.URL, func(cfg *Config) { cfg.MaxAttempts = 1 })
	_, err := c.CreateRole(context.Background(), RoleInput{Name: "Dev"})
	if !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("CreateRole error = %v, want ErrRateLimited (and a known outcome)", err)
	}
	before := c.clock.Now()
	if _, err := c.ListRoles(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := c.clock.Now().Sub(before); waited != 20*time.Second {
		t.Errorf("the next call waited %s, want the 20 s pause", waited)
	}
	if st := c.Stats(); st.RateLimited != 1 || st.Waited != 20*time.Second {
		t.Errorf("stats %+v", st)
	}
}

// TestLimiterWaitsAreCancellable: a cancelled context ends a pause or a token wait at once, and
// the token it was waiting for is given back.
func TestLimiterWaitsAreCancellable(t *testing.T) {
	l, _ := newTestLimiter(1, time.Hour)
	waits(t, l, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := l.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with a cancelled context = %v", err)
	}
	l.pause(time.Minute, "test")
	if _, _, err := l.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("paused wait with a cancelled context = %v", err)
	}
}
