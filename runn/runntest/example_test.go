package runntest_test

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

func Example() {
	seed, err := runntest.LoadState(strings.NewReader(`{
		"clients": [{"id": 73015, "name": "Harbour Authority"}],
		"roles": [{"id": 21877, "name": "Engineer", "defaultHourCost": 68.5}],
		"projects": [{"id": 402288, "name": "Terminal", "clientId": 73015, "isConfirmed": true}],
		"people": [{"id": 880451, "firstName": "Ingrid", "lastName": "Nakamura"}]
	}`))
	if err != nil {
		panic(err)
	}
	srv, err := runntest.NewServer(seed, runntest.Options{
		Token: "test-token",
		Today: "2025-07-10",
		Now:   func() time.Time { return time.Date(2025, 7, 10, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// Lose the answer to the next bulk write: the client sees a broken connection...
	srv.InjectFault(runntest.Fault{Method: "POST", PathPrefix: "/actuals/bulk/", Kind: runntest.LostResponse})
	req, _ := http.NewRequest("POST", srv.URL()+"/actuals/bulk/", strings.NewReader(
		`{"actuals":[{"date":"2025-07-09","billableMinutes":375,"nonbillableMinutes":45,"personId":880451,"projectId":402288,"roleId":21877}]}`))
	req.Header.Set("Authorization", "Bearer test-token")
	req.Header.Set("Accept-Version", "1.0.0")
	req.Header.Set("Content-Type", "application/json")
	_, err = http.DefaultClient.Do(req)
	fmt.Println("client error:", err != nil)

	// ...yet Runn holds the write.
	for _, a := range srv.State().Actuals {
		fmt.Println(a.ID, a.Date, a.BillableMinutes, a.NonbillableMinutes)
	}
	// Output:
	// client error: true
	// 5583001 2025-07-09 375 45
}
