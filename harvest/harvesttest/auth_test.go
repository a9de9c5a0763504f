package harvesttest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestCredentialsAndRoutes(t *testing.T) {
	acct := smallAccount()
	admin := newTestServer(t, acct, Options{})
	member := newTestServer(t, acct, Options{NonAdmin: true})

	const invalidToken = `{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed or invalid for other reasons."}`
	without := func(name string) http.Header {
		h := goodHeaders()
		delete(h, name)
		return h
	}
	with := func(name, value string) http.Header {
		h := goodHeaders()
		h.Set(name, value)
		return h
	}
	tests := []struct {
		name     string
		srv      *Server
		path     string
		header   http.Header
		want     int
		wantBody string // exact body, when set
	}{
		{"all headers right", admin, "/v2/users", goodHeaders(), 200, ""},
		{"no User-Agent", admin, "/v2/users", without("User-Agent"), 400, ""},
		{"blank User-Agent", admin, "/v2/users", with("User-Agent", "  "), 400, ""},
		{"no Authorization", admin, "/v2/users", without("Authorization"), 401, invalidToken},
		{"wrong token", admin, "/v2/users", with("Authorization", "Bearer nope"), 401, invalidToken},
		{"token without scheme", admin, "/v2/users", with("Authorization", testToken), 401, invalidToken},
		{"basic scheme", admin, "/v2/users", with("Authorization", "Basic "+testToken), 401, invalidToken},
		{"scheme is case-insensitive", admin, "/v2/users", with("Authorization", "bearer "+testToken), 200, ""},
		{"no account id", admin, "/v2/users", without("Harvest-Account-Id"), 401, invalidToken},
		{"wrong account id", admin, "/v2/users", with("Harvest-Account-Id", "7654321"), 401, invalidToken},
		{"bad credentials on an unknown path", admin, "/v2/nothing", without("Authorization"), 401, invalidToken},
		{"roles as administrator", admin, "/v2/roles", goodHeaders(), 200, ""},
		{"roles as non-administrator", member, "/v2/roles", goodHeaders(), 403, ""},
		{"users as non-administrator", member, "/v2/users", goodHeaders(), 200, ""},
		{"unknown resource", admin, "/v2/invoices_of_doom", goodHeaders(), 404, `{"error":"Not Found","status":404}`},
		{"outside /v2", admin, "/v1/users", goodHeaders(), 404, ""},
		{"root", admin, "/", goodHeaders(), 404, ""},
		{"too deep", admin, "/v2/users/1/2", goodHeaders(), 404, ""},
		{"unknown record", admin, "/v2/users/1", goodHeaders(), 404, ""},
		{"non-numeric id", admin, "/v2/projects/abc", goodHeaders(), 404, ""},
		{"one user", admin, "/v2/users/" + itoa(acct.Users[3].ID), goodHeaders(), 200, ""},
		{"one time entry", admin, "/v2/time_entries/" + itoa(acct.TimeEntries[9].ID), goodHeaders(), 200, ""},
		{"users/me", admin, "/v2/users/me", goodHeaders(), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := fetch(t, http.DefaultClient, tt.srv.URL()+tt.path, tt.header)
			if status != tt.want {
				t.Fatalf("status %d, want %d; body %s", status, tt.want, body)
			}
			if !json.Valid(body) {
				t.Errorf("body is not JSON: %s", body)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.wantBody != "" && string(body) != tt.wantBody {
				t.Errorf("body %s\nwant %s", body, tt.wantBody)
			}
			if strings.Contains(string(body), testToken) {
				t.Errorf("the token leaked into the body: %s", body)
			}
		})
	}
}

func TestOnlyGET(t *testing.T) {
	s := newTestServer(t, smallAccount(), Options{})
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/v2/time_entries", strings.NewReader(`{}`))
	req.Header = goodHeaders()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
		t.Errorf("POST: status %d, Allow %q; want 405 and GET", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestUsersMe(t *testing.T) {
	acct := smallAccount()
	for _, nonAdmin := range []bool{false, true} {
		s := newTestServer(t, acct, Options{NonAdmin: nonAdmin})
		var me struct {
			IsActive    bool     `json:"is_active"`
			AccessRoles []string `json:"access_roles"`
		}
		if err := json.Unmarshal(get(t, s, "/v2/users/me"), &me); err != nil {
			t.Fatal(err)
		}
		isAdmin := len(me.AccessRoles) > 0 && me.AccessRoles[0] == "administrator"
		if !me.IsActive || isAdmin == nonAdmin {
			t.Errorf("NonAdmin=%v: /v2/users/me is active=%v with access roles %v", nonAdmin, me.IsActive, me.AccessRoles)
		}
	}
}

func TestNewServerRefusesMissingCredentials(t *testing.T) {
	for _, opts := range []Options{{Token: "t"}, {AccountID: "1"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewServer(%+v) did not panic", opts)
				}
			}()
			NewServer(&Account{}, opts).Close()
		}()
	}
}
