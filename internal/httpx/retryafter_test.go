package httpx

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"absent", http.Header{}, 0, false},
		{"empty", http.Header{"Retry-After": {"  "}}, 0, false},
		{"seconds", http.Header{"Retry-After": {"12"}}, 12 * time.Second, true},
		{"zero", http.Header{"Retry-After": {"0"}}, 0, true},
		{"spaces", http.Header{"Retry-After": {" 3 "}}, 3 * time.Second, true},
		{"fraction", http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{"negative", http.Header{"Retry-After": {"-4"}}, 0, false},
		{"NaN", http.Header{"Retry-After": {"NaN"}}, 0, false},
		{"infinite", http.Header{"Retry-After": {"Inf"}}, 0, false},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"not capped", http.Header{"Retry-After": {"86400"}}, 24 * time.Hour, true},
		{"too large for a Duration", http.Header{"Retry-After": {"1e300"}}, time.Duration(math.MaxInt64), true},
		{"date", http.Header{"Retry-After": {now.Add(9 * time.Second).Format(http.TimeFormat)}}, 9 * time.Second, true},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0, true},
		{"date against Date", http.Header{
			"Date":        {now.Add(-time.Hour).Format(http.TimeFormat)},
			"Retry-After": {now.Add(-time.Hour + 5*time.Second).Format(http.TimeFormat)},
		}, 5 * time.Second, true},
		{"date against a garbled Date", http.Header{
			"Date":        {"yesterday"},
			"Retry-After": {now.Add(7 * time.Second).Format(http.TimeFormat)},
		}, 7 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := RetryAfter(tc.header, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("RetryAfter = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestMaxRetryAfter: both clients stop obeying a header at five minutes.
func TestMaxRetryAfter(t *testing.T) {
	if MaxRetryAfter != 5*time.Minute {
		t.Errorf("MaxRetryAfter = %v, want 5m", MaxRetryAfter)
	}
	d, _ := RetryAfter(http.Header{"Retry-After": {"301"}}, time.Time{})
	if d <= MaxRetryAfter {
		t.Errorf("Retry-After: 301 parsed as %v, not above the cap: the clients could not tell it from 300", d)
	}
}

func TestRateLimitReset(t *testing.T) {
	now := time.Date(2025, 7, 10, 9, 0, 0, 0, time.UTC) // 1752138000
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"soon", 0, false},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"+Inf", 0, false},
		{"0", 0, true},
		{" 12 ", 12 * time.Second, true},
		{"2.5", 2500 * time.Millisecond, true},
		{"999999999", 999999999 * time.Second, true},
		{"1752138020", 20 * time.Second, true}, // a Unix time: 09:00:20
		{"1752137000", 0, true},                // a Unix time in the past
	} {
		got, ok := RateLimitReset(tc.value, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RateLimitReset(%q) = %v, %v; want %v, %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}
