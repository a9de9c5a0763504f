package main

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows landed pages. Listings of one source run concurrently, so there is one bar per
// source, over the pages known so far (a listing's total is known from its first page); without
// a terminal, a log line per tenth of a long listing.
type progress struct {
	mu       sync.Mutex
	terminal bool
	out      io.Writer
	log      *slog.Logger
	source   string
	bar      *progressbar.ProgressBar
	done     map[string]int
	total    map[string]int
	records  int
	throttle time.Duration // between redraws
}

func newProgress(e *env, log *slog.Logger) *progress {
	return &progress{terminal: e.terminal, out: e.stderr, log: log, throttle: 100 * time.Millisecond}
}

func (p *progress) Page(source, resource string, seq, totalPages, records int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if source != p.source {
		p.finishLocked()
		p.source, p.done, p.total, p.records = source, map[string]int{}, map[string]int{}, 0
		if p.terminal {
			p.bar = progressbar.NewOptions(1,
				progressbar.OptionSetWriter(p.out),
				progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(p.throttle),
				progressbar.OptionClearOnFinish(),
			)
		}
	}
	p.done[resource]++
	p.records += records
	p.total[resource] = max(p.total[resource], totalPages, p.done[resource])
	if p.bar != nil {
		known, done := 0, 0
		for r, n := range p.total {
			known += n
			done += p.done[r]
		}
		p.bar.ChangeMax(known)
		p.bar.Describe(fmt.Sprintf("%-8s %9d records", source, p.records))
		_ = p.bar.Set(done)
		return
	}
	if d := p.done[resource]; totalPages >= 20 && d%(totalPages/10) == 0 {
		p.log.Info("progress", "source", source, "resource", resource, "pages", d, "of", totalPages)
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
