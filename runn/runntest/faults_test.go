package runntest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/harvest2runn/harvest2runn/runn"
)

// post sends a POST with a plain http.Client and returns the error the client sees, if any.
func post(t *testing.T, s *Server, path string, body any) (*http.Response, []byte, error) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", s.URL()+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Accept-Version", "1.0.0")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestServerErrorFault(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/clients/", Kind: ServerError, Status: http.StatusServiceUnavailable})
	resp, body, err := post(t, s, "/clients/", map[string]any{"name": "Lost"})
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %v %v, want 503", resp, err)
	}
	var e runn.ErrorBody
	if json.Unmarshal(body, &e) != nil || e.StatusCode != 503 || e.Error != "Service Unavailable" {
		t.Errorf("body %s", body)
	}
	if n := len(s.State().Clients); n != 2 {
		t.Errorf("%d clients, want 2: a ServerError applies nothing", n)
	}
	// Used up: the next request goes through.
	if resp, _, err := post(t, s, "/clients/", map[string]any{"name": "Found"}); err != nil || resp.StatusCode != http.StatusCreated {
		t.Errorf("after the fault: %v %v, want 201", resp, err)
	}
}

func TestDelayFault(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	const delay = 30 * time.Millisecond
	s.InjectFault(Fault{Kind: Delay, Delay: delay})
	start := time.Now()
	r := do(t, s, "GET", "/me/", nil)
	if elapsed := time.Since(start); r.status != http.StatusOK || elapsed < delay {
		t.Errorf("status %d after %v, want 200 after at least %v", r.status, elapsed, delay)
	}
}

func TestResetConnectionFault(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/actuals/", Kind: ResetConnection})
	if _, _, err := post(t, s, "/actuals/", actualBody(map[string]any{"date": "2025-07-01"})); err == nil {
		t.Fatal("the client got an answer, want a broken connection")
	}
	if n := len(s.State().Actuals); n != 3 {
		t.Errorf("%d actuals, want 3: a reset applies nothing", n)
	}
}

func TestLostResponseFault(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/people/", Kind: LostResponse})
	_, _, err := post(t, s, "/people/", map[string]any{"firstName": "Ghost", "lastName": "Writer", "roleId": 21877})
	if err == nil {
		t.Fatal("the client got an answer, want a broken connection")
	}
	st := s.State()
	if len(st.People) != 3 || st.People[2].FirstName != "Ghost" || len(st.Contracts) != 3 {
		t.Errorf("the write was not applied: %d people, %d contracts", len(st.People), len(st.Contracts))
	}
	reqs := s.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 || last.Fault != LostResponse || last.Path != "/people/" {
		t.Errorf("request log %+v", last)
	}
}

func TestPartialBulkFault(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	s.InjectFault(Fault{Kind: PartialBulk, ApplyItems: 2})
	// PartialBulk matches only the bulk endpoint: this single create is untouched.
	if resp, _, err := post(t, s, "/actuals/", actualBody(map[string]any{"date": "2025-06-01"})); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("single create: %v %v", resp, err)
	}
	items := []any{
		actualBody(map[string]any{"date": "2025-07-01"}),
		actualBody(map[string]any{"date": "2025-07-02"}),
		actualBody(map[string]any{"date": "2025-07-03"}),
	}
	resp, body, err := post(t, s, "/actuals/bulk/", map[string]any{"actuals": items})
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("bulk: %v %v %s, want 500", resp, err, body)
	}
	var dates []string
	for _, a := range s.State().Actuals {
		dates = append(dates, a.Date)
	}
	if len(dates) != 6 || dates[4] != "2025-07-01" || dates[5] != "2025-07-02" {
		t.Errorf("dates held %v, want the seed, 2025-06-01 and the first two items", dates)
	}
}

func TestFaultMatchingAndTimes(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	s.InjectFault(Fault{Method: "GET", PathPrefix: "/people/", Kind: ServerError, Times: 2})
	s.InjectFault(Fault{Kind: ServerError, Status: 502})
	steps := []struct {
		path string
		want int
	}{
		{"/roles/", 502},   // only the catch-all matches; used up
		{"/people/", 500},  // first of two
		{"/roles/", 200},   // nothing left for it
		{"/people/1", 500}, // second of two
		{"/people/", 200},  // used up
		{"/nowhere/", 404}, // faults strike only requests reaching an operation
	}
	for i, st := range steps {
		if r := do(t, s, "GET", st.path, nil); r.status != st.want {
			t.Errorf("step %d GET %s: %d, want %d", i, st.path, r.status, st.want)
		}
	}
	var faults []FaultKind
	for _, r := range s.Requests() {
		faults = append(faults, r.Fault)
	}
	want := []FaultKind{ServerError, ServerError, 0, ServerError, 0, 0}
	for i := range want {
		if faults[i] != want[i] {
			t.Errorf("request log faults %v, want %v", faults, want)
			break
		}
	}
}

func TestRequestLog(t *testing.T) {
	s, clock := startServer(t, testSeed(), Options{})
	do(t, s, "GET", "/actuals/?limit=2&personId=880451", nil)
	clock.Advance(time.Second)
	do(t, s, "POST", "/roles/", map[string]any{"name": "Drafter"})
	do(t, s, "GET", "/me/", nil, "Authorization", "")
	got := s.Requests()
	want := []Request{
		{Method: "GET", Path: "/actuals/", Query: "limit=2&personId=880451", Status: 200, Time: newFakeClock().Now()},
		{Method: "POST", Path: "/roles/", Status: 201, Time: newFakeClock().Now().Add(time.Second)},
		{Method: "GET", Path: "/me/", Status: 401, Time: newFakeClock().Now().Add(time.Second)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request log (-want +got):\n%s", diff)
	}
}

// noFollow sends a request as do does, with a client that follows no redirect.
func noFollow(t *testing.T, s *Server, method, path, body string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Accept-Version", "1.0.0")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestRedirectFault (R17): the fake answers a redirect to where the test says, applies
// nothing, and only to requests that passed validation.
func TestRedirectFault(t *testing.T) {
	for _, tc := range []struct {
		status, want int
		location     string
	}{
		{0, http.StatusFound, "http://127.0.0.1:1/clients/73015"},
		{http.StatusMovedPermanently, http.StatusMovedPermanently, "/clients/73016"},
		{http.StatusTemporaryRedirect, http.StatusTemporaryRedirect, "https://elsewhere.example/clients/"},
		{http.StatusPermanentRedirect, http.StatusPermanentRedirect, ""},
	} {
		t.Run(http.StatusText(tc.want), func(t *testing.T) {
			s, _ := startServer(t, testSeed(), Options{})
			s.InjectFault(Fault{Method: "POST", PathPrefix: "/clients/", Kind: Redirect, Status: tc.status, Location: tc.location})
			// Refused by validation (no name): the fault waits for a request that reaches the operation.
			if r := noFollow(t, s, "POST", "/clients/", `{}`); r.StatusCode != http.StatusBadRequest {
				t.Fatalf("an invalid create: %d, want 400", r.StatusCode)
			}
			r := noFollow(t, s, "POST", "/clients/", `{"name":"Redirected"}`)
			if r.StatusCode != tc.want || r.Header.Get("Location") != tc.location {
				t.Fatalf("got %d Location %q, want %d Location %q", r.StatusCode, r.Header.Get("Location"), tc.want, tc.location)
			}
			if n := len(s.State().Clients); n != 2 {
				t.Errorf("%d clients, want 2: a Redirect applies nothing", n)
			}
			if reqs := s.Requests(); reqs[1].Fault != Redirect || reqs[1].Status != tc.want {
				t.Errorf("request log %+v", reqs[1])
			}
			if r := noFollow(t, s, "POST", "/clients/", `{"name":"Created"}`); r.StatusCode != http.StatusCreated {
				t.Errorf("after the fault: %d, want 201", r.StatusCode)
			}
		})
	}
}

// TestEmptyListingFault (R17 b): a list operation answers a valid empty last page whatever the
// fake holds; other GETs and writes are untouched, and the fault waits for a list.
func TestEmptyListingFault(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	s.InjectFault(Fault{PathPrefix: "/people/", Kind: EmptyListing})
	if r := do(t, s, "GET", "/people/880451", nil); r.status != http.StatusOK || !bytes.Contains(r.body, []byte("Nakamura")) {
		t.Fatalf("GET one person: %d %s, want the person: EmptyListing strikes only lists", r.status, r.body)
	}
	if r := do(t, s, "POST", "/people/", map[string]any{"firstName": "A", "lastName": "B", "roleId": 21877}); r.status != http.StatusCreated {
		t.Fatalf("create: %d %s, want 201", r.status, r.body)
	}
	r := do(t, s, "GET", "/people/?limit=2", nil)
	if r.status != http.StatusOK || string(r.body) != `{"values":[],"nextCursor":null}` {
		t.Fatalf("listing: %d %s, want an empty last page", r.status, r.body)
	}
	if reqs := s.Requests(); reqs[2].Fault != EmptyListing {
		t.Errorf("request log %+v", reqs[2])
	}
	var page struct{ Values []runn.Person }
	do(t, s, "GET", "/people/", nil).decode(t, &page)
	if len(page.Values) != 3 {
		t.Errorf("after the fault: %d people listed, want 3", len(page.Values))
	}
}

// TestCreateAnswerFault (R1, R17): a create is applied or not as the fault says and answered
// with the test's body; a refused create answers its refusal; other requests are untouched.
func TestCreateAnswerFault(t *testing.T) {
	other := `{"id":73016,"name":"Acme Engineering","references":[]}`
	tests := []struct {
		name       string
		apply      bool
		body       string
		path       string
		create     string
		wantStatus int
		wantBody   string
		wantNames  []string
	}{
		{"applied, empty answer", true, `{}`, "/clients/", `{"name":"Newco"}`, 201, `{}`, []string{"Harbour Authority", "Acme Engineering", "Newco"}},
		{"not applied, another record", false, other, "/clients/", `{"name":"Newco"}`, 201, other, []string{"Harbour Authority", "Acme Engineering"}},
		{"applied but refused", true, `{}`, "/projects/", `{"name":"Orphan","clientId":1}`, 400, "", []string{"Harbour Authority", "Acme Engineering"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startServer(t, testSeed(), Options{})
			s.InjectFault(Fault{Kind: CreateAnswer, Apply: tt.apply, Body: []byte(tt.body)})
			if r := do(t, s, "GET", "/clients/?sortBy=id", nil); r.status != http.StatusOK || !bytes.Contains(r.body, []byte("Harbour")) {
				t.Fatalf("a list: %d %s: CreateAnswer strikes only creates", r.status, r.body)
			}
			r := do(t, s, "POST", tt.path, tt.create)
			if r.status != tt.wantStatus || (tt.wantBody != "" && string(r.body) != tt.wantBody) {
				t.Fatalf("create: %d %s, want %d %s", r.status, r.body, tt.wantStatus, tt.wantBody)
			}
			var names []string
			for _, c := range s.State().Clients {
				names = append(names, c.Name)
			}
			if diff := cmp.Diff(tt.wantNames, names); diff != "" {
				t.Errorf("clients held (-want +got):\n%s", diff)
			}
			if n := len(s.State().Projects); n != 4 {
				t.Errorf("%d projects, want the seed's 4", n)
			}
			if r := do(t, s, "POST", "/clients/", `{"name":"Later"}`); r.status != http.StatusCreated || !bytes.Contains(r.body, []byte(`"Later"`)) {
				t.Errorf("after the fault: %d %s, want the created client", r.status, r.body)
			}
		})
	}
}

func TestFaultKindString(t *testing.T) {
	for k, want := range map[FaultKind]string{0: "none", ServerError: "ServerError", Delay: "Delay", ResetConnection: "ResetConnection",
		LostResponse: "LostResponse", PartialBulk: "PartialBulk", Redirect: "Redirect", EmptyListing: "EmptyListing",
		CreateAnswer: "CreateAnswer", 42: "FaultKind(42)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}
