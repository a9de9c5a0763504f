package harvesttest

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"unsafe"

	"github.com/harvest2runn/harvest2runn/harvest"
)

func TestScratchSmoke(t *testing.T) {
	fmt.Println("sizeof TimeEntry", unsafe.Sizeof(harvest.TimeEntry{}))
	a := Generate(GenerateOptions{Seed: 1})
	fmt.Println(len(a.Users), len(a.Roles), len(a.Clients), len(a.Projects), len(a.Tasks), len(a.UserAssignments), len(a.TimeEntries))
	s := NewServer(a, Options{Token: "t", AccountID: "1"})
	defer s.Close()
	for _, p := range []string{"/v2/users?per_page=2", "/v2/time_entries?per_page=1&page=3&from=2025-06-01", "/v2/roles"} {
		req, _ := http.NewRequest("GET", s.URL()+p, nil)
		req.Header.Set("User-Agent", "x (a@b.c)")
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Harvest-Account-Id", "1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(b)[:min(len(b), 3000)])
	}
}
