package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/transform"
)

func TestProgress(t *testing.T) {
	t.Run("terminal", func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&env{stderr: &out, terminal: true}, slog.New(slog.DiscardHandler))
		p.line.throttle = 0
		p.Page("harvest", "users", 1, 1, 10)
		for i := 1; i <= 40; i++ {
			p.Page("harvest", "time_entries", i, 40, 2000)
		}
		p.Page("runn", "actuals", 1, 0, 200)
		p.Close()
		// Pages per listing, out of the total Harvest announced; Runn's cursor pages have none.
		for _, want := range []string{"harvest: users 1/1 pages (1 pages, 10 records)", "harvest: time_entries 40/40 pages (41 pages, 80010 records)",
			"runn: actuals page 1 (1 pages, 200 records)"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("progress lacks %q: %q", want, out.String())
			}
		}
		if !strings.HasSuffix(out.String(), "\r\x1b[K") {
			t.Errorf("Close does not erase the line: %q", out.String())
		}
	})
	t.Run("log lines", func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&env{stderr: &out}, slog.New(slog.NewTextHandler(&out, nil)))
		for i := 1; i <= 40; i++ {
			p.Page("harvest", "time_entries", i, 40, 2000)
		}
		p.Close()
		if n := strings.Count(out.String(), "msg=progress"); n != 10 {
			t.Errorf("%d progress lines for 40 pages, want 10:\n%s", n, out.String())
		}
		if strings.Contains(out.String(), "\r") {
			t.Errorf("not a terminal, yet the line is redrawn: %q", out.String())
		}
	})
}

// The line is redrawn at most once per throttle, on a fake clock.
func TestStatusLineThrottle(t *testing.T) {
	var out bytes.Buffer
	clock := testkit.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := statusLine{out: &out, throttle: 100 * time.Millisecond, now: clock.Now}
	s.draw("a", false)
	s.draw("b", false) // too soon
	clock.Advance(100 * time.Millisecond)
	s.draw("c", false)
	s.draw("d", true)
	if got, want := out.String(), "\ra\x1b[K\rc\x1b[K\rd\x1b[K"; got != want {
		t.Errorf("drawn %q, want %q", got, want)
	}
}

// Issue 11: the transform's models show as they run, and the line goes when they are done.
func TestTransformProgress(t *testing.T) {
	var out bytes.Buffer
	p := newTransformProgress(&env{stderr: &out, terminal: true})
	p.update(transform.ModelProgress{Model: "staging.stg_harvest__users", Done: 0, Total: 3})
	p.update(transform.ModelProgress{Done: 3, Total: 3})
	if got, want := out.String(), "\rtransform 0/3 models, running staging.stg_harvest__users\x1b[K\r\x1b[K"; got != want {
		t.Errorf("drawn %q, want %q", got, want)
	}
}
