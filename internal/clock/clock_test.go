package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSystemNow(t *testing.T) {
	before := time.Now()
	got := System{}.Now()
	if got.Before(before) || got.After(time.Now()) {
		t.Errorf("Now() = %v, want the wall clock (around %v)", got, before)
	}
}

func TestSystemSleep(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		d       time.Duration
		wantErr error
		atLeast time.Duration // real time the call must take
	}{
		{"short sleep waits", context.Background(), 2 * time.Millisecond, nil, 2 * time.Millisecond},
		{"zero returns at once", context.Background(), 0, nil, 0},
		{"negative returns at once", context.Background(), -time.Hour, nil, 0},
		{"cancelled context cuts a long sleep", cancelled, time.Hour, context.Canceled, 0},
		{"zero still reports a cancelled context", cancelled, 0, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := System{}.Sleep(tt.ctx, tt.d)
			took := time.Since(start)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Sleep(%v) = %v, want %v", tt.d, err, tt.wantErr)
			}
			if took < tt.atLeast {
				t.Errorf("Sleep(%v) took %v, want at least %v", tt.d, took, tt.atLeast)
			}
			if took > time.Second {
				t.Errorf("Sleep(%v) took %v, want it to return promptly", tt.d, took)
			}
		})
	}
}

func TestSystemSleepStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := (System{}).Sleep(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sleep = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Sleep took %v after its context ended, want it to return then", took)
	}
}
