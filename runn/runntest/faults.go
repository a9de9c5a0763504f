package runntest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a kind of failure the fake can be told to produce.
type FaultKind int

const (
	// ServerError answers Fault.Status (default 500) with an error body; nothing is applied.
	ServerError FaultKind = iota + 1
	// Delay waits Fault.Delay (real time), then handles the request normally.
	Delay
	// ResetConnection resets the connection without answering; nothing is applied.
	ResetConnection
	// LostResponse applies the request, then closes the connection without answering: the
	// client cannot know the write happened.
	LostResponse
	// PartialBulk applies the first Fault.ApplyItems items of a POST /actuals/bulk/ call,
	// then answers 500. It matches only that operation.
	PartialBulk
	// Redirect answers Fault.Status (default 302; 301, 307 and 308 are the usual others) with
	// the header "Location: Fault.Location" (none when empty) and no body; nothing is applied.
	// A proxy or a wrong base URL answers like this; a client must not follow it.
	Redirect
	// EmptyListing answers a list operation (GET /clients/, /people/, ...) with a valid empty
	// last page, {"values":[],"nextCursor":null}, whatever the fake holds: a self-consistent
	// but wrong answer, as a misbehaving API gives during an incident. It matches only GETs of
	// list operations.
	EmptyListing
	// CreateAnswer applies the create when Fault.Apply is true (not at all otherwise) and
	// answers 201 with Fault.Body as it is (e.g. `{}`, or another record's JSON), whatever
	// was created. When applying it is refused (400, 404), that refusal is answered instead. It
	// matches only POSTs of create operations (clients, projects, people, roles, actuals).
	CreateAnswer
)

func (k FaultKind) String() string {
	switch k {
	case 0:
		return "none"
	case ServerError:
		return "ServerError"
	case Delay:
		return "Delay"
	case ResetConnection:
		return "ResetConnection"
	case LostResponse:
		return "LostResponse"
	case PartialBulk:
		return "PartialBulk"
	case Redirect:
		return "Redirect"
	case EmptyListing:
		return "EmptyListing"
	case CreateAnswer:
		return "CreateAnswer"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault makes the next Times requests (default 1) whose method is Method (any when empty)
// and whose path starts with PathPrefix fail as Kind says. Faults strike requests that
// passed rate limiting, routing, authentication and validation, so each one consumed is
// exactly one operation that would otherwise have run. Faults are used in the order they
// were injected.
//
// Go's http.Transport silently retries an idempotent request (GET) that fails on a reused
// connection, so a ResetConnection or LostResponse on a GET may be seen by the client only
// as a second request; POSTs are never retried.
type Fault struct {
	Method     string
	PathPrefix string
	Kind       FaultKind
	Times      int
	// Status of a ServerError answer; default 500.
	Status int
	// Delay of a Delay fault.
	Delay time.Duration
	// ApplyItems of a PartialBulk fault: how many leading items are applied.
	ApplyItems int
	// Location of a Redirect fault: the target it names, as the test gives it.
	Location string
	// Apply of a CreateAnswer fault: whether the create is applied.
	Apply bool
	// Body of a CreateAnswer fault: the answer's body, sent as it is.
	Body []byte
}

func (f *Fault) matches(method, path string, op *operation) bool {
	switch f.Kind {
	case PartialBulk:
		if method != http.MethodPost || path != bulkActualsPath {
			return false
		}
	case EmptyListing:
		if method != http.MethodGet || !strings.HasPrefix(op.id, "list") {
			return false
		}
	case CreateAnswer:
		if method != http.MethodPost || !strings.HasPrefix(op.id, "create") {
			return false
		}
	}
	return (f.Method == "" || strings.EqualFold(f.Method, method)) && strings.HasPrefix(path, f.PathPrefix)
}

// takeFault returns the first pending fault matching the request to op, counts one use of it
// and notes it in the request log.
func (s *Server) takeFault(method, path string, op *operation, logIndex int) (Fault, bool) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if !f.matches(method, path, op) {
			continue
		}
		taken := *f
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		s.requests[logIndex].Fault = taken.Kind
		return taken, true
	}
	return Fault{}, false
}

// InjectFault queues f.
func (s *Server) InjectFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	if f.Kind == ServerError && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if f.Kind == Redirect && f.Status == 0 {
		f.Status = http.StatusFound
	}
	f.Body = slices.Clone(f.Body)
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.faults = append(s.faults, f)
}
