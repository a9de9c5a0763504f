package harvesttest

import (
	"slices"
	"sync"
	"time"
)

// Request is one request the server received, as logged for tests that count calls. Headers
// are not kept: they carry the token.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Status   int       // 0 when the connection was cut without an answer
	Time     time.Time // arrival, by the server's clock
}

type requestLog struct {
	mu   sync.Mutex
	reqs []Request
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

func (l *requestLog) all() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}
