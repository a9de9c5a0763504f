package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestProgress(t *testing.T) {
	t.Run("terminal", func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&env{stderr: &out, terminal: true}, slog.New(slog.DiscardHandler))
		p.throttle = 0
		p.Page("harvest", "users", 1, 1, 10)
		for i := 1; i <= 40; i++ {
			p.Page("harvest", "time_entries", i, 40, 2000)
		}
		p.Close()
		if !strings.Contains(out.String(), "harvest 10 records") {
			t.Errorf("bar output lacks the record count: %q", out.String())
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
	})
}
