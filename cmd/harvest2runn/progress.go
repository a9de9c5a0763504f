package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/harvest2runn/harvest2runn/transform"
)

// statusLine is one line of progress on a terminal, redrawn in place (carriage return, erase to
// the end of the line) at most once per throttle, and erased when the stage is done.
type statusLine struct {
	out      io.Writer
	throttle time.Duration
	now      func() time.Time
	last     time.Time
	drawn    bool
}

// draw shows text unless the line was drawn less than throttle ago (force: draw anyway).
func (s *statusLine) draw(text string, force bool) {
	if t := s.now(); force || !s.drawn || t.Sub(s.last) >= s.throttle {
		fmt.Fprintf(s.out, "\r%s\x1b[K", text)
		s.last, s.drawn = t, true
	}
}

// clear erases the line, leaving the cursor where the next output starts.
func (s *statusLine) clear() {
	if s.drawn {
		fmt.Fprint(s.out, "\r\x1b[K")
		s.drawn = false
	}
}

// progress shows an extract's landed pages. Listings run concurrently (both APIs, several
// resources each), so a terminal gets one line with, per source, the listing that landed a page
// last with its pages out of the total the API announced (Harvest does; Runn's cursor pages do
// not), and the pages and records of the source so far; without a terminal, a log line per tenth
// of a long listing.
type progress struct {
	mu       sync.Mutex
	terminal bool
	log      *slog.Logger
	line     statusLine
	done     map[string]int    // pages landed per "source resource"
	total    map[string]int    // pages announced per "source resource" (0: not announced)
	latest   map[string]string // the resource of each source's latest page
	records  map[string]int    // records per source
}

func newProgress(e *env, log *slog.Logger) *progress {
	return &progress{terminal: e.terminal, log: log, line: statusLine{out: e.stderr, throttle: 100 * time.Millisecond, now: time.Now},
		done: map[string]int{}, total: map[string]int{}, latest: map[string]string{}, records: map[string]int{}}
}

func (p *progress) Page(source, resource string, seq, totalPages, records int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := source + " " + resource
	p.done[key]++
	p.records[source] += records
	p.total[key] = max(p.total[key], totalPages)
	// A source's first page is always drawn, so that each source shows up however fast the
	// pages come.
	_, seen := p.latest[source]
	p.latest[source] = resource
	if !p.terminal {
		if d := p.done[key]; totalPages >= 20 && d%(totalPages/10) == 0 {
			p.log.Info("progress", "source", source, "resource", resource, "pages", d, "of", totalPages)
		}
		return
	}
	p.line.draw("extract "+p.describe(), !seen)
}

// describe is the line's text: per source, its latest listing's pages (of the announced total)
// and the source's pages and records so far.
func (p *progress) describe() string {
	var parts []string
	for _, src := range []string{"harvest", "runn"} {
		res, ok := p.latest[src]
		if !ok {
			continue
		}
		key := src + " " + res
		listing := fmt.Sprintf("%s page %d", res, p.done[key])
		if t := p.total[key]; t > 0 {
			listing = fmt.Sprintf("%s %d/%d pages", res, p.done[key], t)
		}
		pages := 0
		for k, n := range p.done {
			if strings.HasPrefix(k, src+" ") {
				pages += n
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %s (%d pages, %d records)", src, listing, pages, p.records[src]))
	}
	return strings.Join(parts, " | ")
}

// Close erases the line.
func (p *progress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line.clear()
}

// transformProgress shows, on a terminal, the transform's models as they run: the model
// running and how many of the run's models are done. Not on a terminal it shows nothing (the
// transform logs each model at debug level).
type transformProgress struct {
	mu   sync.Mutex
	line statusLine
}

func newTransformProgress(e *env) *transformProgress {
	return &transformProgress{line: statusLine{out: e.stderr, throttle: 100 * time.Millisecond, now: time.Now}}
}

func (t *transformProgress) update(m transform.ModelProgress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m.Done >= m.Total {
		t.line.clear()
		return
	}
	t.line.draw(fmt.Sprintf("transform %d/%d models, running %s", m.Done, m.Total, m.Model), m.Done == 0)
}
