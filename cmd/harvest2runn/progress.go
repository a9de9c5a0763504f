package main

import (
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/schollz/progressbar/v3"
)

// progress shows landed pages: a bar per resource on a terminal, otherwise a log line per
// resource finished and about every tenth of a long listing.
type progress struct {
	mu       sync.Mutex
	terminal bool
	out      io.Writer
	log      *slog.Logger
	key      string
	bar      *progressbar.ProgressBar
	done     int
}

func newProgress(e *env, log *slog.Logger) *progress {
	return &progress{terminal: e.terminal, out: e.stderr, log: log}
}

func (p *progress) Page(source, resource string, seq, totalPages, records int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := source + " " + resource
	if key != p.key {
		p.finishLocked()
		p.key, p.done = key, 0
		if p.terminal {
			p.bar = progressbar.NewOptions(max(totalPages, 1),
				progressbar.OptionSetWriter(p.out),
				progressbar.OptionSetDescription(fmt.Sprintf("%-24s", key)),
				progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100_000_000),
				progressbar.OptionClearOnFinish(),
			)
		}
	}
	p.done++
	if p.bar != nil {
		if totalPages > 0 {
			p.bar.ChangeMax(totalPages)
		}
		_ = p.bar.Add(1)
		return
	}
	if totalPages >= 20 && p.done%(totalPages/10) == 0 {
		p.log.Info("progress", "source", source, "resource", resource, "pages", p.done, "of", totalPages)
	}
}

func (p *progress) finishLocked() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// Close ends the last bar.
func (p *progress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishLocked()
}
