package harvesttest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
)

func Example() {
	acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 1, People: 20, TimeEntries: 500})
	srv := harvesttest.NewServer(acct, harvesttest.Options{
		Token: "example-token", AccountID: "123456",
		RateLimit: 100, RateWindow: 15 * time.Second,
	})
	defer srv.Close()

	// The next listing of time entries fails once with a 503.
	srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.ServerError, Status: 503})

	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v2/time_entries?per_page=100", nil)
		req.Header.Set("User-Agent", "Example (ops@example.com)")
		req.Header.Set("Authorization", "Bearer example-token")
		req.Header.Set("Harvest-Account-Id", "123456")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var page struct {
			TotalPages int `json:"total_pages"`
			Links      struct{ Next string }
		}
		json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, page.TotalPages, page.Links.Next != "")
	}
	// Output:
	// 503 0 false
	// 200 5 true
}
