package testkit

import (
	"bytes"
	"sync"
)

// SyncBuffer collects output, typically a slog handler's, written from several goroutines: a
// bare bytes.Buffer would race when the clients log from their workers. The zero value is an
// empty buffer ready to use.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
