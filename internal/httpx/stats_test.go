package httpx

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/clock"
	"github.com/harvest2runn/harvest2runn/internal/testkit"
)

func TestCounters(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(c *Counters)
		want Stats
	}{
		{"zero", func(*Counters) {}, Stats{}},
		{"one request", func(c *Counters) { c.Request() }, Stats{Requests: 1}},
		{"a 503 then a success", func(c *Counters) {
			c.Request()
			c.ServerError()
			c.Waited(time.Second)
			c.Retry()
			c.Request()
		}, Stats{Requests: 2, Retries: 1, ServerErrors: 1, Waited: time.Second}},
		{"a 429 and a reset", func(c *Counters) {
			c.Request()
			c.RateLimited()
			c.Retry()
			c.Request()
			c.NetworkError()
			c.Waited(3 * time.Second)
			c.Waited(500 * time.Millisecond)
		}, Stats{Requests: 2, Retries: 1, RateLimited: 1, NetworkErrors: 1, Waited: 3500 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Counters
			tc.do(&c)
			if got := c.Stats(); got != tc.want {
				t.Errorf("Stats() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCountersConcurrent(t *testing.T) {
	var c Counters
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.Request()
				c.Waited(time.Millisecond)
			}
		})
	}
	wg.Wait()
	if got := c.Stats(); got.Requests != 8000 || got.Waited != 8*time.Second {
		t.Errorf("Stats() = %+v, want 8000 requests and 8 s waited", got)
	}
}

func TestCountersSleep(t *testing.T) {
	clk := testkit.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	var c Counters
	if err := c.Sleep(context.Background(), clk, 4*time.Second); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, clk, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep with a cancelled context = %v, want context.Canceled", err)
	}
	if got := c.Stats().Waited; got != 4*time.Second {
		t.Errorf("Waited = %v, want the 4 s that passed (the cancelled hour did not)", got)
	}
	if got := clk.Sleeps(); len(got) != 1 || got[0] != 4*time.Second {
		t.Errorf("slept %v, want [4s]", got)
	}
}

func TestOrSystem(t *testing.T) {
	clk := testkit.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if got := OrSystem(clk); got != Clock(clk) {
		t.Errorf("OrSystem(fake) = %v, want the fake", got)
	}
	if got, ok := OrSystem(nil).(clock.System); !ok {
		t.Errorf("OrSystem(nil) = %#v, want clock.System", got)
	}
}

func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.9.8.7": true, "::1": true,
		"::ffff:127.0.0.1": true, "example.com": false, "10.0.0.1": false, "": false,
		"localhost.example.com": false, "::2": false,
	} {
		if got := Loopback(host); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", host, got, want)
		}
	}
}
