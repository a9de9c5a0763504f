package main

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows landed pages. Listings run concurrently (both APIs, several resources each),
// so a terminal gets one bar over the pages known so far (a listing's total is known from its
// first page) and the records per source; without a terminal, a log line per tenth of a long
// listing.
type progress struct {
	mu       sync.Mutex
	terminal bool
	out      io.Writer
	log      *slog.Logger
	throttle time.Duration // between redraws
	bar      *progressbar.ProgressBar
	done     map[string]int // pages landed per "source resource"
	total    map[string]int // pages known per "source resource"
	records  map[string]int // records per source
}

func newProgress(e *env, log *slog.Logger) *progress {
	return &progress{terminal: e.terminal, out: e.stderr, log: log, throttle: 100 * time.Millisecond,
		done: map[string]int{}, total: map[string]int{}, records: map[string]int{}}
}

func (p *progress) Page(source, resource string, seq, totalPages, records int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := source + " " + resource
	p.done[key]++
	p.records[source] += records
	p.total[key] = max(p.total[key], totalPages, p.done[key])
	if !p.terminal {
		if d := p.done[key]; totalPages >= 20 && d%(totalPages/10) == 0 {
			p.log.Info("progress", "source", source, "resource", resource, "pages", d, "of", totalPages)
		}
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(1,
			progressbar.OptionSetWriter(p.out),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(p.throttle),
			progressbar.OptionClearOnFinish(),
		)
	}
	known, done := 0, 0
	for k, n := range p.total {
		known += n
		done += p.done[k]
	}
	desc := ""
	for _, src := range []string{"harvest", "runn"} {
		if n, ok := p.records[src]; ok {
			desc += fmt.Sprintf("%s %d records  ", src, n)
		}
	}
	p.bar.ChangeMax(known)
	p.bar.Describe(desc)
	_ = p.bar.Set(done)
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
