package runntest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestServesExactlyTheSpecOperations(t *testing.T) {
	s, _ := startServer(t, nil, Options{})
	var got []string
	for _, op := range s.ops {
		got = append(got, op.method+" "+op.path)
	}
	want := []string{
		"GET /actuals/", "GET /assignments/", "GET /clients/", "GET /clients/{clientId}", "GET /contracts/",
		"GET /me/", "GET /people/", "GET /people/{personId}", "GET /people/{personId}/contracts/",
		"GET /people/{personId}/contracts/current", "GET /project-tags/", "GET /projects/",
		"GET /projects/{projectId}", "GET /roles/",
		"PATCH /clients/{clientId}", "PATCH /people/{personId}", "PATCH /projects/{projectId}", "PATCH /roles/{roleId}",
		"POST /actuals/", "POST /actuals/bulk/", "POST /clients/", "POST /people/",
		"POST /project-tags/{projectTagId}/project/{projectId}", "POST /projects/", "POST /roles/",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("operations served:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnknownRoutesAre404(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	for _, tt := range []struct{ method, path string }{
		{"PATCH", "/clients/73015/"}, // the spec has /clients/{clientId}
		{"PATCH", "/contracts/1"},
		{"DELETE", "/projects/402288/"},
		{"DELETE", "/actuals/55830172/"},
		{"POST", "/clients/bulk/"},
		{"POST", "/actuals/time-entry"},
		{"POST", "/project-tags/"},
		{"GET", "/clients"},                          // the spec has /clients/
		{"GET", "/actuals/bulk"},                     // and /actuals/bulk/
		{"GET", "/people/880451/"},                   // but /people/{personId}
		{"GET", "/people/880451/contracts"},          // and /people/{personId}/contracts/
		{"GET", "/people/880451/contracts/current/"}, // and .../current
		{"GET", "/actuals/55830172"},
		{"GET", "/projects/402288/tags"},
		{"GET", "/people/contracts/current"},
		{"PUT", "/roles/"},
		{"GET", "/"},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, nil)
			if r.status != http.StatusNotFound {
				t.Fatalf("status %d (%s), want 404", r.status, r.body)
			}
			e := r.errorBody(t)
			if e.Error != "Not Found" || e.StatusCode != 404 || !strings.Contains(e.Message, tt.method+":"+tt.path) {
				t.Errorf("body %s, want Runn's 404 naming the route", r.body)
			}
		})
	}
}
