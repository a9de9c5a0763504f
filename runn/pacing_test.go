package runn

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// fixedWindow is a server's rate limit as Runn (and @fastify/rate-limit) keeps it: limit
// requests in a window that opens with the first request after the last one expired; every
// answer says what remains and the seconds to the reset, rounded up.
type fixedWindow struct {
	limit  int
	window time.Duration
	opened time.Time
	count  int
}

func (f *fixedWindow) admit(now time.Time) (http.Header, int) {
	if f.opened.IsZero() || !now.Before(f.opened.Add(f.window)) {
		f.opened, f.count = now, 0
	}
	status := http.StatusOK
	if f.count >= f.limit {
		status = http.StatusTooManyRequests
	} else {
		f.count++
	}
	reset := int(math.Ceil(f.opened.Add(f.window).Sub(now).Seconds()))
	h := http.Header{}
	h.Set("X-Ratelimit-Limit", strconv.Itoa(f.limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(f.limit-f.count))
	h.Set("X-Ratelimit-Reset", strconv.Itoa(reset))
	if status != http.StatusOK {
		h.Set("Retry-After", strconv.Itoa(reset))
	}
	return h, status
}

// simulate sends n requests through l, at most workers at once, each answered latency after it
// was sent (the server counts it then, as runntest does), on the fake clock; with jitter, every
// third request takes half as long again, so that answers overtake each other. It returns how
// long they took and how many were refused with a 429.
func simulate(t *testing.T, l *limiter, clock *fakeClock, srv *fixedWindow, n, workers int, latency time.Duration, jitter bool) (time.Duration, int) {
	t.Helper()
	type flight struct {
		tk ticket
		at time.Time
	}
	var inflight []flight
	start, sent, refused := clock.Now(), 0, 0
	for sent < n || len(inflight) > 0 {
		var until time.Time
		if sent < n && len(inflight) < workers {
			l.mu.Lock()
			tk, u, _, ok := l.nextTicket(clock.Now())
			l.mu.Unlock()
			if ok {
				d := latency
				if jitter && sent%3 == 0 {
					d += latency / 2
				}
				inflight = append(inflight, flight{tk, clock.Now().Add(d)})
				sent++
				continue
			}
			until = u
		}
		// The next event: the earliest answer, or the time the limiter waits for.
		first := -1
		for i, f := range inflight {
			if first < 0 || f.at.Before(inflight[first].at) {
				first = i
			}
		}
		if first < 0 || (!until.IsZero() && until.Before(inflight[first].at)) {
			if until.IsZero() {
				t.Fatalf("the limiter waits for an answer with none in flight (%d sent)", sent)
			}
			clock.Advance(until.Sub(clock.Now()))
			continue
		}
		f := inflight[first]
		inflight = append(inflight[:first], inflight[first+1:]...)
		clock.Advance(f.at.Sub(clock.Now()))
		h, status := srv.admit(clock.Now())
		if status == http.StatusTooManyRequests {
			refused++
			sent-- // sent again
		}
		l.done(f.tk, h, status)
	}
	return clock.Now().Sub(start), refused
}

// TestLimiterPacesToTheAnnouncedWindow (issue 14): whatever window the client is configured
// with, it learns Runn's from x-ratelimit-reset and spends each window's budget with several
// requests in flight: n requests take the floor the limit allows ((⌈n/limit⌉−1) windows and a
// round trip) plus at most one round trip and a second of rounding per window, and Runn never
// answers 429. With n a whole number of windows' budget, a window that lost a single place to
// requests in flight across its start, or to answers out of order, would take one window more.
func TestLimiterPacesToTheAnnouncedWindow(t *testing.T) {
	tests := []struct {
		server, client time.Duration
		latency        time.Duration
		workers        int
		n              int
		jitter         bool
	}{
		{time.Minute, time.Minute, 300 * time.Millisecond, 1, 1000, false},
		{time.Minute, time.Minute, 300 * time.Millisecond, 8, 1000, false},
		{12 * time.Second, time.Minute, 300 * time.Millisecond, 8, 1000, false},
		{12 * time.Second, time.Minute, 60 * time.Millisecond, 4, 1000, false},
		{2 * time.Minute, time.Minute, 60 * time.Millisecond, 8, 1000, false},
		{12 * time.Second, 5 * time.Second, 60 * time.Millisecond, 8, 1000, false},
		{12 * time.Second, time.Minute, 300 * time.Millisecond, 16, 1080, false},
		{12 * time.Second, time.Minute, 300 * time.Millisecond, 16, 1080, true},
		{time.Minute, time.Minute, 300 * time.Millisecond, 32, 600, true},
		{12 * time.Second, time.Minute, 60 * time.Millisecond, 8, 1080, true},
	}
	const limit = 120
	for _, tt := range tests {
		n := tt.n
		t.Run(fmt.Sprintf("server %s client %s latency %s workers %d n %d jitter %v", tt.server, tt.client, tt.latency, tt.workers, n, tt.jitter), func(t *testing.T) {
			l, clock := newTestLimiter(limit, tt.client)
			srv := &fixedWindow{limit: limit, window: tt.server}
			took, refused := simulate(t, l, clock, srv, n, tt.workers, tt.latency, tt.jitter)
			windows := (n + limit - 1) / limit
			floor := time.Duration(windows-1)*tt.server + tt.latency
			// One request at a time cannot spend a window faster than its round trips.
			floor = max(floor, time.Duration(n/tt.workers)*tt.latency)
			slack := time.Duration(windows) * (2*tt.latency + time.Second)
			if refused > 0 {
				t.Errorf("%d requests refused with 429", refused)
			}
			if took < floor || took > floor+slack {
				t.Errorf("%d requests took %s, want between the floor %s and %s", n, took, floor, floor+slack)
			}
			if got := l.currentWindow(); tt.server != tt.client && got != tt.server {
				t.Errorf("window followed = %s, want the announced %s", got, tt.server)
			}
		})
	}
}

// TestLimiterProbeOutlivingItsWindow: a window's first request answered only after the window
// ended does not hold the next window's requests back (issue 14).
func TestLimiterProbeOutlivingItsWindow(t *testing.T) {
	l, clock := newTestLimiter(120, time.Minute)
	srv := &fixedWindow{limit: 120, window: 12 * time.Second}
	tk, _, err := l.wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	h, status := srv.admit(clock.Now())
	l.done(tk, h, status) // informed: the next window opens with a probe
	clock.Advance(13 * time.Second)
	probe, _, err := l.wait(t.Context())
	if err != nil || !probe.probe {
		t.Fatalf("first request of the second window: %+v, %v; want a probe", probe, err)
	}
	clock.Advance(13 * time.Second) // the probe's window ends before its answer
	l.mu.Lock()
	_, _, _, ok := l.nextTicket(clock.Now())
	l.mu.Unlock()
	if !ok {
		t.Fatal("the third window waits for the second window's probe")
	}
	l.done(probe, nil, 0)
}

// TestLimiterProbesUnlessTheWindowIsFixed (issue 14): once four answers of a window named one
// end, the window is fixed and the next one opens without a probe (a round trip per window
// saved); answers whose ends move on with each request (a token bucket refilling) keep the probe.
func TestLimiterProbesUnlessTheWindowIsFixed(t *testing.T) {
	tests := []struct {
		name      string
		reset     func(i int) string // the i-th answer's x-ratelimit-reset
		wantProbe bool
	}{
		{"fixed: every answer names the same end", func(int) string { return "12" }, false},
		{"bucket: each answer's end a second later", func(i int) string { return strconv.Itoa(12 + i) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, clock := newTestLimiter(120, 12*time.Second)
			for i := range 5 {
				tk, _, err := l.wait(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				h := http.Header{}
				h.Set("X-Ratelimit-Limit", "120")
				h.Set("X-Ratelimit-Remaining", strconv.Itoa(119-i))
				h.Set("X-Ratelimit-Reset", tt.reset(i))
				l.done(tk, h, http.StatusOK)
			}
			clock.Advance(20 * time.Second)
			tk, _, err := l.wait(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if tk.probe != tt.wantProbe {
				t.Errorf("the next window's first request: probe = %v, want %v", tk.probe, tt.wantProbe)
			}
		})
	}
}

// TestLimiterPingOpensTheFirstWindow (issue 14): the preflight's answer tells what the window
// holds, so the client's first request needs no probe and the window's budget is what Runn said.
func TestLimiterPingOpensTheFirstWindow(t *testing.T) {
	l, _ := newTestLimiter(120, time.Minute)
	h := http.Header{}
	h.Set("X-Ratelimit-Limit", "120")
	h.Set("X-Ratelimit-Remaining", "2")
	h.Set("X-Ratelimit-Reset", "30")
	l.done(ticket{}, h, http.StatusOK)
	tk, _, err := l.wait(t.Context())
	if err != nil || tk.probe {
		t.Fatalf("first request after the ping: %+v, %v; want no probe", tk, err)
	}
	tk2, _, err := l.wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	_, until, _, ok := l.nextTicket(l.clock.Now())
	l.mu.Unlock()
	if ok || until.IsZero() {
		t.Errorf("a third request in a window the ping said holds 2: ok %v, until %v", ok, until)
	}
	l.done(tk, nil, 0)
	l.done(tk2, nil, 0)
}
