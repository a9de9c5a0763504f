// Package harvesttest runs a fake Harvest API v2 server with state, for end-to-end tests,
// benchmarks and the product's demo.
//
// The fake is a real HTTP server (built on net/http/httptest) that answers the listings
// harvest2runn extracts the way the real API does: the same headers are required, the same
// envelopes, cursor paging on users, roles, clients, projects, tasks and user_assignments,
// page-number paging on time_entries, the same filters and errors, a moving-window rate limit,
// and injectable faults (server errors, 429s, delays, cut connections, broken bodies, records
// shifting under a page-number walk, and valid envelopes that lie: an empty page mid-listing, a
// listing cut short, phantom pages, an empty listing). Options.MaxPerPage gives a small
// account several pages. Generate builds realistic accounts of any size, and the
// Server's mutation methods change the account between runs the way people do in Harvest.
//
// Known deviations from the real API are listed on NewServer.
package harvesttest
