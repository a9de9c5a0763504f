package runntest

import (
	"net/http"
	"slices"
	"time"
)

// Request is one request the fake received, for counting and asserting on traffic. Headers
// and bodies are not kept: the Authorization header holds the token.
type Request struct {
	Method string
	Path   string
	// Query is the raw query string.
	Query string
	// Status answered; 0 when the connection was dropped without an answer.
	Status int
	// Fault that struck the request; 0 (none) otherwise.
	Fault FaultKind
	// Time the request arrived, on the fake's clock.
	Time time.Time
}

// Requests returns every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return slices.Clone(s.requests)
}

// beginRequest logs a request on arrival, so that the log is in arrival order even when
// answers finish out of order, and returns its index for endRequest.
func (s *Server) beginRequest(r Request) int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.requests = append(s.requests, r)
	return len(s.requests) - 1
}

// logStatus fills in a logged request's status before the answer leaves, so a client that
// has its answer finds the log complete. (Faults are logged when taken, before any drop.)
func (s *Server) logStatus(i, status int) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.requests[i].Status = status
}

// statusWriter reports the status to the request log before writing it.
type statusWriter struct {
	http.ResponseWriter
	wrote    bool
	onStatus func(int)
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.onStatus(status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (to drop it for faults).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
