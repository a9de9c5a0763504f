package runn

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestAPIError(t *testing.T) {
	all := []error{ErrUnauthorized, ErrNotFound, ErrBadRequest, ErrRateLimited}
	tests := []struct {
		status   int
		body     string
		is       error
		mentions []string
	}{
		{400, `{"error":"Bad Request","message":"body/actuals must NOT have more than 100 items","statusCode":400}`, ErrBadRequest,
			[]string{"400", `error="Bad Request"`, `message="body/actuals must NOT have more than 100 items"`, "statusCode=400"}},
		{422, `{"error":"Unprocessable Entity","message":"roleId does not exist","statusCode":422}`, ErrBadRequest,
			[]string{"422", "roleId does not exist", "statusCode=422"}},
		{401, `{"error":"Unauthorized","message":"Unauthorized","statusCode":401}`, ErrUnauthorized,
			[]string{"401", "RUNN_API_TOKEN"}},
		{404, `{"error":"Not Found","message":"Route GET:/clientz/ not found","statusCode":404}`, ErrNotFound,
			[]string{"404", "Route GET:/clientz/ not found", "RUNN_BASE_URL", "--runn-base-url", DefaultBaseURL, USBaseURL}},
		{403, `{"error":"Forbidden","message":"read-only token","statusCode":403}`, nil,
			[]string{"403", "write scope"}},
		{502, `<html><body>Bad gateway</body></html>`, nil,
			[]string{"502", "<html><body>Bad gateway</body></html>"}},
		{500, strings.Repeat("é", 400), nil, []string{"500", "…"}},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			err := error(newAPIError("POST", "https://api.runn.io/actuals/bulk/", tt.status, []byte(tt.body)))
			msg := err.Error()
			for _, want := range append(tt.mentions, "POST https://api.runn.io/actuals/bulk/") {
				if !strings.Contains(msg, want) {
					t.Errorf("%q does not mention %q", msg, want)
				}
			}
			for _, sentinel := range all {
				if got := errors.Is(err, sentinel); got != (sentinel == tt.is) {
					t.Errorf("errors.Is(err, %q) = %v", sentinel, got)
				}
			}
			if len(msg) > 700 {
				t.Errorf("message is %d bytes long", len(msg))
			}
		})
	}
}

// TestTokenNeverLeaks: a server that echoes the Authorization header into its answers (error
// bodies, pages, headers) must not get the token into errors, logs or pages.
func TestTokenNeverLeaks(t *testing.T) {
	echo := func(status int) func(n int, w http.ResponseWriter, r *http.Request) {
		return func(n int, w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			w.Header().Set("X-Echo", auth)
			if status == 200 {
				writeJSON(w, 200, `{"values":[{"id":1,"name":"`+auth+`"}],"nextCursor":null}`)
				return
			}
			writeJSON(w, status, `{"error":"Bad","message":"you sent `+auth+`","statusCode":`+strconv.Itoa(status)+`}`)
		}
	}
	for _, status := range []int{200, 400, 401, 404, 500, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			rec := newRecorder(t, echo(status))
			c := newTestAPI(t, rec.URL, func(cfg *Config) { cfg.MaxAttempts = 2 })
			var seen []string
			err := c.ListPages(context.Background(), EndpointRoles, nil, func(p Page) error {
				seen = append(seen, string(p.Body), p.URL)
				return nil
			})
			_, createErr := c.CreatePerson(context.Background(), PersonInput{FirstName: "A", LastName: "B", RoleID: 1})
			for _, e := range []error{err, createErr} {
				if e != nil {
					seen = append(seen, e.Error())
					var apiErr *APIError
					if errors.As(e, &apiErr) {
						seen = append(seen, apiErr.Body.Message, apiErr.URL)
					}
				}
			}
			seen = append(seen, c.logs.String())
			if status != 200 && err == nil {
				t.Fatal("no error from a failing server")
			}
			if status == 200 && !strings.Contains(seen[0], redacted) {
				t.Errorf("page %s: the echoed token was not redacted", seen[0])
			}
			for _, s := range seen {
				if strings.Contains(s, testToken) {
					t.Errorf("the token leaked into %q", s)
				}
			}
		})
	}
}

func TestTokenNeverLeaksFromNetworkErrors(t *testing.T) {
	c := newTestAPI(t, "http://127.0.0.1:1", func(cfg *Config) { cfg.MaxAttempts = 2 })
	_, err := c.ListRoles(context.Background())
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	for _, s := range []string{err.Error(), c.logs.String()} {
		if strings.Contains(s, testToken) {
			t.Errorf("the token leaked into %q", s)
		}
	}
	if !strings.Contains(err.Error(), "GET http://127.0.0.1:1/roles/?limit=200") || !strings.Contains(err.Error(), "2 attempts") {
		t.Errorf("error %q should name the call and its attempts", err)
	}
}
