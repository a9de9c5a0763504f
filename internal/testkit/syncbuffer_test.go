package testkit

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// TestSyncBufferConcurrentLogs: every line logged from several goroutines arrives whole (run
// with -race to also catch unguarded access).
func TestSyncBufferConcurrentLogs(t *testing.T) {
	const workers, each = 8, 50
	var buf SyncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				log.Info("line", "worker", w, "i", i)
			}
		})
	}
	wg.Wait()
	out := buf.String()
	if got := strings.Count(out, "\n"); got != workers*each {
		t.Fatalf("%d lines, want %d", got, workers*each)
	}
	for w := range workers {
		for i := range each {
			if want := fmt.Sprintf("msg=line worker=%d i=%d\n", w, i); !strings.Contains(out, want) {
				t.Fatalf("line %q missing or broken in:\n%s", want, out)
			}
		}
	}
}

func TestSyncBufferString(t *testing.T) {
	var buf SyncBuffer
	if got := buf.String(); got != "" {
		t.Errorf("zero value String() = %q, want empty", got)
	}
	for _, s := range []string{"abc", "", "def\n"} {
		if n, err := buf.Write([]byte(s)); n != len(s) || err != nil {
			t.Errorf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := buf.String(); got != "abcdef\n" {
		t.Errorf("String() = %q, want %q", got, "abcdef\n")
	}
}
