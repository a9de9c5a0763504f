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

	// The kinds below answer 200 with a valid envelope whose records or counts are wrong, the
	// way an API misbehaves during an incident (R17 a). They place the request in its listing
	// by position: the page parameter for page-numbered requests (no page is page 1), and for
	// cursor requests one more than the matching requests this fault has seen. Requests they
	// leave alone do not use up Times (0 means 1, as for every kind); give a large Times, such
	// as EveryRequest, to keep a listing broken for a whole walk and its retries.

	// EmptyPage answers the listing page at position AfterPages+1 (the first page by default)
	// with its real envelope but no records: the counts and links.next stay as announced, so
	// the walk could go on past a hole in the middle of the listing.
	EmptyPage
	// CutShort ends the listing after its first AfterPages pages while every page still
	// announces the full total_entries and total_pages: the page at position AfterPages keeps
	// its records but gets links.next null, and every later page comes back empty with
	// links.next null. With AfterPages 0, page 1 is already empty. For a page-numbered listing
	// of P pages cut after page k, P-k+1 requests are altered (page k and the ones after it).
	CutShort
	// PhantomPages makes every matching page announce TotalPages pages (and TotalEntries
	// entries when set; else the real count), with links.next and next_page going on to the
	// next page number up to TotalPages; pages past the real ones come back empty. With
	// TotalEntries set to TotalPages × per_page the counts agree with each other, and only the
	// empty pages give the listing away.
	PhantomPages
	// EmptyListing answers as if the listing held nothing: no records, total_entries 0,
	// total_pages 0, page 1, links.next null. A self-consistent answer, as when the account
	// really is empty: only a comparison with an earlier extract can tell (R17 b).
	EmptyListing
	// NullField sends Field (a key of the records, such as "hours") as null in the first
	// record of every page it alters: a record that breaks the documented shape.
	NullField
)

// EveryRequest as a Fault's Times keeps it for the rest of the server's life.
const EveryRequest = 1<<31 - 1

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
	case EmptyPage:
		return "EmptyPage"
	case CutShort:
		return "CutShort"
	case PhantomPages:
		return "PhantomPages"
	case EmptyListing:
		return "EmptyListing"
	case NullField:
		return "NullField"
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
	AfterPages int           // ShiftRecords: matching requests served untouched first; EmptyPage, CutShort: pages
	// PhantomPages only: the total_pages every page announces, and the total_entries when
	// not 0.
	TotalPages, TotalEntries int
	Field                    string // NullField only: the record key sent as null
}

type pendingFault struct {
	Fault
	left   int
	passed int
	seen   int // matching requests, for the position of cursor requests
}

// takenFault is a fault a request got, and the request's position in its listing.
type takenFault struct {
	Fault
	pos int
}

type faultQueue struct {
	mu      sync.Mutex
	pending []*pendingFault
}

func (q *faultQueue) add(f Fault) {
	if f.Kind < ServerError || f.Kind > NullField {
		panic(fmt.Sprintf("harvesttest: InjectFault: unknown kind %v", f.Kind))
	}
	if f.Kind == ServerError && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if f.Kind == ServerError && (f.Status < 500 || f.Status > 599) {
		panic(fmt.Sprintf("harvesttest: InjectFault: ServerError needs a 5xx Status, not %d", f.Status))
	}
	if f.Kind == NullField && f.Field == "" {
		panic("harvesttest: InjectFault: NullField needs Field")
	}
	if f.Kind == PhantomPages && f.TotalPages < 1 {
		panic("harvesttest: InjectFault: PhantomPages needs TotalPages")
	}
	if f.AfterPages < 0 || f.TotalPages < 0 || f.TotalEntries < 0 {
		panic("harvesttest: InjectFault: AfterPages, TotalPages and TotalEntries must not be negative")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, &pendingFault{Fault: f, left: max(f.Times, 1)})
}

// take returns the fault the request r gets, if any.
func (q *faultQueue) take(r *http.Request) (takenFault, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, p := range q.pending {
		if !strings.HasPrefix(r.URL.Path, p.PathPrefix) {
			continue
		}
		pos := position(r, p.seen)
		p.seen++
		switch p.Kind {
		case ShiftRecords:
			if p.passed < p.AfterPages {
				p.passed++
				continue
			}
		case EmptyPage:
			if pos != p.AfterPages+1 {
				continue
			}
		case CutShort:
			if pos < p.AfterPages {
				continue
			}
		}
		p.left--
		if p.left == 0 {
			q.pending = append(q.pending[:i], q.pending[i+1:]...)
		}
		return takenFault{Fault: p.Fault, pos: pos}, true
	}
	return takenFault{}, false
}

// position is r's page in its listing: the page parameter, 1 without one, and for a cursor
// request one more than the seen requests before it.
func position(r *http.Request, seen int) int {
	q := r.URL.Query()
	if q.Has("cursor") {
		return seen + 1
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n >= 1 {
		return n
	}
	return 1
}

// faultBefore applies the part of f that comes before the request is routed, and reports
// whether it answered (or cut) the request.
func (s *Server) faultBefore(w *statusWriter, r *http.Request, f takenFault) bool {
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
func (s *Server) faultAfter(w http.ResponseWriter, r *http.Request, f takenFault, resp *response) bool {
	switch f.Kind {
	case EmptyPage, CutShort, PhantomPages, EmptyListing, NullField:
		if resp.status == http.StatusOK && listingName(r.URL.Path) != "" {
			resp.body = s.reshape(r, f, resp.body)
		}
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

// reshape rewrites a listing page's envelope as the R17 kinds of f say. Keys come out sorted,
// which JSON readers do not mind.
func (s *Server) reshape(r *http.Request, f takenFault, body []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	var links map[string]json.RawMessage
	if json.Unmarshal(m["links"], &links) != nil {
		links = map[string]json.RawMessage{}
	}
	null := json.RawMessage("null")
	key := listingName(r.URL.Path)
	set := func(k string, v any) { m[k] = mustJSON(v) }
	switch f.Kind {
	case EmptyPage:
		m[key] = json.RawMessage("[]")
	case CutShort:
		if f.pos > f.AfterPages {
			m[key] = json.RawMessage("[]")
		}
		links["next"], m["next_page"] = null, null
	case PhantomPages:
		set("total_pages", f.TotalPages)
		if f.TotalEntries > 0 {
			set("total_entries", f.TotalEntries)
		}
		links["last"] = mustJSON(s.pageLink(r, f.TotalPages))
		if f.pos < f.TotalPages {
			links["next"], m["next_page"] = mustJSON(s.pageLink(r, f.pos+1)), mustJSON(f.pos+1)
		} else {
			links["next"], m["next_page"] = null, null
		}
	case NullField:
		var recs []map[string]json.RawMessage
		if json.Unmarshal(m[key], &recs) == nil && len(recs) > 0 {
			recs[0][f.Field] = null
			m[key] = mustJSON(recs)
		}
	case EmptyListing:
		m[key] = json.RawMessage("[]")
		set("total_pages", 0)
		set("total_entries", 0)
		set("page", 1)
		m["next_page"], m["previous_page"] = null, null
		links["next"], links["previous"] = null, null
		links["first"], links["last"] = mustJSON(s.pageLink(r, 1)), mustJSON(s.pageLink(r, 1))
	}
	m["links"] = mustJSON(links)
	return mustJSON(m)
}

// pageLink is r's listing URL asking for page n by number.
func (s *Server) pageLink(r *http.Request, n int) string {
	q := r.URL.Query()
	q.Del("cursor")
	q.Del("ref")
	q.Set("page", strconv.Itoa(n))
	return s.base + r.URL.Path + "?" + q.Encode()
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("harvesttest: encoding an envelope: " + err.Error())
	}
	return b
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
