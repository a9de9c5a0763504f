package httpx

import (
	"testing"
	"time"
)

// TestRetryCeiling: the backoff ceiling starts at 1 s and doubles up to 30 s, as both clients
// had it (harvest's backoffCap table).
func TestRetryCeiling(t *testing.T) {
	r := DefaultRetry(0)
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{-3, time.Second}, {0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second},
		{5, 16 * time.Second}, {6, 30 * time.Second}, {7, 30 * time.Second}, {64, 30 * time.Second},
		{1000, 30 * time.Second},
	} {
		if got := r.Ceiling(tc.n); got != tc.want {
			t.Errorf("Ceiling(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

// TestRetryBackoff: full jitter, a share r of the ceiling, with a fixed random source (the
// Runn client's backoff table).
func TestRetryBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{1, 0, 0},
		{1, 0.5, 500 * time.Millisecond},
		{1, 0.999, 999 * time.Millisecond},
		{1, 1, time.Second},
		{2, 0.5, time.Second},
		{3, 0.5, 2 * time.Second},
		{5, 0.999, time.Duration(0.999 * float64(16*time.Second))},
		{6, 0.5, 15 * time.Second}, // 32 s capped at 30 s
		{60, 0.999, time.Duration(0.999 * float64(30*time.Second))},
		{60, 1, 30 * time.Second},
	} {
		r := DefaultRetry(0)
		r.Rand = func() float64 { return tc.r }
		if got := r.Backoff(tc.attempt); got != tc.want {
			t.Errorf("Backoff(%d) with r=%v = %v, want %v", tc.attempt, tc.r, got, tc.want)
		}
	}
}

// TestRetryBackoffBounds: with the real random source every wait lies in [0, ceiling].
func TestRetryBackoffBounds(t *testing.T) {
	r := DefaultRetry(0)
	for n := 1; n <= 10; n++ {
		for range 200 {
			if d := r.Backoff(n); d < 0 || d > r.Ceiling(n) {
				t.Fatalf("Backoff(%d) = %v, outside [0, %v]", n, d, r.Ceiling(n))
			}
		}
	}
}

func TestRetryCustomBaseAndMax(t *testing.T) {
	r := Retry{Base: 100 * time.Millisecond, Max: time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second} {
		if got := r.Ceiling(n); got != want {
			t.Errorf("Ceiling(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestRetryExhausted(t *testing.T) {
	for _, tc := range []struct {
		max, attempt int
		want         bool
	}{
		{DefaultMaxAttempts, 1, false}, {DefaultMaxAttempts, 7, false}, {DefaultMaxAttempts, 8, true},
		{1, 1, true}, {3, 2, false}, {3, 4, true},
	} {
		if got := (Retry{MaxAttempts: tc.max}).Exhausted(tc.attempt); got != tc.want {
			t.Errorf("MaxAttempts %d: Exhausted(%d) = %v, want %v", tc.max, tc.attempt, got, tc.want)
		}
	}
	if got := DefaultRetry(0).MaxAttempts; got != 8 {
		t.Errorf("DefaultRetry(0).MaxAttempts = %d, want 8", got)
	}
	if got := DefaultRetry(3).MaxAttempts; got != 3 {
		t.Errorf("DefaultRetry(3).MaxAttempts = %d, want 3", got)
	}
}
