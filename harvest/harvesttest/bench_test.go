package harvesttest

import (
	"io"
	"net/http"
	"strconv"
	"testing"
)

// The benchmarks use a fifth of the benchmark account (200,000 entries) to stay short; run
// them with -bench . -benchtime 2s. On the full account (2,000 users, 10,000 projects,
// 1,000,000 entries) Generate takes about 2 s and 330 MB, and a 2,000-entry page about 5 ms.

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate(GenerateOptions{Seed: 1, People: 400, Clients: 60, Projects: 2000, TimeEntries: 200_000})
	}
}

func benchServer(b *testing.B) *Server {
	acct := Generate(GenerateOptions{Seed: 1, People: 400, Clients: 60, Projects: 2000, TimeEntries: 200_000})
	return newTestServer(b, acct, Options{})
}

func BenchmarkTimeEntriesPage(b *testing.B) {
	s := benchServer(b)
	b.ResetTimer()
	page := 0
	for b.Loop() {
		page = page%100 + 1
		n := benchGet(b, s.URL()+"/v2/time_entries?page="+strconv.Itoa(page))
		b.SetBytes(n)
	}
}

func BenchmarkTimeEntriesPageParallel(b *testing.B) {
	s := benchServer(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		page := 0
		for pb.Next() {
			page = page%100 + 1
			benchGet(b, s.URL()+"/v2/time_entries?updated_since=2025-01-01T00:00:00Z&page="+strconv.Itoa(page))
		}
	})
}

func benchGet(b *testing.B, url string) int64 {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header = goodHeaders()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Errorf("GET %s: status %d, %v", url, resp.StatusCode, err)
	}
	return n
}

// BenchmarkAppendTimeEntry isolates the hand-written encoder from HTTP: every page of a
// million-entry account goes through it, so it must stay allocation-free (0 allocs/op with
// a buffer that has grown) and as fast as it is.
func BenchmarkAppendTimeEntry(b *testing.B) {
	entries := Generate(GenerateOptions{Seed: 1, TimeEntries: 2000}).TimeEntries
	var buf []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = appendTimeEntry(buf[:0], &entries[i%len(entries)])
		i++
	}
	b.SetBytes(int64(len(buf)))
}
