package harvesttest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind is what goes wrong.
type FaultKind int

const (
	// ServerError answers Fault.Status (default 500; any 5xx). 500 comes with a JSON body,
	// 502/503/504 with the HTML page a load balancer sends.
	ServerError FaultKind = iota + 1
	// RateLimited answers 429 with Retry-After: Fault.Delay in whole seconds, rounded up
	// (default 1), whatever the rate limiter thinks.
	RateLimited
	// Delay sleeps Fault.Delay (for real), then answers normally. The sleep ends early when the
	// client gives up or the server closes.
	Delay
	// TruncatedBody sends the headers with the full Content-Length, then half the body, then
	// closes the connection.
	TruncatedBody
	// ResetConnection closes the connection (with a TCP reset) without answering. Note that
	// net/http's Transport silently retries an idempotent request once when a reused
	// connection dies before any answer: use Times of 2 or more to be seen by such a client.
	ResetConnection
	// MalformedJSON answers 200 with the first half of the real body, complete as far as HTTP
	// goes but not JSON.
	MalformedJSON
	// WrongEnvelope answers 200 with the real envelope minus its records key: valid JSON that
	// is not a page.
	WrongEnvelope
	// ShiftRecords lets Fault.AfterPages matching requests through, then, before each of the
	// next Times matching listing requests, inserts a copy of the listing's first record (same
	// filters match it, new id, created now) at the front. A page-number walk then sees the
	// record that ended one page again at the start of the next, which is what the real API
	// does when data changes while a client pages; a cursor walk is unaffected.
	ShiftRecords
)

func (k FaultKind) String() string {
	switch k {
	case ServerError:
		return "ServerError"
	case RateLimited:
		return "RateLimited"
	case Delay:
		return "Delay"
	case TruncatedBody:
		return "TruncatedBody"
	case ResetConnection:
		return "ResetConnection"
	case MalformedJSON:
		return "MalformedJSON"
	case WrongEnvelope:
		return "WrongEnvelope"
	case ShiftRecords:
		return "ShiftRecords"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault is a failure to inject into the next matching requests. Faults apply after the
// headers are checked and the rate limit is counted, in the order they were injected: a
// request gets the first pending fault that matches it.
type Fault struct {
	PathPrefix string        // matched against the URL path, e.g. "/v2/time_entries"; "" matches all
	Kind       FaultKind     //
	Times      int           // how many matching requests get it; 0 means 1
	Status     int           // ServerError only
	Delay      time.Duration // Delay: the sleep; RateLimited: the Retry-After
	AfterPages int           // ShiftRecords only: matching requests served untouched first
}

type pendingFault struct {
	Fault
	left   int
	passed int
}

type faultQueue struct {
	mu      sync.Mutex
	pending []*pendingFault
}

func (q *faultQueue) add(f Fault) {
	if f.Kind < ServerError || f.Kind > ShiftRecords {
		panic(fmt.Sprintf("harvesttest: InjectFault: unknown kind %v", f.Kind))
	}
	if f.Kind == ServerError && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if f.Kind == ServerError && (f.Status < 500 || f.Status > 599) {
		panic(fmt.Sprintf("harvesttest: InjectFault: ServerError needs a 5xx Status, not %d", f.Status))
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, &pendingFault{Fault: f, left: max(f.Times, 1)})
}

// take returns the fault the request for path gets, if any.
func (q *faultQueue) take(path string) (Fault, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, p := range q.pending {
		if !strings.HasPrefix(path, p.PathPrefix) {
			continue
		}
		if p.Kind == ShiftRecords && p.passed < p.AfterPages {
			p.passed++
			continue
		}
		p.left--
		if p.left == 0 {
			q.pending = append(q.pending[:i], q.pending[i+1:]...)
		}
		return p.Fault, true
	}
	return Fault{}, false
}

// faultBefore applies the part of f that comes before the request is routed, and reports
// whether it answered (or cut) the request.
func (s *Server) faultBefore(w *statusWriter, r *http.Request, f Fault) bool {
	switch f.Kind {
	case ServerError:
		serverErrorResponse(f.Status).write(w)
		return true
	case RateLimited:
		tooManyRequests(retryAfterSeconds(f.Delay)).write(w)
		return true
	case ResetConnection:
		w.reportOnce(0) // before the client can see the connection go
		resetConnection(w)
		return true
	case Delay:
		s.sleep(r.Context(), f.Delay)
	case ShiftRecords:
		s.shiftRecords(r)
	}
	return false
}

// faultAfter spoils the routed answer resp as f says, and reports whether it has already
// written it.
func faultAfter(w http.ResponseWriter, r *http.Request, f Fault, resp *response) bool {
	switch f.Kind {
	case TruncatedBody:
		writeTruncated(w, *resp)
		return true
	case MalformedJSON:
		resp.body = resp.body[:len(resp.body)/2]
		resp.status = http.StatusOK
	case WrongEnvelope:
		resp.body = withoutKey(resp.body, listingName(r.URL.Path))
		resp.status = http.StatusOK
	}
	return false
}

// serverErrorResponse is what a 5xx looks like: the application's JSON for 500, a proxy's
// HTML page for the gateway errors.
func serverErrorResponse(status int) response {
	if status == http.StatusInternalServerError {
		return jsonResponse(status, map[string]any{"status": status, "error": http.StatusText(status)})
	}
	page := fmt.Sprintf("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n",
		status, http.StatusText(status), status, http.StatusText(status))
	return response{status: status, contentType: "text/html", body: []byte(page)}
}

// writeTruncated promises the whole body and sends half, then drops the connection.
func writeTruncated(w http.ResponseWriter, resp response) {
	h := w.Header()
	h.Set("Content-Type", resp.contentType)
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	w.Write(resp.body[:len(resp.body)/2])
	http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler) // net/http closes the connection and logs nothing
}

// resetConnection closes the client's connection with a TCP reset and sends nothing.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0) // Close then sends RST instead of FIN
	}
	conn.Close()
}

// withoutKey re-encodes a JSON object without one of its keys.
func withoutKey(body []byte, key string) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return []byte(`{}`)
	}
	delete(m, key)
	out, _ := json.Marshal(m) // raw messages of a decoded object always encode
	return out
}

func (q *faultQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}
