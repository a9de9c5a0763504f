package runn

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/clock"
)

// TestCancellationIsPrompt runs with the real clock: each case would wait a minute or more if
// cancellation were ignored, and must return within a second of it.
func TestCancellationIsPrompt(t *testing.T) {
	hang := func(n int, w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	tests := []struct {
		name        string
		script      func(n int, w http.ResponseWriter, r *http.Request)
		rateLimit   int
		send        func(ctx context.Context, c *API) error
		wantUnknown bool
	}{
		{
			name: "during a 429 pause",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 429, runnError(429, "Too Many Requests"), "Retry-After", "60")
			},
			send: func(ctx context.Context, c *API) error { _, err := c.ListRoles(ctx); return err },
		},
		{
			name: "during a backoff",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 503, runnError(503, "down"), "Retry-After", "60")
			},
			send: func(ctx context.Context, c *API) error {
				_, err := c.CreateActual(ctx, ActualInput{Date: "2025-07-01"})
				return err
			},
		},
		{
			name: "while waiting for the rate limit",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, emptyPage)
			},
			rateLimit: 1, // per hour, below
			send: func(ctx context.Context, c *API) error {
				if _, err := c.ListRoles(ctx); err != nil {
					return errors.New("the first call, within the burst, failed: " + err.Error())
				}
				_, err := c.ListRoles(ctx)
				return err
			},
		},
		{
			name:   "while a GET is in flight",
			script: hang,
			send:   func(ctx context.Context, c *API) error { _, err := c.ListPeople(ctx); return err },
		},
		{
			name:   "while a create is in flight",
			script: hang,
			send: func(ctx context.Context, c *API) error {
				_, err := c.CreatePerson(ctx, PersonInput{FirstName: "A", LastName: "B", RoleID: 1})
				return err
			},
			wantUnknown: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, tt.script)
			c := newTestAPI(t, rec.URL, func(cfg *Config) {
				cfg.Clock = clock.System{}
				if tt.rateLimit > 0 {
					cfg.RateLimit, cfg.RateWindow = tt.rateLimit, time.Hour
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := tt.send(ctx, c.API)
			if took := time.Since(start); took > time.Second {
				t.Errorf("returned %s after the call started; cancellation was not prompt", took)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want context.DeadlineExceeded", err)
			}
			if got := errors.Is(err, ErrOutcomeUnknown); got != tt.wantUnknown {
				t.Errorf("errors.Is(err, ErrOutcomeUnknown) = %v, want %v (err: %v)", got, tt.wantUnknown, err)
			}
		})
	}
}

func TestSystemClockSleep(t *testing.T) {
	var sys clock.System
	if err := sys.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep(1ms) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := sys.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep with a cancelled context = %v", err)
	}
	if time.Since(start) > time.Second {
		t.Error("Sleep with a cancelled context did not return at once")
	}
	if err := sys.Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) with a cancelled context = %v", err)
	}
}
