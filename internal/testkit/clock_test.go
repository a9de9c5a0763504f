package testkit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

var start = time.Date(2025, 7, 10, 9, 0, 0, 0, time.UTC)

func TestFakeClockSleep(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name       string
		ctx        context.Context
		sleeps     []time.Duration
		wantErr    error
		wantNow    time.Time
		wantSleeps []time.Duration
	}{
		{"positive sleeps add up", context.Background(), []time.Duration{time.Second, 500 * time.Millisecond},
			nil, start.Add(1500 * time.Millisecond), []time.Duration{time.Second, 500 * time.Millisecond}},
		{"zero is recorded and does not move the clock", context.Background(), []time.Duration{0},
			nil, start, []time.Duration{0}},
		{"negative is recorded and does not turn the clock back", context.Background(), []time.Duration{-time.Minute, time.Second},
			nil, start.Add(time.Second), []time.Duration{-time.Minute, time.Second}},
		{"a done context is neither slept on nor recorded", cancelled, []time.Duration{time.Hour},
			context.Canceled, start, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewFakeClock(start)
			for _, d := range tt.sleeps {
				if err := c.Sleep(tt.ctx, d); !errors.Is(err, tt.wantErr) {
					t.Errorf("Sleep(%v) = %v, want %v", d, err, tt.wantErr)
				}
			}
			if got := c.Now(); !got.Equal(tt.wantNow) {
				t.Errorf("Now() = %v, want %v", got, tt.wantNow)
			}
			if got := c.Sleeps(); !slices.Equal(got, tt.wantSleeps) {
				t.Errorf("Sleeps() = %v, want %v", got, tt.wantSleeps)
			}
		})
	}
}

func TestFakeClockAdvanceIsNotASleep(t *testing.T) {
	c := NewFakeClock(start)
	c.Advance(10 * time.Minute)
	if got, want := c.Now(), start.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	if got := c.Sleeps(); len(got) != 0 {
		t.Errorf("Sleeps() = %v, want none: advancing by hand is not a client's wait", got)
	}
}

func TestFakeClockSleepsIsACopy(t *testing.T) {
	c := NewFakeClock(start)
	if err := c.Sleep(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	c.Sleeps()[0] = time.Hour
	if got := c.Sleeps(); !slices.Equal(got, []time.Duration{time.Second}) {
		t.Errorf("Sleeps() = %v after changing an earlier result, want [1s]", got)
	}
}

// TestFakeClockConcurrentSleeps: the clients sleep from several workers at once; no sleep may
// be lost (run with -race to also catch unguarded access).
func TestFakeClockConcurrentSleeps(t *testing.T) {
	const workers, each = 8, 50
	c := NewFakeClock(start)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if err := c.Sleep(context.Background(), time.Millisecond); err != nil {
					t.Error(err)
				}
				c.Now()
			}
		})
	}
	wg.Wait()
	if got := len(c.Sleeps()); got != workers*each {
		t.Errorf("%d sleeps recorded, want %d", got, workers*each)
	}
	if got, want := c.Now(), start.Add(workers*each*time.Millisecond); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}
