package runntest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/runn"
)

func TestNewServerOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string // substring of the error; empty: no error
	}{
		{"token required", Options{}, "Options.Token is required"},
		{"today must be a date", Options{Token: "s3cret-tok", Today: "10/07/2025"}, "Options.Today"},
		{"window must be positive", Options{Token: "s3cret-tok", RateWindow: -time.Second}, "Options.RateWindow"},
		{"latency must not be negative", Options{Token: "s3cret-tok", Latency: -time.Second}, "Options.Latency"},
		{"missing spec", Options{Token: "s3cret-tok", SpecPath: "testdata/no-such-spec.json"}, "loading Runn spec"},
		{"spec path relative to the package", Options{Token: "s3cret-tok", SpecPath: "runn-openapi.json"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewServer(nil, tt.opts)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("NewServer: %v", err)
				}
				s.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret-tok") {
				t.Errorf("error %q shows the token", err)
			}
		})
	}
}

func TestLatencyIsAddedToEveryRequest(t *testing.T) {
	const latency = 20 * time.Millisecond
	s, _ := startServer(t, testSeed(), Options{Latency: latency})
	start := time.Now()
	for range 2 {
		if r := do(t, s, "GET", "/me/", nil); r.status != http.StatusOK {
			t.Fatal(r.status)
		}
	}
	if elapsed := time.Since(start); elapsed < 2*latency {
		t.Errorf("two requests took %v, want at least %v", elapsed, 2*latency)
	}
}

// TestAnswersDeclareTheirLength: like Fastify, the fake sends each answer's length, which the
// client uses to read a page into one buffer.
func TestAnswersDeclareTheirLength(t *testing.T) {
	seed := testSeed()
	for i := range int64(200) { // a page larger than net/http's own buffer, which it would measure
		seed.People = append(seed.People, runn.Person{ID: 9_000 + i, FirstName: "Many", LastName: fmt.Sprint(i),
			CreatedAt: ts("2026-01-05T09:00:00Z"), UpdatedAt: ts("2026-01-05T09:00:00Z")})
	}
	s, _ := startServer(t, seed, Options{})
	for _, path := range []string{"/people/?limit=200", "/people/?limit=0", "/nowhere/"} {
		r := do(t, s, "GET", path, nil)
		if got, want := r.header.Get("Content-Length"), strconv.Itoa(len(r.body)); got != want {
			t.Errorf("GET %s (%d): Content-Length %q, want %s", path, r.status, got, want)
		}
	}
}

func TestCloseCutsShortADelay(t *testing.T) {
	s, err := NewServer(testSeed(), Options{Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFault(Fault{Kind: Delay, Delay: time.Minute})
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.URL()+"/me/", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Accept-Version", "1.0.0")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); len(s.Requests()) == 0 || s.Requests()[0].Fault != Delay; {
		if time.Now().After(deadline) {
			t.Fatal("the delayed request never arrived")
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	s.Close()
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Close took %v", elapsed)
	}
	if err := <-done; err == nil {
		t.Error("the delayed request got an answer, want a dropped connection")
	}
	s.Close() // twice is fine
}
